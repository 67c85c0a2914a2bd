"""The one way a screen or widget calls the domain off the UI thread.

:func:`run_service` runs a call in a thread worker and brings its outcome back to the UI
thread: the result to ``on_done``; a domain error (:class:`EtrakitError`, whose text is fit
for the user) to ``on_error`` if given; everything else to the app's one error path
(:meth:`etrakit_tui.tui.app.EtrakitApp.report`: a domain error is shown, anything else
ends the portal, logged, with a plain line). No worker shows an exception's own text.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any, TypeVar

from textual.dom import DOMNode

from etrakit_tui.domain.errors import DatabaseError, EtrakitError

T = TypeVar("T")


def run_service(
    node: DOMNode,
    service: Callable[[], T],
    *,
    on_done: Callable[[T], object] | None = None,
    on_error: Callable[[EtrakitError], object] | None = None,
    group: str = "service",
    exclusive: bool = True,
) -> None:
    """Run ``service()`` in a thread worker owned by ``node`` (see the module's docstring).
    A database error is logged here whoever shows it."""
    app: Any = node.app

    def deliver(callback: Callable[..., object], value: object) -> None:
        with suppress(RuntimeError):  # the app has closed meanwhile: nobody to tell
            app.call_from_thread(callback, value)

    def work() -> None:
        try:
            result = service()
        except Exception as exc:
            if isinstance(exc, EtrakitError) and on_error is not None:
                if isinstance(exc, DatabaseError):
                    from etrakit_tui.logs import log_failure

                    log_failure(exc, fatal=False)
                deliver(on_error, exc)
            else:
                deliver(app.report, exc)
            return
        if on_done is not None:
            deliver(on_done, result)

    node.run_worker(work, thread=True, group=group, exclusive=exclusive, exit_on_error=False)

"""Running the portal: on the configured database (``etrakit-tui``, and each SSH session's
process, :mod:`etrakit_tui.ssh.child`) or on a fresh demo city (``etrakit-tui --demo``).

No command is defined here (the root group in :mod:`etrakit_tui.cli` calls these), so the
SSH child runs the portal without loading the command modules. Its database comes from
:mod:`etrakit_tui.cli.bootstrap`; Textual is imported when the portal is built.
"""

from __future__ import annotations

import gc
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from etrakit_tui.cli.bootstrap import demo_database, portal_database

if TYPE_CHECKING:
    from etrakit_tui.domain.store.db import Database
    from etrakit_tui.tui.app import EtrakitApp


def run_demo(demo_db: Path | None, config_path: Path | None) -> None:
    """The portal on a fresh demo database; its temporary folder goes when the portal ends,
    also when it is ended by a hang-up (the terminal window closed) or SIGTERM."""
    from etrakit_tui.tui.app import make_app, settle_memory

    _log_locally()
    with _exit_on_hangup(), demo_database(demo_db, config_path) as database:
        app = make_app(database, demo=True)
        settle_memory()
        app.run()
        if app.fatal_error is not None:
            raise app.fatal_error


def _log_locally() -> None:
    """A local portal's errors go to the user's own log file (never over SSH: the session's
    process logs to the service, see :mod:`etrakit_tui.logs`)."""
    from etrakit_tui.logs import configure_portal_logging, default_log_file

    configure_portal_logging(default_log_file())


@contextmanager
def _exit_on_hangup() -> Iterator[None]:
    """SIGHUP and SIGTERM end the program by raising :class:`SystemExit` (not by killing it
    outright, their default), so the ``finally`` blocks inside run."""

    def leave(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, leave) for sig in (signal.SIGHUP, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_portal(
    db_url: str | None,
    config_path: Path | None = None,
    *,
    demo: bool = False,
    remote: bool = False,
) -> None:
    """Run the portal until it ends; an error that ended it is raised (one line in main).
    ``remote``: served over SSH (no file may be written on the server).
    Start-up runs with the garbage collector off: the sign-in screen turns it back on once
    it is drawn (:func:`etrakit_tui.tui.app.collect_from_now_on`)."""
    gc.disable()
    try:
        if not remote:
            _log_locally()
        app = portal_app(db_url, config_path, demo=demo, remote=remote)
        app.settle_after_warm = True  # not before the first paint: it costs start-up time
        app.run()
    finally:
        gc.enable()  # (already on, unless the portal ended before its first screen)
    if app.fatal_error is not None:
        raise app.fatal_error


def portal_app(
    db_url: str | None,
    config_path: Path | None = None,
    *,
    demo: bool = False,
    remote: bool = False,
) -> EtrakitApp:
    """The portal on the configured database, ready to run, at the least start-up cost (the
    database is opened now or when the first key is pressed: see
    :func:`etrakit_tui.cli.bootstrap.portal_database`)."""
    from etrakit_tui.tui.app import make_app

    database = portal_database(db_url, config_path)
    if demo:  # a serve-ssh --demo session: the demo city's rules (its payment URL)
        database = _with_demo_rules(database)
    return make_app(database, demo=demo, remote=remote)


def _with_demo_rules(
    database: Database | Callable[[], Database],
) -> Database | Callable[[], Database]:
    """``database`` (or its opener) under the demo jurisdiction, as ``--demo`` runs it."""

    def demo_rules(opened: Database) -> Database:
        from etrakit_tui.democity.payorder import demo_jurisdiction

        opened.jurisdiction = demo_jurisdiction(opened.jurisdiction)
        return opened

    if callable(database):
        opener = database
        return lambda: demo_rules(opener())
    return demo_rules(database)

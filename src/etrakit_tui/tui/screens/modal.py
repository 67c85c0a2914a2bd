"""PortalModal: the one base of the portal's popups (fees, review notes, confirmations,
pickers, the attachment viewer, the sign-in screen's notes...).

A popup is one framed box in the middle of the screen it came from — its container has the
class ``dialog``, its first line (class ``title``) says what it is — and Esc closes it,
changing nothing: it is dismissed with :meth:`PortalModal.escape_result` (``None``; a yes/no
question answers ``False``). The frame's looks are in ``tui/styles/modals.tcss`` (a popup
sets only what differs, e.g. its width)::

    class FeesScreen(PortalModal[None]):
        def compose(self) -> ComposeResult:
            with Vertical(id="fees-dialog", classes="dialog"):
                yield Static(inert(f"Fees — Permit #{number}"), classes="title")
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

R = TypeVar("R")


class PortalModal(ModalScreen[R]):
    """A popup: a framed box (``.dialog``) with a ``.title``; Esc closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="modal.close", tooltip="Close, changing nothing"),
    ]

    def escape_result(self) -> R | None:
        """What closing with Esc answers (``None``: nothing chosen)."""
        return None

    def action_close(self) -> None:
        self.dismiss(self.escape_result())


class QuestionModal(PortalModal[bool]):
    """A yes/no popup: Esc answers no."""

    def escape_result(self) -> bool:
        return False

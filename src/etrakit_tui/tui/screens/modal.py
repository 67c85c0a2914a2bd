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

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from etrakit_tui.tui.compositor import use_portal_compositor
from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.styles import SCREEN_STYLESHEETS

R = TypeVar("R")


class PortalModal(ModalScreen[R]):
    """A popup: a framed box (``.dialog``) with a ``.title``; Esc closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="modal.close", tooltip="Close, changing nothing"),
    ]
    CSS_PATH = SCREEN_STYLESHEETS  # loaded with the first one shown, if not loaded already

    def __init__(
        self, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name, id, classes)
        use_portal_compositor(self)

    def escape_result(self) -> R | None:
        """What closing with Esc answers (``None``: nothing chosen)."""
        return None

    def action_close(self) -> None:
        self.dismiss(self.escape_result())


class QuestionModal(PortalModal[bool]):
    """A yes/no popup: Esc answers no."""

    def escape_result(self) -> bool:
        return False


class ConfirmScreen(QuestionModal):
    """A yes/no question: Y answers yes, N or Esc no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Go ahead"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no", tooltip="Change nothing"),
    ]

    def __init__(self, question: str, *details: str, yes: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.details = details
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm", classes="dialog"):
            yield Static(inert(self.question), classes="title")
            for line in self.details:
                yield Static(inert(line))
            with Horizontal(id="confirm-buttons"):
                yield Button(inert(f"{self.yes} (Y)"), id="yes", variant="primary")
                yield Button("No (N)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

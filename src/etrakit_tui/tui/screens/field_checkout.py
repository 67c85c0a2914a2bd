"""Checking out a day for field work, from the inspector's route (online, local sessions
only): the password is asked again here (:class:`CheckoutPasswordScreen`); the route screen
then calls the domain's checkout in a worker, which verifies it against the city database
and writes the field file on this computer."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Footer, Input, Static

from etrakit_tui.domain.inspections import calendar
from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.screens.modal import PortalModal
from etrakit_tui.tui.widgets.form_field import SafeInput

REMOTE_WORDS = (
    "Checking out writes the day's route into a file on the laptop, so it works on the "
    "laptop's own portal (etrakit-tui there, or: etrakit-tui field checkout). "
    "Nothing was written on this server."
)
"""What the key says in a portal served over SSH (no file may be written on the server)."""


class CheckoutPasswordScreen(PortalModal[str | None]):
    """ "Check out <day> for field work": the password (hidden), Enter goes on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "go",
            "Check out",
            id="checkout.go",
            tooltip="Check out with this password",
            priority=True,  # before the password field's own Enter
        ),
        Binding("escape", "close", "Cancel", id="checkout.cancel", tooltip="Nothing is done"),
    ]

    def __init__(self, day: date) -> None:
        super().__init__()
        self.day = day

    def compose(self) -> ComposeResult:
        with Vertical(id="checkout-dialog", classes="dialog"):
            yield Static(
                inert(f"Check out {calendar.format_day(self.day)} for field work"),
                classes="title",
            )
            yield Static(
                "The day's route is copied into a private file on this computer, so you "
                "can record results without the network; they are sent when the city "
                "database is reachable. Your password, please:"
            )
            yield SafeInput(password=True, max_length=128, id="checkout-password")
            yield Static("", id="checkout-error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#checkout-password", Input).focus()

    def action_go(self) -> None:
        password = self.query_one("#checkout-password", Input).value
        if not password:
            self.query_one("#checkout-error", Static).update("Error: Enter your password.")
            return
        self.dismiss(password)

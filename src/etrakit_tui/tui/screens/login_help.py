"""The sign-in screen's popups: how to get a new password (F9), the privacy note (F2), and
choosing a password at the first sign-in with a PIN. Imported when one is first shown, not
to draw the sign-in screen (:mod:`~etrakit_tui.tui.screens.login`)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Button, Input, Label, Static

from etrakit_tui.domain.errors import EtrakitError, ValidationFailed
from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.screens.modal import PortalModal
from etrakit_tui.tui.widgets.form_field import SafeInput
from etrakit_tui.tui.workers import run_service


class ForgotPasswordScreen(PortalModal[None]):
    """How to get a new PIN (contractors: the jurisdiction's email and phone) or a new
    password (staff and inspectors: the division's administrator)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "dismiss", "Close", id="forgot.close", tooltip="Back to sign-in"),
    ]

    def __init__(self, staff: bool = False) -> None:
        super().__init__()
        self.staff = staff

    def compose(self) -> ComposeResult:
        j = self.app.database.jurisdiction  # type: ignore[attr-defined]
        if self.staff:
            text = (
                "Passwords are not sent by email. Staff and inspectors: ask the "
                f"{j.division}'s administrator to reset your password."
            )
        else:
            text = (
                f"Passwords are not sent by email. Ask the {j.division} for a new PIN:\n"
                f"  email  {j.email}\n  phone  {j.phone}\n"
                "Sign in with the new PIN and you will be asked to choose a new password."
            )
        with Vertical(id="forgot", classes="dialog"):
            yield Static("Forgot your password?", classes="title")
            yield Static(inert(text, multiline=True))
            yield Button("Close", id="close", variant="primary")

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss()


class PrivacyNoteScreen(PortalModal[None]):
    """The guide's privacy note and who may sign in, in full (one line of it is on the
    sign-in screen)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "dismiss", "Close", id="privacy.close", tooltip="Back to sign-in"),
    ]

    def compose(self) -> ComposeResult:
        j = self.app.database.jurisdiction  # type: ignore[attr-defined]
        with Vertical(id="privacy-note", classes="dialog"):
            yield Static("Privacy note and disclaimer", classes="title")
            yield Static(
                inert(
                    f"Your privacy is important to the {j.name}. We ask for the minimum amount "
                    "of information required to establish an account. Email information will "
                    f"be used for city purposes only. Please contact us at {j.phone} with any "
                    "questions. Accounts with invalid contact information may be disabled.\n\n"
                    "Contractor Login is restricted to contractors with a valid license "
                    "through the California State License Board. Contractors must register "
                    f"with the {j.division} in person to obtain a log-in. For your first "
                    f"log-in you need a PIN issued by the {j.name}: email {j.email} to "
                    "request it.",
                    multiline=True,
                )
            )
            yield Button("Close", id="close", variant="primary")

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss()


class SetPasswordScreen(PortalModal[bool]):
    """First sign-in with a PIN: choose a password (the PIN is consumed when it is saved)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="setpw.cancel", tooltip="Back to sign-in"),
    ]

    def __init__(self, company: str, pin: str) -> None:
        super().__init__()
        self.company = company
        self.pin = pin

    def compose(self) -> ComposeResult:
        from etrakit_tui.domain.accounts.passwords import policy_for

        policy = policy_for(self.app.database.jurisdiction)  # type: ignore[attr-defined]
        with Vertical(id="set-password", classes="dialog"):
            yield Static("Choose your password", classes="title")
            yield Static(inert(f"Company: {self.company}"))
            yield Static(inert(f"Password rule: {policy.describe()}"), id="policy")
            yield Label("* Password:")
            yield SafeInput(password=True, id="password", max_length=128)
            yield Static("", id="password-error", classes="error")
            yield Label("* Confirm password:")
            yield SafeInput(password=True, id="confirm", max_length=128)
            yield Static("", id="confirm-error", classes="error")
            yield Button("Save password", id="save", variant="primary")

    @on(Input.Submitted, "#password")
    def _next(self) -> None:
        self.query_one("#confirm", Input).focus()

    @on(Input.Submitted, "#confirm")
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.query_one("#password-error", Static).update("")
        self.query_one("#confirm-error", Static).update("")
        self._set_password(
            self.query_one("#password", Input).value, self.query_one("#confirm", Input).value
        )

    def _set_password(self, password: str, confirm: str) -> None:
        app: Any = self.app
        company, pin = self.company, self.pin

        def save() -> None:
            from etrakit_tui.domain.accounts import auth

            auth.set_initial_password(app.database, company, pin, password, confirm)

        def refused(exc: EtrakitError) -> None:
            if isinstance(exc, ValidationFailed):
                self._show_errors(exc.errors)
            else:
                self._show_errors({"password": app.message_for(exc)})

        run_service(
            self, save, on_done=lambda _: self.dismiss(True), on_error=refused, group="set-password"
        )

    def _show_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            target = "#confirm-error" if name == "confirm" else "#password-error"
            self.query_one(target, Static).update(inert(message))

    def action_cancel(self) -> None:
        self.dismiss(False)

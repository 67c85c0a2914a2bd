"""What the staff desk's screens share: a base screen with a title,
a message line, Esc to go back and domain refusals shown at their fields, and a yes/no
confirmation modal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Static

from etrakit_tui.domain.errors import EtrakitError, RuleViolation, ValidationFailed
from etrakit_tui.tui import theme
from etrakit_tui.tui.navigation import NAV_BINDINGS
from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.screens.base import PortalScreen
from etrakit_tui.tui.screens.modal import ConfirmScreen
from etrakit_tui.tui.widgets.form_field import FormField, clear_errors, show_errors

DESK_BINDINGS: list[BindingType] = [
    *NAV_BINDINGS,
    *Screen.BINDINGS,  # Tab / Shift+Tab, copy (screens here do not inherit bindings)
]
"""Esc and the menu keys (from the navigation registry); a screen with keys of its own
lists them, then these (``inherit_bindings=False``)."""


class DeskScreen(PortalScreen, inherit_bindings=False):
    """Base of a staff desk screen pushed on the desk: Esc goes back."""

    COMMANDS = {theme.ThemeCommands}  # the palette offers the sunlight theme

    BINDINGS: ClassVar[list[BindingType]] = DESK_BINDINGS

    def compose_title(self, title: str) -> ComposeResult:
        """The screen's title and its (hidden while empty) message line."""
        yield Static(inert(title), classes="desk-title")
        yield Static("", id="desk-message", classes="desk-message empty")

    def say(self, words: str) -> None:
        """Show ``words`` (may hold data: made inert) under the title."""
        line = self.query_one("#desk-message", Static)
        line.update(inert(words))
        line.set_class(not words, "empty")

    def clear_form(self) -> None:
        clear_errors(self)
        self.say("")

    def refused(self, exc: Exception) -> None:
        """A domain refusal: each message at its field, the rest on the message line."""
        if isinstance(exc, ValidationFailed):
            errors = dict(exc.errors)
        elif isinstance(exc, RuleViolation):
            errors = {exc.field or "": str(exc)}
        elif isinstance(exc, EtrakitError):
            errors = {"": str(exc)}
        else:
            self.portal.show_error(exc)
            return
        left = show_errors(self, errors)
        self.say("Error: " + " ".join(left.values()) if left else "Not saved: see the fields.")

    def field(self, name: str) -> FormField:
        return self.query_one(f"#field-{name}", FormField)

    def values(self) -> dict[str, Any]:
        """Every field's value by its domain name (text stripped by the domain)."""
        return {f.field: f.value for f in self.query(FormField)}


def ask(screen: PortalScreen, question: str, *details: str, then: Callable[[], None]) -> None:
    """Ask ``question``; run ``then`` only on yes."""

    def answered(yes: bool | None) -> None:
        if yes:
            then()

    screen.app.push_screen(ConfirmScreen(question, *details), answered)

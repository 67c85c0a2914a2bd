"""EtrakitApp: the application shell — theme, menu navigation, command palette, sign-in state."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, TextArea

from etrakit_tui.domain.actors import Actor
from etrakit_tui.domain.db import Database
from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.tui.commands import PortalCommands
from etrakit_tui.tui.theme import ThemeCommands

ScreenFactory = Callable[[], Screen[object]]


class EtrakitApp(App[None]):
    """The portal. Starts on the sign-in screen; after sign-in the dashboard is the base
    of the stack and the menu keys replace whatever is above it."""

    TITLE = "eTRAKiT"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {PortalCommands, ThemeCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Leave the portal", priority=True),
    ]

    # Stack depths: Textual's default screen, then sign-in, then the signed-in home.
    LOGIN_DEPTH = 2
    HOME_DEPTH = 3

    def __init__(self, database: Database, *, demo: bool = False) -> None:
        super().__init__()
        self.database = database
        self.demo = demo
        self.actor: Actor | None = None
        self.signed_in_as: str | None = None
        self.last_activity: datetime = database.now()
        self.sub_title = database.jurisdiction.name
        self.menu: dict[str, ScreenFactory] = {}

    # ------------------------------------------------------------------ lifecycle

    def on_mount(self) -> None:
        from etrakit_tui.tui import theme
        from etrakit_tui.tui.screens.login import LoginScreen

        theme.install(self)

        self.push_screen(LoginScreen())
        interval = self.database.jurisdiction.disabled_check_seconds
        self.set_interval(interval, self.check_session, name="session-check")

    def check_session(self) -> None:
        """Idle sign-out and disabled-account sign-out (the domain decides; we act)."""
        if self.actor is not None:
            self._check_session(self.actor, self.last_activity)

    @work(thread=True, exclusive=True, group="session-check", exit_on_error=False)
    def _check_session(self, actor: Actor, last_activity: datetime) -> None:
        from etrakit_tui.domain.auth import SessionState, check_session

        state = check_session(self.database, actor, last_activity)
        if state is SessionState.IDLE:
            minutes = self.database.jurisdiction.idle_minutes
            reason = f"Signed out after {minutes} minutes without a key."
        elif state is SessionState.DISABLED:
            reason = "This account has been disabled. Contact the Building Division."
        else:
            return
        self.call_from_thread(self._end_session, actor, reason)

    def _end_session(self, actor: Actor, reason: str) -> None:
        if self.actor == actor:
            self.action_sign_out(reason)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """No blinking cursor anywhere: it costs bandwidth over SSH."""
        widget = event.widget
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False

    def on_key(self, _event: events.Key) -> None:
        self.last_activity = self.database.now()

    # ------------------------------------------------------------------ session

    def signed_in(self, actor: Actor, display_name: str, home: Screen[object]) -> None:
        """Called by the sign-in screen: ``home`` becomes the base of the signed-in stack."""
        from etrakit_tui.tui.homes import menu_for

        self.actor = actor
        self.signed_in_as = display_name
        self.last_activity = self.database.now()
        self.menu = menu_for(actor.kind)
        self.push_screen(home)

    def action_sign_out(self, reason: str | None = None) -> None:
        self.actor = None
        self.signed_in_as = None
        self.menu = {}
        while len(self.screen_stack) > self.LOGIN_DEPTH:
            self.pop_screen()
        if reason:
            self.notify(reason, title="Signed out", timeout=10)

    # ------------------------------------------------------------------ navigation

    def action_go(self, name: str) -> None:
        """Open a menu destination: back to the signed-in base, then the destination on top."""
        if self.actor is None:
            return
        factory = self.menu.get(name)
        if factory is None:
            self.notify(f"{name.title()} is not available for this account.", severity="warning")
            return
        while len(self.screen_stack) > self.HOME_DEPTH + 1:
            self.pop_screen()
        if name == "dashboard":
            if len(self.screen_stack) == self.HOME_DEPTH + 1:
                self.pop_screen()
            return
        if len(self.screen_stack) == self.HOME_DEPTH + 1:
            self.switch_screen(factory())
        else:
            self.push_screen(factory())

    def show_error(self, exc: Exception) -> None:
        """Domain errors carry their own user message; anything else is reported plainly."""
        if isinstance(exc, EtrakitError):
            self.notify(str(exc), severity="error", timeout=8)
        else:
            self.notify(f"Something went wrong: {type(exc).__name__}", severity="error", timeout=8)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette's own commands, less the screenshot (it writes files on the server)."""
        for command in super().get_system_commands(screen):
            if "screenshot" not in command.title.lower():
                yield command


def make_app(database: Database, *, demo: bool = False) -> EtrakitApp:
    """The one app factory (CLI, SSH service and tests all use it)."""
    return EtrakitApp(database, demo=demo)

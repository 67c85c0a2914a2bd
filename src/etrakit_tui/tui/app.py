"""EtrakitApp: the application shell — theme, menu navigation, command palette, sign-in state.

Start-up is kept to what the sign-in screen needs: the data layer (SQLAlchemy, SQLModel,
pydantic, argon2) is not imported to draw it. The app may be given a ready
:class:`~etrakit_tui.domain.store.db.Database` (tests, the demo) or an *opener*; with an opener,
the first key pressed on the sign-in screen starts opening the database and importing the
sign-in services in a thread worker, so that work overlaps the typing, and anything that
needs the database (:attr:`EtrakitApp.database`) waits for it.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from importlib import import_module
from typing import TYPE_CHECKING

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import WorkerFailed

from etrakit_tui.domain.errors import (
    DatabaseError,
    DatabaseUnavailable,
    EtrakitError,
    SchemaBehindError,
)
from etrakit_tui.locations import DEFAULT_JURISDICTION_NAME
from etrakit_tui.logs import log_failure
from etrakit_tui.tui.commands import PortalCommands
from etrakit_tui.tui.styles import STYLESHEETS
from etrakit_tui.tui.theme import ThemeCommands
from etrakit_tui.tui.workers import run_service

if TYPE_CHECKING:
    from textual.driver import Driver

    from etrakit_tui.domain.accounts.actors import Actor
    from etrakit_tui.domain.store.db import Database
    from etrakit_tui.tui.screens.field_status import FieldLink

DatabaseOpener = Callable[[], "Database"]

WARM_MODULES = ("etrakit_tui.domain.accounts.auth",)
"""Imported with the database when it is opened: what the sign-in screen calls."""


CRASH_MESSAGE = "Something went wrong; the portal must close. The error was logged."


class PortalFailed(EtrakitError):
    """The portal ended on an unexpected error (logged); ``str()`` is the plain line the
    command line prints once the terminal is given back."""

    def __init__(self) -> None:
        super().__init__(CRASH_MESSAGE)


def user_message(exc: BaseException, *, remote: bool = True) -> str | None:
    """The message for the user an error carries (domain or configuration), else ``None``:
    the text of any other exception is never shown. A database that cannot be reached is
    one plain line; run locally (``remote`` False: the user is the operator) it also says
    what failed (host, port, reason; never the password).
    (The settings module is looked up, not imported: if it is not loaded, it raised nothing.)"""
    if isinstance(exc, DatabaseUnavailable):
        return str(exc) if remote or exc.detail == str(exc) else f"{exc} ({exc.detail})"
    if isinstance(exc, EtrakitError):
        return str(exc)
    settings = sys.modules.get("etrakit_tui.settings")
    if settings is not None and isinstance(exc, settings.ConfigError):
        return f"configuration error: {exc}"
    return None


def settle_memory() -> None:
    """Collect, then move every object alive now out of the garbage collector's reach
    (``gc.freeze``): what start-up loaded (modules, styles) lives as long as the process, and
    a full collection walking it all was seen to stall the screen for a quarter second. The
    portal calls it once the database layer is loaded (in the worker that loads it), never
    before the sign-in screen is drawn; the demo, before it runs."""
    gc.collect()
    gc.freeze()


def collect_from_now_on() -> None:
    """Turn the garbage collector back on after a start-up without it (the portal's, up to
    its sign-in screen being drawn). Start-up makes some 45,000 objects and few cycles; the
    collections they set off cost about 11 ms of the time to the first screen (measured).
    What start-up made is frozen first (``gc.freeze``): it lives as long as the process, so
    the collections that follow need not walk it (its few cycles of garbage, some 1,500
    objects, are kept)."""
    gc.freeze()
    gc.enable()


class DatabaseSource:
    """The app's database: given ready, or opened (once) by the first caller of :meth:`get`.

    Callers on other threads wait while one opens it. A failure is raised to the caller
    and not remembered: the next :meth:`get` tries again (a server may come back)."""

    def __init__(self, database: Database | DatabaseOpener) -> None:
        self._lock = threading.Lock()
        self._opener: DatabaseOpener | None = None
        self._database: Database | None = None
        if callable(database):
            self._opener = database
        else:
            self._database = database

    @property
    def ready(self) -> bool:
        return self._database is not None

    def get(self) -> Database:
        """The database, opening it (and importing the sign-in services) if need be."""
        database = self._database
        if database is not None:
            return database
        with self._lock:
            if self._database is None:
                assert self._opener is not None
                try:
                    opened = self._opener()
                    for module in WARM_MODULES:
                        import_module(module)
                    with opened.engine.connect():
                        pass  # the first connection (SQLite pragmas, or the server's handshake)
                except DatabaseError:
                    raise
                except Exception as exc:
                    raise _unreachable(exc) from exc
                self._database = opened
            return self._database


def _unreachable(exc: Exception) -> Exception:
    """Opening failed: a driver's error (the server, the file, the password, the database
    name) becomes :class:`DatabaseUnavailable` saying what failed; anything else is itself."""
    from sqlalchemy.exc import DBAPIError

    from etrakit_tui.domain.store.db import is_connection_failure, unavailable

    if isinstance(exc, DBAPIError) or is_connection_failure(exc):
        return unavailable(None, exc)
    return exc


class EtrakitApp(App[None]):
    """The portal. Starts on the sign-in screen; after sign-in the kind's home (dashboard,
    route, desk) is the base of the signed-in screens; navigation (:meth:`action_go`, the
    registry in :mod:`etrakit_tui.tui.navigation`) never counts stack depths."""

    TITLE = "eTRAKiT"
    CSS_PATH = STYLESHEETS
    COMMANDS = App.COMMANDS | {PortalCommands, ThemeCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Leave the portal", priority=True),
    ]

    def __init__(
        self,
        database: Database | DatabaseOpener,
        *,
        demo: bool = False,
        jurisdiction_name: str | None = None,
        remote: bool = False,
    ) -> None:
        """``database`` is ready, or a function that opens it (called in a thread worker
        once a key is pressed). ``jurisdiction_name`` is what the header shows before the
        database (and the jurisdiction's rules) are loaded; default: the ready database's
        jurisdiction, else the default jurisdiction's name."""
        super().__init__()
        self._source = DatabaseSource(database)
        self.demo = demo
        self.remote = remote
        """Served to a visitor over SSH (``serve-ssh``, ``ssh-shell``): the session must never
        write a file on the server (attachments are emailed instead of saved)."""
        self.actor: Actor | None = None
        self.signed_in_as: str | None = None
        self.field: FieldLink | None = None
        """Field mode (``etrakit-tui field``, :mod:`etrakit_tui.tui.field_app`): the field
        file and its city; ``None`` in the portal."""
        ready = self._source.get() if self._source.ready else None
        self.last_activity: datetime = ready.now() if ready else datetime.now(UTC)
        if jurisdiction_name is None:
            jurisdiction_name = ready.jurisdiction.name if ready else DEFAULT_JURISDICTION_NAME
        self.jurisdiction_name = jurisdiction_name
        self.sub_title = jurisdiction_name
        self.sign_in_screen: Screen[object] | None = None
        """The sign-in screen: what a sign-out comes back to (every screen above it goes)."""
        self.home_screen: Screen[object] | None = None
        """The signed-in home (dashboard, route, desk): the base of the menu's screens."""
        self._warming = False
        self._session_timer_started = False
        self.fatal_error: EtrakitError | None = None
        self.settle_after_warm = False
        """Call :func:`settle_memory` once the database layer is loaded (the real portal)."""

    def get_driver_class(self) -> type[Driver]:
        """Textual's terminal driver for this platform, except that on Linux and macOS its
        input thread is woken rather than polling (:mod:`etrakit_tui.tui.driver`)."""
        driver_class = super().get_driver_class()
        linux = sys.modules.get("textual.drivers.linux_driver")  # imported if it was chosen
        if linux is not None and driver_class is linux.LinuxDriver:
            from etrakit_tui.tui.driver import PortalDriver

            return PortalDriver
        return driver_class

    @property
    def database(self) -> Database:
        """The database; if it is still being opened, waits for it (call from a worker)."""
        return self._source.get()

    @property
    def database_ready(self) -> bool:
        return self._source.ready

    def warm_database(self) -> None:
        """Start opening the database and importing the services in a thread worker
        (once; nothing to do when it is ready). Whoever needs it meanwhile waits."""
        if self._warming or self._source.ready:
            return
        self._warming = True
        self.run_worker(
            self._warm, thread=True, group="warm-database", exclusive=True, exit_on_error=False
        )

    def _warm(self) -> None:
        try:
            self._source.get()
            if self.settle_after_warm:
                settle_memory()
        except SchemaBehindError as exc:  # the portal may not run on it: end with the fix
            self.call_from_thread(self.stop_for, exc)
        except Exception as exc:  # shown once; whatever needs the database next tries again
            self.call_from_thread(self.report, exc)

    def stop_for(self, exc: EtrakitError) -> None:
        """End the portal because of ``exc``; the command line reports it (one line)."""
        self.fatal_error = exc
        self.exit(return_code=1)

    # ------------------------------------------------------------------ lifecycle

    def on_mount(self) -> None:
        from etrakit_tui.tui import theme
        from etrakit_tui.tui.screens.login import LoginScreen

        theme.install(self)

        self.sign_in_screen = LoginScreen()
        self.push_screen(self.sign_in_screen)
        if not gc.isenabled():  # a start-up without the collector (cli.portal.run_portal)
            self.sign_in_screen.call_after_refresh(collect_from_now_on)

    async def on_event(self, event: events.Event) -> None:
        """The first key (other than quitting) starts opening the database."""
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and event.key != "ctrl+q"
            and not self._warming
        ):
            self.warm_database()
        await super().on_event(event)

    def check_session(self) -> None:
        """Idle sign-out and disabled-account sign-out (the domain decides; we act)."""
        if self.actor is not None:
            self._check_session(self.actor, self.last_activity)

    def _check_session(self, actor: Actor, last_activity: datetime) -> None:
        from etrakit_tui.domain.accounts.auth import SessionState, check_session

        def check() -> str | None:
            state = check_session(self.database, actor, last_activity)
            if state is SessionState.IDLE:
                minutes = self.database.jurisdiction.idle_minutes
                return f"Signed out after {minutes} minutes without a key."
            if state is SessionState.DISABLED:
                return "This account has been disabled. Contact the Building Division."
            return None

        def done(reason: str | None) -> None:
            if reason is not None and self.actor == actor:
                self.action_sign_out(reason)

        # A database that cannot be reached now is not a reason to sign anyone out: logged,
        # not shown (the next check, or the user's next action, tries again).
        run_service(self, check, on_done=done, on_error=lambda _exc: None, group="session-check")

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """No blinking cursor anywhere: it costs bandwidth over SSH."""
        widget = event.widget
        if getattr(widget, "cursor_blink", False):  # Input, TextArea (not imported: start-up)
            widget.cursor_blink = False  # type: ignore[attr-defined]

    def on_key(self, _event: events.Key) -> None:
        if self._source.ready:
            self.last_activity = self.database.now()

    # ------------------------------------------------------------------ session

    def signed_in(
        self,
        actor: Actor,
        display_name: str,
        home: Screen[object] | None = None,
        account_theme: str | None = None,
    ) -> None:
        """Called by the sign-in screen: ``home`` (default: the kind's home from the
        navigation registry) becomes the base of the signed-in screens.
        ``account_theme``: the sign-in's ``theme`` (``None``: the account kept none)."""
        from etrakit_tui.tui import navigation, theme

        self.actor = actor
        self.signed_in_as = display_name
        self.last_activity = self.database.now()
        if not self._session_timer_started:
            self._session_timer_started = True
            interval = self.database.jurisdiction.disabled_check_seconds
            self.set_interval(interval, self.check_session, name="session-check")
        theme.signed_in(self, actor, account_theme)
        self.home_screen = home if home is not None else navigation.home_for(actor.kind)
        self.push_screen(self.home_screen)

    def action_sign_out(self, reason: str | None = None) -> None:
        """Back to the sign-in screen: every screen of the session (popups included) and
        every notification goes; ``reason`` (e.g. idle) is shown on the sign-in screen."""
        from etrakit_tui.tui import theme

        self.actor = None
        self.signed_in_as = None
        self.home_screen = None
        theme.signed_out(self)  # the next visitor starts from the default theme
        self.clear_notifications()
        sign_in = self.sign_in_screen
        while self.screen is not sign_in and len(self.screen_stack) > 1:
            self.pop_screen()
        if reason:
            show = getattr(sign_in, "show_reason", None)
            if callable(show):
                show(reason)
            else:
                self.notify(reason, title="Signed out", timeout=10)

    # ------------------------------------------------------------------ navigation

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Menu keys the signed-in kind of account has not are hidden, and do nothing."""
        from etrakit_tui.tui import navigation

        if action == "go":
            kind = self.actor.kind if self.actor is not None else None
            return navigation.destination(kind, str(parameters[0])) is not None
        if action == "sign_out":
            return self.actor is not None
        return True

    def action_menu(self) -> None:
        """F1: the Menu screen (every destination and key; on sign-in, its keys)."""
        from etrakit_tui.tui.screens.menu import MenuScreen

        if not isinstance(self.screen, MenuScreen):
            self.push_screen(MenuScreen(self.screen))

    def action_go(self, name: str) -> None:
        """Open a menu destination. Home: every screen above it closes. Another: if it is
        open (above home), the screens above it close; else it opens on top, so Esc comes
        back here. Screens that would close with unsaved input ask first."""
        from etrakit_tui.tui import navigation
        from etrakit_tui.tui.screens.base import PortalScreen
        from etrakit_tui.tui.screens.menu import MenuScreen

        home = self.home_screen
        target = navigation.destination(self.actor.kind if self.actor else None, name)
        if home is None or target is None or home not in self.screen_stack:
            return
        if isinstance(self.screen, MenuScreen):
            self.pop_screen()
        stack = self.screen_stack[self.screen_stack.index(home) :]
        if name == navigation.HOME:
            found: Screen[object] | None = home
        else:
            cls = target.screen_class()
            found = next((s for s in reversed(stack) if type(s) is cls), None)
        closing = stack[stack.index(found) + 1 :] if found is not None else []
        questions = [
            q for s in closing if isinstance(s, PortalScreen) and (q := s.discard_question())
        ]

        def go() -> None:
            if found is None:
                self.push_screen(target.open())
                return
            while self.screen is not found and len(self.screen_stack) > 1:
                self.pop_screen()

        if questions:
            from etrakit_tui.tui.screens.discard import ask_discard

            ask_discard(self.screen, questions[-1], then=go)
        else:
            go()

    # ------------------------------------------------------------------ the one error path

    def message_for(self, exc: BaseException) -> str:
        """What the user is told about a domain error (see :func:`user_message`)."""
        return user_message(exc, remote=self.remote) or CRASH_MESSAGE

    def report(self, exc: BaseException) -> None:
        """Every error a worker or handler did not handle itself ends here (UI thread). A
        domain error is shown in one plain line (on the screen's message line if it has a
        ``show_failure(message)``, else as a notification) and the app goes on: the user
        may retry or quit; a database error is logged. Anything else ends the portal."""
        message = user_message(exc, remote=self.remote)
        if message is None:
            self.crash(exc)
            return
        if isinstance(exc, DatabaseError):
            log_failure(exc, fatal=False)
        show = getattr(self.screen, "show_failure", None)
        if callable(show):
            show(message)
        else:
            self.notify(message, severity="error", timeout=8, markup=False)

    def show_error(self, exc: BaseException) -> None:
        """Show a domain error (screens' name for :meth:`report`)."""
        self.report(exc)

    def crash(self, exc: BaseException) -> None:
        """An unexpected error: log it (traceback, passwords masked), end with status 1; the
        command line prints :data:`CRASH_MESSAGE` once the terminal is given back."""
        if not isinstance(self.fatal_error, PortalFailed):
            log_failure(exc, fatal=True)
        self.fatal_error = PortalFailed()
        self.exit(return_code=1)

    def _handle_exception(self, error: Exception) -> None:
        """THE override of Textual's crash path (textual 8.2 ``App._handle_exception``): every
        exception nothing caught — a worker run with ``exit_on_error``, a message handler,
        compose, a timer — arrives here. Textual's own renders a traceback WITH LOCAL
        VARIABLES (a database URL, a password) to the terminal once the app has exited: over
        SSH, to an anonymous visitor. Here nothing is rendered; a domain error raised in a
        worker is reported like any other (the app goes on), anything else is logged and ends
        the app with status 1. tests/tui/test_errors.py fails if Textual stops calling it."""
        cause = error.error if isinstance(error, WorkerFailed) else error
        if isinstance(error, WorkerFailed) and user_message(cause) is not None:
            self.report(cause)
            return
        self._return_code = 1
        if self._exception is None:  # what Textual keeps for ``run_test`` to re-raise
            self._exception = error
            self._exception_event.set()
        if not isinstance(self.fatal_error, PortalFailed):
            log_failure(cause, fatal=True)
        self.fatal_error = PortalFailed()
        self._close_messages_no_wait()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette's own commands, less the screenshot (it writes files on the server)."""
        for command in super().get_system_commands(screen):
            if "screenshot" not in command.title.lower():
                yield command


def make_app(
    database: Database | DatabaseOpener,
    *,
    demo: bool = False,
    jurisdiction_name: str | None = None,
    remote: bool = False,
) -> EtrakitApp:
    """The one app factory (CLI, SSH service and tests all use it): on a ready database, or
    on a function that opens it when the first key is pressed (see :class:`EtrakitApp`).
    ``remote``: the portal is served over SSH (see :attr:`EtrakitApp.remote`)."""
    return EtrakitApp(database, demo=demo, jurisdiction_name=jurisdiction_name, remote=remote)

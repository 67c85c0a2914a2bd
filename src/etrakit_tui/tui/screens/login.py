"""Sign-in (SPEC §2.1): pick the company by typing, then the password — or the PIN the first
time, which leads straight to setting a password. Staff and inspectors switch to a
user-name sign-in with one key. Every failure shows the same message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from etrakit_tui.tui.compositor import use_portal_compositor
from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.screens.base import PortalHeader
from etrakit_tui.tui.styles import load_screen_styles
from etrakit_tui.tui.widgets.form_field import FormFooter, SafeInput
from etrakit_tui.tui.widgets.plain_button import PlainButton
from etrakit_tui.tui.workers import run_service

if TYPE_CHECKING:
    from etrakit_tui.domain.accounts.views import SignInResult

# The data layer (etrakit_tui.domain.accounts.auth: SQLAlchemy, argon2...) is imported inside the
# workers that call it, never at module level: the sign-in screen is drawn without it, and
# the app opens the database while the user types (EtrakitApp.warm_database).

PICKER_ROWS = 6
DEMO_SIGN_INS = Path(__file__).resolve().parents[2] / "democity" / "data" / "demo-sign-ins.tsv"
"""The demo city's fixed sign-ins, as data: shown without importing the demo city (its
module loads the whole data layer, twice the memory of the sign-in screen)."""


def __getattr__(name: str) -> Any:
    """The sign-in screen's popups, by their old address (they live in
    :mod:`~etrakit_tui.tui.screens.login_help`, imported when first shown)."""
    if name in ("ForgotPasswordScreen", "PrivacyNoteScreen", "SetPasswordScreen"):
        from etrakit_tui.tui.screens import login_help

        return getattr(login_help, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def demo_sign_ins() -> list[tuple[str, str, str]]:
    """``(who, name, secret)`` of each demo sign-in, from :data:`DEMO_SIGN_INS`."""
    found: list[tuple[str, str, str]] = []
    for line in DEMO_SIGN_INS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            who, name, secret = line.split("\t")
            found.append((who, name, secret))
    return found


class CompanyPicker(OptionList):
    """The companies matching the Company field; Up on the first one goes back to the field."""

    def action_cursor_up(self) -> None:
        if not self.highlighted:  # the first option (or none): back to typing
            self.screen.query_one("#name", Input).focus()
            return
        super().action_cursor_up()


CONTRACTOR_WORDS = {
    "title": "Contractor Login",
    "intro": "LOG IN BELOW TO ENTER THE CONTRACTOR PORTAL. Contractor Login is restricted to "
    "contractors with a valid license through the California State License Board.",
    "name": "Company:",
    "placeholder": "type any part of your company's name",
    "secret": "Password (first time: your PIN):",
}
STAFF_WORDS = {
    "title": "Staff / Inspector Login",
    "intro": "LOG IN BELOW TO ENTER THE STAFF PORTAL. For the Building Division's staff and "
    "inspectors: sign in with your user name and password.",
    "name": "User name:",
    "placeholder": "your user name",
    "secret": "Password:",
}


class LoginScreen(Screen[Any]):
    """Contractor Login, with a switch to staff/inspector sign-in."""

    AUTO_FOCUS = "#name"  # straight to the company field (restyling a focus change costs)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "app.menu", "Menu", id="nav.menu", tooltip="Every key of this screen"),
        Binding(
            "f9",
            "forgot",
            "Forgot password?",
            id="login.forgot",
            tooltip="How to get a new password",
        ),
        Binding(
            "f2",
            "privacy",
            "Privacy",
            id="login.privacy",
            tooltip="The privacy note and disclaimer",
        ),
        Binding(
            "f8",
            "toggle_staff",
            "Staff sign-in",
            id="login.staff",
            tooltip="Switch to the staff/inspector sign-in",
        ),
        Binding(
            "f8",
            "toggle_contractor",
            "Contractor sign-in",
            id="login.contractor",
            tooltip="Switch back to the contractor sign-in",
        ),
        # Priority: the scrolling form would take Down for itself once the list is shown.
        Binding("down", "open_picker", "Companies", show=False, id="login.picker", priority=True),
        Binding("ctrl+q", "app.quit", "Quit", id="login.quit", tooltip="Leave the portal"),
    ]

    def __init__(self) -> None:
        super().__init__()
        use_portal_compositor(self)
        self.staff_mode = False
        self._failure_shown = False
        self._reason: str | None = None
        self._matches: list[str] = []
        self._styles_loaded = False

    def compose(self) -> ComposeResult:
        app: Any = self.app
        words = CONTRACTOR_WORDS
        yield PortalHeader(app.jurisdiction_name, None)
        # Not focusable itself: Tab and Shift+Tab only ever land on a field or a button.
        login = VerticalScroll(id="login", can_focus=False)
        with login:
            yield Static(words["title"], id="login-title", classes="title")
            yield Static(words["intro"], id="login-intro")
            yield Label(words["name"], id="name-label")
            yield SafeInput(placeholder=words["placeholder"], id="name", max_length=120)
            yield Label(words["secret"], id="secret-label")
            yield SafeInput(password=True, id="secret", max_length=128)
            yield Static("", id="login-error", classes="error")
            with Horizontal(id="login-buttons"):
                yield PlainButton("LOGIN", id="login-button", variant="primary")
                yield PlainButton("Forgot your password?", id="forgot-button")
            yield Static(
                inert(
                    f"Your privacy is important to the {app.jurisdiction_name}. "
                    "F2: privacy note and disclaimer."
                ),
                id="privacy",
            )
            if app.demo:
                yield Static(self._demo_credentials(), id="demo-credentials")
        yield FormFooter()

    def _demo_credentials(self) -> Any:
        lines = ["Demo sign-ins:"]
        lines += [f"  {who:<24} {name:<20} {secret}" for who, name, secret in demo_sign_ins()]
        return inert("\n".join(lines), multiline=True)

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()
        if self._reason is not None:
            self.show_reason(self._reason)

    # ------------------------------------------------------------------ the message line

    def show_reason(self, reason: str) -> None:
        """Why the last session ended (idle, disabled), on the message line until the next
        key; the form is emptied first (see :meth:`reset`)."""
        self._reason = reason
        if self.is_mounted:
            self.reset()
            self._reason = reason
            self.query_one("#login-error", Static).update(inert(reason))

    def reset(self) -> None:
        """The form as the next visitor should find it: contractor sign-in, both fields
        empty, no company list, no message, the company field focused."""
        if self.staff_mode:
            self._switch(staff=False)
        for field in self.query(Input).results(Input):
            with field.prevent(Input.Changed):
                field.value = ""
        picker = self._picker()
        if picker is not None:
            picker.display = False
        self._failure_shown = False
        self._reason = None
        self.query_one("#login-error", Static).update("")
        self.query_one("#name", Input).focus()

    def on_key(self, _event: events.Key) -> None:
        self._first_key()
        self._clear_reason()

    @on(Input.Changed)
    def _typed(self) -> None:  # typed keys stop at the field: they never reach on_key
        self._first_key()
        self._clear_reason()

    def _first_key(self) -> None:
        """The other screens' styles are parsed at the first key, as the database is opened
        (before the first paint they cost start-up time; just after it, they would hold up
        its output); a screen shown before that loads them itself."""
        if not self._styles_loaded:
            self._styles_loaded = True
            load_screen_styles(self.app)

    def _clear_reason(self) -> None:
        if self._reason is not None:
            self._reason = None
            self.query_one("#login-error", Static).update("")

    # ------------------------------------------------------------------ company picker

    @on(Input.Changed, "#name")
    def _filter(self, event: Input.Changed) -> None:
        if self.staff_mode:
            return
        self._lookup(event.value)

    def _lookup(self, prefix: str, *, open_list: bool = False) -> None:
        """Look up the companies matching ``prefix``; ``open_list``: also when it is empty
        (Down opens the list), and move into the list once it is shown."""
        app: Any = self.app
        wanted = prefix.strip()

        def find() -> list[str]:
            if not wanted and not open_list:
                return []
            db = app.database  # waits while it opens
            from etrakit_tui.domain.accounts import auth

            return auth.list_company_names(db, wanted, limit=PICKER_ROWS * 4)

        # A database that cannot be reached is said on the message line; the next keystroke
        # tries again.
        run_service(
            self,
            find,
            on_done=lambda names: self._show_matches(prefix, names, open_list=open_list),
            on_error=lambda exc: self.show_failure(app.message_for(exc)),
            group="picker",
        )

    def show_failure(self, message: str) -> None:
        """A plain line on the sign-in screen's message line (the app's error path uses it)."""
        self.query_one("#login-error", Static).update(inert(message))
        self._failure_shown = True

    def _show_matches(self, prefix: str, names: list[str], *, open_list: bool = False) -> None:
        if self._failure_shown:  # the database answered again
            self._failure_shown = False
            self.query_one("#login-error", Static).update("")
        if self.query_one("#name", Input).value != prefix:
            return  # a newer keystroke is on its way
        options = [Option(inert(name), id=str(i)) for i, name in enumerate(names)]
        picker = self._picker()
        if picker is None:
            if not names:
                return
            # Mounted on first use: the sign-in screen draws faster without it.
            picker = CompanyPicker(*options, id="picker")
            self.query_one("#login", VerticalScroll).mount(picker, after="#name")
        else:
            picker.clear_options()
            picker.add_options(options)
        self._matches = names
        exact = len(names) == 1 and names[0].casefold() == prefix.strip().casefold()
        picker.display = bool(names) and (open_list or not exact)
        picker.styles.height = min(len(names), PICKER_ROWS) + 2  # rows + its border
        if open_list and picker.display:
            self._into_picker(picker)

    def _into_picker(self, picker: OptionList) -> None:
        picker.highlighted = 0
        picker.focus()

    def action_open_picker(self) -> None:
        """Down in the company field: into the list (opened with what is typed, or with the
        first companies by name when nothing is)."""
        picker = self._picker()
        if picker is not None and picker.display and picker.option_count:
            self._into_picker(picker)
        else:
            self._lookup(self.query_one("#name", Input).value, open_list=True)

    def _picker(self) -> OptionList | None:
        """The company list under the name field, once it has been needed."""
        found = self.query("#picker").results(OptionList)
        return next(iter(found), None)

    @on(OptionList.OptionSelected, "#picker")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        name = self._matches[int(event.option.id or 0)]
        field = self.query_one("#name", Input)
        with field.prevent(Input.Changed):
            field.value = name
        event.option_list.display = False
        self.query_one("#secret", Input).focus()

    @on(Input.Submitted, "#name")
    def _name_done(self) -> None:
        picker = self._picker()
        if picker is not None and picker.display and picker.option_count:
            self._into_picker(picker)
        else:
            self.query_one("#secret", Input).focus()

    # ------------------------------------------------------------------ sign-in

    @on(Input.Submitted, "#secret")
    @on(Button.Pressed, "#login-button")
    def _submit(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        secret = self.query_one("#secret", Input).value
        self.query_one("#login-error", Static).update("Signing in...")
        self._sign_in(name, secret, self.staff_mode)

    def _sign_in(self, name: str, secret: str, staff: bool) -> None:
        app: Any = self.app

        def sign_in() -> SignInResult:
            db = app.database  # waits while it opens
            from etrakit_tui.domain.accounts import auth

            if staff:
                return auth.sign_in_staff(db, name, secret)
            return auth.sign_in_company(db, name, secret)

        run_service(
            self,
            sign_in,
            on_done=lambda result: self._succeeded(result, name, secret),
            on_error=lambda exc: self._failed(app.message_for(exc)),
            group="sign-in",
        )

    def _failed(self, message: str) -> None:
        self._failure_shown = False  # a sign-in message stays until the next sign-in
        self.query_one("#login-error", Static).update(inert(message))
        secret = self.query_one("#secret", Input)
        secret.value = ""
        secret.focus()

    def _succeeded(self, result: SignInResult, name: str, secret: str) -> None:
        self.query_one("#login-error", Static).update("")
        self.query_one("#secret", Input).value = ""
        if result.must_set_password:

            def after_pin(saved: bool | None) -> None:
                if saved:
                    self._enter(result)
                else:
                    self.query_one("#secret", Input).focus()

            from etrakit_tui.tui.screens.login_help import SetPasswordScreen

            self.app.push_screen(SetPasswordScreen(result.display_name, secret), after_pin)
            return
        self._enter(result)

    def _enter(self, result: SignInResult) -> None:
        from etrakit_tui.tui.navigation import home_for

        app: Any = self.app
        self.reset()  # under the session's screens, nothing of this sign-in is left for the next
        app.signed_in(result.actor, result.display_name, home_for(result.actor.kind), result.theme)

    # ------------------------------------------------------------------ other actions

    def action_forgot(self) -> None:
        staff = self.staff_mode
        from etrakit_tui.tui.screens.login_help import ForgotPasswordScreen

        self._when_ready(lambda: self.app.push_screen(ForgotPasswordScreen(staff)))

    def action_privacy(self) -> None:
        from etrakit_tui.tui.screens.login_help import PrivacyNoteScreen

        self._when_ready(lambda: self.app.push_screen(PrivacyNoteScreen()))

    def _when_ready(self, then: Callable[[], object]) -> None:
        """Run ``then`` on the UI thread once the app's database (and the jurisdiction's
        rules with it) is open: at once if it is, else after a worker has waited for it."""
        app: Any = self.app
        if app.database_ready:
            then()
            return

        app.warm_database()
        run_service(
            self,
            lambda: app.database,  # waits while it opens
            on_done=lambda _db: then(),
            on_error=lambda exc: self._failed(app.message_for(exc)),
            group="when-ready",
            exclusive=False,
        )

    @on(Button.Pressed, "#forgot-button")
    def _forgot_button(self) -> None:
        self.action_forgot()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_staff":
            return not self.staff_mode
        if action == "toggle_contractor":
            return self.staff_mode
        if action == "open_picker":
            return not self.staff_mode and getattr(self.focused, "id", None) == "name"
        return True

    def action_toggle_staff(self) -> None:
        self._switch(staff=True)

    def action_toggle_contractor(self) -> None:
        self._switch(staff=False)

    def _switch(self, *, staff: bool) -> None:
        """Contractor or staff/inspector sign-in: the words, the keys, an empty name."""
        self.staff_mode = staff
        words = STAFF_WORDS if staff else CONTRACTOR_WORDS
        self.query_one("#login-title", Static).update(words["title"])
        self.query_one("#login-intro", Static).update(words["intro"])
        self.query_one("#name-label", Label).update(words["name"])
        self.query_one("#secret-label", Label).update(words["secret"])
        picker = self._picker()
        if picker is not None:
            picker.display = False
        field = self.query_one("#name", Input)
        field.placeholder = words["placeholder"]
        with field.prevent(Input.Changed):
            field.value = ""
        field.focus()
        self.refresh_bindings()

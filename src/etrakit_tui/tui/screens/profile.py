"""View/Edit Profile (menu F6; SPEC §2.2, the guide's "View/Edit Profile" and "Change
Password"): company name and state license number read-only; the contact fields, the
"Failed Inspection Notification" switch, and an optional password change with the active
password rule in words. Ctrl+S saves through :func:`profile.update_profile`: every bad field
gets its message at the field and nothing is saved until all are valid; a good save says
what was saved."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Input, Static, Switch

from etrakit_tui.domain.accounts import profile
from etrakit_tui.domain.accounts.passwords import policy_for
from etrakit_tui.domain.accounts.profile import ProfileUpdate
from etrakit_tui.domain.accounts.views import ProfileView
from etrakit_tui.domain.errors import EtrakitError, ValidationFailed
from etrakit_tui.text import defuse
from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.screens.base import PortalScreen
from etrakit_tui.tui.widgets.form_field import (
    FormField,
    FormFooter,
    clear_errors,
    fields_of,
    show_errors,
    text_input,
)

# Field name -> (label, required, max length): the form's text fields, in order.
CONTACT_FIELDS: tuple[tuple[str, str, bool, int], ...] = (
    ("address", "Address", True, 200),
    ("city", "City", True, 80),
    ("state", "State", True, 2),
    ("zip", "Zip", True, 10),
    ("email", "Email", True, 254),
    ("phone", "Phone", True, 30),
    ("cell", "Cell Phone", False, 30),
    ("fax", "Fax", False, 30),
)
PASSWORD_FIELDS: tuple[tuple[str, str], ...] = (
    ("current_password", "Current Password"),
    ("password", "Password"),
    ("confirm", "Confirm Password"),
)
SAVED_WORDS = {
    "cell": "cell phone",
    "notify_failed_inspection": "failed inspection notification",
}


def saved_words(changed: tuple[str, ...]) -> str:
    """``Saved: address, phone, password`` — or that nothing changed."""
    if not changed:
        return "Nothing changed, so nothing was saved."
    return "Saved: " + ", ".join(SAVED_WORDS.get(name, name) for name in changed) + "."


def switch_words(on_: bool) -> str:
    return "On: email me when an inspection fails" if on_ else "Off"


class ProfileForm(VerticalScroll, can_focus=False):
    """The form's body; Ctrl+S shows first in the footer while a field has focus."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "screen.save",
            "Save",
            id="profile.save",
            tooltip="Save the profile (and the new password, if given)",
        ),
        Binding(
            "f9",
            "screen.revert",
            "Undo changes",
            id="profile.revert",
            tooltip="Put back what is saved",
        ),
    ]


class ProfileScreen(PortalScreen):
    """View/Edit Profile."""

    def compose_footer(self) -> ComposeResult:
        yield FormFooter()  # same keys, rebuilt only when they change

    def __init__(self) -> None:
        super().__init__()
        self.saved: ProfileView | None = None
        self.saving = False

    def compose(self) -> ComposeResult:
        policy = policy_for(self.database.jurisdiction).describe()
        yield from self.compose_header()
        with ProfileForm(id="profile"):
            yield Static("View/Edit Profile", classes="title")
            yield Static(
                "* Required fields. Verify this information is correct; Ctrl+S saves.",
                classes="note",
            )
            yield Static("", id="profile-message")
            yield Static("Company Name:", id="company-name")
            yield Static("State License #:", id="license-no")
            for name, label, required, length in CONTACT_FIELDS:
                yield FormField(label, text_input(max_length=length), field=name, required=required)
            yield FormField(
                "Failed Inspection Notification",
                Switch(id="notify"),
                field="notify_failed_inspection",
                after=Static(switch_words(False), id="notify-words"),
                label_width=34,
            )
            yield Static("Change Password", classes="section")
            yield Static(
                inert(f"Leave these empty to keep your password. Password rule: {policy}."),
                id="policy",
                classes="note",
            )
            for name, label in PASSWORD_FIELDS:
                yield FormField(label, text_input(max_length=128, password=True), field=name)
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.call_service(
            profile.get_profile, self.database, self.actor, on_done=self._show, group="profile"
        )

    def _show(self, view: ProfileView) -> None:
        self.saved = view
        self.query_one("#company-name", Static).update(inert(f"Company Name: {view.name}"))
        self.query_one("#license-no", Static).update(inert(f"State License #: {view.license_no}"))
        fields = fields_of(self)
        for name, *_ in CONTACT_FIELDS:
            control = fields[name].control
            assert isinstance(control, Input)
            control.value = defuse(getattr(view, name))
        self.query_one("#notify", Switch).value = view.notify_failed_inspection
        for name, _ in PASSWORD_FIELDS:
            control = fields[name].control
            assert isinstance(control, Input)
            control.value = ""
        if self.focused is None or not isinstance(self.focused, Input | Switch):
            fields["address"].focus_control()

    @on(Switch.Changed, "#notify")
    def _switched(self, event: Switch.Changed) -> None:
        self.query_one("#notify-words", Static).update(switch_words(event.value))

    # ------------------------------------------------------------------ save

    def action_save(self) -> None:
        """Validate and save everything (or nothing)."""
        if self.saving:
            return
        clear_errors(self)
        fields = fields_of(self)
        update = ProfileUpdate(
            **{name: fields[name].text for name, *_ in CONTACT_FIELDS},
            notify_failed_inspection=bool(fields["notify_failed_inspection"].value),
            **{name: fields[name].text for name, _ in PASSWORD_FIELDS},
        )
        self.saving = True
        self._message("Saving...")
        self.call_service(
            profile.update_profile,
            self.database,
            self.actor,
            update,
            on_done=self._saved,
            on_error=self._refused,
            group="profile-save",
        )

    def _saved(self, view: ProfileView) -> None:
        self.saving = False
        self._show(view)
        words = saved_words(view.changed_fields)
        self._message(words)
        self.app.notify(words, title="Profile", markup=False)

    def _refused(self, exc: Exception) -> None:
        self.saving = False
        if isinstance(exc, ValidationFailed):
            left = show_errors(self, dict(exc.errors))
            extra = " ".join(left.values())
            self._message(f"Not saved: correct the fields marked Error. {extra}".strip())
        elif isinstance(exc, EtrakitError):
            self._message(f"Not saved: {exc}")
        else:
            self._message("Not saved.")
            self.portal.show_error(exc)

    def _message(self, words: str) -> None:
        self.query_one("#profile-message", Static).update(inert(words))

    def discard_question(self) -> str | None:
        """Esc asks first when a field differs from what is saved (or a password is typed)."""
        if self.saved is None:
            return None
        fields = fields_of(self)
        changed = any(
            fields[name].text != defuse(getattr(self.saved, name)) for name, *_ in CONTACT_FIELDS
        )
        changed |= bool(fields["notify_failed_inspection"].value) != (
            self.saved.notify_failed_inspection
        )
        changed |= any(fields[name].text for name, _ in PASSWORD_FIELDS)
        return "Discard your changes to the profile?" if changed else None

    def action_revert(self) -> None:
        """Put back the saved values (nothing is saved)."""
        if self.saved is not None:
            clear_errors(self)
            self._show(self.saved)
            self._message("Changes undone; nothing was saved.")

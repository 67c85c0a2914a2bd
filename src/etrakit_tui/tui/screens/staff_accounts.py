"""Staff desk — add a staff or inspector account (user name, full name, role, district,
contact data, first password typed twice)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from etrakit_tui.domain.accounts import admin
from etrakit_tui.domain.accounts.passwords import policy_for
from etrakit_tui.domain.accounts.views import StaffSummary
from etrakit_tui.domain.errors import ValidationFailed
from etrakit_tui.domain.store.models import StaffRole
from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.screens.staff_common import DESK_BINDINGS, DeskScreen
from etrakit_tui.tui.widgets.form_field import FormField, choice, text_input


class AddAccountScreen(DeskScreen, inherit_bindings=False):
    """Create a staff or inspector account."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Create", id="account.save", tooltip="Create the account"),
        *DESK_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.saving = False

    def compose(self) -> ComposeResult:
        j = self.database.jurisdiction
        roles = [("Inspector", StaffRole.INSPECTOR.value), ("Staff", StaffRole.STAFF.value)]
        yield from self.compose_header()
        yield from self.compose_title("Add a staff or inspector account")
        with VerticalScroll(classes="desk-body"):
            yield Static(
                inert(f"Password rule: {policy_for(j).describe()} Ctrl+S creates; Esc leaves."),
                classes="desk-note",
            )
            yield FormField("User name", text_input(max_length=64), field="username", required=True)
            yield FormField(
                "Full name", text_input(max_length=120), field="full_name", required=True
            )
            yield FormField(
                "Role", choice(roles, prompt="Choose a role"), field="role", required=True
            )
            yield FormField(
                "District",
                choice([(d, d) for d in j.districts], prompt="(inspectors)"),
                field="district",
            )
            yield FormField("Email", text_input(max_length=254), field="email")
            yield FormField("Phone", text_input(max_length=30), field="phone")
            yield FormField(
                "Password",
                text_input(max_length=128, password=True),
                field="password",
                required=True,
            )
            yield FormField(
                "Confirm password",
                text_input(max_length=128, password=True),
                field="confirm",
                required=True,
            )
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.field("username").focus_control()

    def action_save(self) -> None:
        if self.saving:
            return
        self.clear_form()
        v = self.values()
        if v["password"] != v["confirm"]:
            self.refused_fields({"confirm": "The two passwords are not the same."})
            return
        self.saving = True
        self.call_service(
            admin.add_staff,
            self.database,
            self.actor,
            v["username"],
            v["full_name"],
            v["role"] or "",
            v["password"],
            v["district"],
            email=v["email"],
            phone=v["phone"],
            on_done=self._created,
            on_error=self._failed,
            group="add-account",
        )

    def refused_fields(self, errors: dict[str, str]) -> None:
        self.refused(ValidationFailed(errors))

    def _created(self, summary: StaffSummary) -> None:
        self.saving = False
        district = f", district {summary.district}" if summary.district else ""
        words = f"Account {summary.username} ({summary.role}{district}) created."
        self.app.notify(inert(words).plain, title="Account created", markup=False)
        self.app.pop_screen()

    def _failed(self, exc: Exception) -> None:
        self.saving = False
        self.refused(exc)

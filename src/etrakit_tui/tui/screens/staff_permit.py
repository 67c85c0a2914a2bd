"""Staff desk — create a permit: type and status, the parcel (an existing APN, or a new
parcel with its address and district), the contractor company and another contact, and
the fees (``CODE AMOUNT`` pairs; F5 fills in the fee schedule of the chosen type).

The number is given by the domain (letter, year, month, sequence). Each refusal is shown
at its field.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Input, Static, Switch

from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.permits import catalog, issue
from etrakit_tui.domain.permits import fees as permits_fees
from etrakit_tui.domain.permits.fees import format_cents
from etrakit_tui.domain.permits.views import CreatedPermit
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import ContactRole
from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.screens.staff_common import DESK_BINDINGS, DeskScreen
from etrakit_tui.tui.widgets.form_field import FormField, choice, text_input

OTHER_ROLES = (
    ContactRole.OWNER,
    ContactRole.APPLICANT,
    ContactRole.ARCHITECT,
    ContactRole.ENGINEER,
)


def create_from_form(db: Database, actor: Actor, v: dict[str, Any]) -> CreatedPermit:
    """The form's values, as typed, to :func:`issue.create_permit` (the fee lines are
    read by the domain's parser, so a bad line is refused at the fees field)."""
    companies = [issue.CompanyOnPermit(v["company"])] if v["company"].strip() else []
    contacts = []
    if v["contact_name"].strip():
        contacts.append(
            issue.ContactInput(
                v["contact_role"] or ContactRole.OWNER.value,
                v["contact_name"],
                v["contact_phone"],
                v["contact_email"],
            )
        )
    return issue.create_permit(
        db,
        actor,
        permit_type=v["permit_type"] or "",
        parcel=issue.ParcelInput(
            v["apn"], v["address"], v["district"] or "", v["zoning"], v["owner_name"]
        ),
        companies=companies,
        contacts=contacts,
        fees=permits_fees.parse_fee_lines(v["fees"]),
        status=v["status"] or "",
        plan_check=bool(v["plan_check"]),
        subtype=v["subtype"],
        description=v["description"],
    )


class CreatePermitScreen(DeskScreen, inherit_bindings=False):
    """Create a permit with its parcel, contacts and fees."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Create", id="permit-new.save", tooltip="Create the permit"),
        Binding(
            "f5",
            "standard_fees",
            "Standard fees",
            id="permit-new.fees",
            tooltip="Fill in the fee schedule of the chosen permit type",
        ),
        *DESK_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.saving = False

    def compose(self) -> ComposeResult:
        j = self.database.jurisdiction
        statuses = [(s.value, s.value) for s in issue.NEW_PERMIT_STATUSES]
        yield from self.compose_header()
        yield from self.compose_title("Create a permit")
        with VerticalScroll(classes="desk-body"):
            yield Static(
                "* required. A known APN uses its parcel; a new APN also needs the address "
                "and district below. Fees: CODE AMOUNT, ... (F5: the schedule). Ctrl+S "
                "creates.",
                classes="desk-note",
            )
            yield FormField(
                "Permit type",
                choice([(t, t) for t in catalog.PERMIT_TYPES], prompt="Choose a type"),
                field="permit_type",
                required=True,
            )
            yield FormField(
                "Status",
                choice(statuses, value="APPLIED", allow_blank=False),
                field="status",
                required=True,
            )
            yield FormField(
                "Parcel APN",
                text_input(max_length=20, placeholder="448-123-017"),
                field="apn",
                required=True,
            )
            yield FormField("Contractor company", text_input(max_length=120), field="company")
            yield FormField(
                "Other contact role",
                choice([(r.value, r.value) for r in OTHER_ROLES], prompt="OWNER"),
                field="contact_role",
            )
            yield FormField("Other contact name", text_input(max_length=120), field="contact_name")
            yield FormField("Other contact phone", text_input(max_length=30), field="contact_phone")
            yield FormField(
                "Other contact email", text_input(max_length=254), field="contact_email"
            )
            yield FormField(
                "Fees", text_input(max_length=600, placeholder="ELEC 95.00, ..."), field="fees"
            )
            yield FormField("Plan check (A...)", Switch(), field="plan_check")
            yield FormField("Subtype", text_input(max_length=60), field="subtype")
            yield FormField("Description", text_input(max_length=2000), field="description")
            yield Static("New parcel (an APN not on file yet):", classes="desk-note")
            yield FormField("Address", text_input(), field="address")
            yield FormField(
                "District",
                choice([(d, d) for d in j.districts], prompt="Choose"),
                field="district",
            )
            yield FormField("Zoning", text_input(max_length=20), field="zoning")
            yield FormField("Owner", text_input(max_length=120), field="owner_name")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.field("permit_type").focus_control()

    def action_standard_fees(self) -> None:
        v = self.values()
        if not v["permit_type"]:
            self.field("permit_type").set_error("Choose a type first.")
            self.field("permit_type").focus_control()
            return
        fees = permits_fees.standard_fees(v["permit_type"], plan_check=bool(v["plan_check"]))
        control = self.field("fees").control
        assert isinstance(control, Input)
        control.value = permits_fees.fee_lines_text(fees)
        self.field("fees").focus_control()

    def action_save(self) -> None:
        if self.saving:
            return
        self.clear_form()
        self.saving = True
        self.call_service(
            create_from_form,
            self.database,
            self.actor,
            self.values(),
            on_done=self._created,
            on_error=self._failed,
            group="permit-create",
        )

    def _created(self, made: CreatedPermit) -> None:
        self.saving = False
        words = (
            f"Created permit {made.number} ({made.permit_type}, {made.status}) at "
            f"{made.address} ({made.apn}); fees {format_cents(made.fees_total_cents)}."
        )
        self.app.notify(inert(words).plain, title="Permit created", markup=False, timeout=10)
        self.app.pop_screen()
        report = getattr(self.app.screen, "report", None)
        if callable(report):
            report(words)

    def _failed(self, exc: Exception) -> None:
        self.saving = False
        self.refused(exc)

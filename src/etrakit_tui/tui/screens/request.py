"""*PERMIT Inspection Request - <no>* (SPEC §2.6, the guide's "Scheduling an inspection").

The contact block (prefilled from the company profile and the permit's site), notes, and
the inspection type / requested date / AM-PM choosers. *Add Inspection* puts the choice on
the request list below (several may be added, a key removes one); *Confirm* sends the whole
list at once through :func:`inspections.request_inspections` — all saved, or none; *Cancel*
leaves with nothing saved. The scheduling rules are shown on the form in the portal's words
(:func:`calendar.describe_rules`), and each refusal is shown at the field it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Select, Static

from etrakit_tui.domain.accounts import profile
from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.errors import EtrakitError, NotFound, RuleViolation, ValidationFailed
from etrakit_tui.domain.inspections import calendar, requests
from etrakit_tui.domain.inspections.requests import ContactInfo, RequestedItem
from etrakit_tui.domain.inspections.views import InspectionTypeOption, InspectionView
from etrakit_tui.domain.permits import detail
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import Period
from etrakit_tui.text import defuse
from etrakit_tui.tui.safe import inert, inert_text
from etrakit_tui.tui.screens.base import PortalScreen
from etrakit_tui.tui.widgets.form_field import (
    FormField,
    FormFooter,
    choice,
    clear_errors,
    set_choices,
    show_errors,
    text_input,
)

REQUIRED_NOTE = (
    "Any items with an * are REQUIRED fields and must be populated to complete "
    "inspection scheduling."
)
HOW_TO_ADD = (
    "Add inspections by choosing Inspection Type, Requested Date and AM/PM (Enter opens "
    "a list; Left/Right step through it) and pressing F8 (Add Inspection); F9 removes the "
    "highlighted one; Ctrl+S confirms the request; Esc cancels."
)


@dataclass(frozen=True, slots=True)
class RequestFormData:
    """What the form is prefilled with: the permit's types, the dates, the contact block."""

    types: tuple[InspectionTypeOption, ...]
    dates: tuple[date, ...]
    contact: ContactInfo


def load_request_form(db: Database, actor: Actor, number: str) -> RequestFormData:
    """The types valid for the permit, the requestable dates, and the contact block
    prefilled from the company profile (if the actor is a company) and the permit's site."""
    types = tuple(requests.inspection_types_for(db, actor, number))
    site = detail.parcel_info(db, actor, number)
    try:
        company = profile.get_profile(db, actor)
    except NotFound:  # staff requesting for a contractor: no profile to copy
        name = phone = email = ""
    else:
        name, phone, email = company.name, company.phone, company.email
    return RequestFormData(
        types=types,
        dates=tuple(calendar.requestable_dates(db.jurisdiction, db.now())),
        contact=ContactInfo(name, phone, email, site.address if site else ""),
    )


def describe_requested(views: list[InspectionView]) -> str:
    """``Requested: RESTROOM on Fri 11/20/2026 PM; ...`` (what the success message says)."""
    parts = [f"{v.type_name} on {calendar.format_day(v.requested_date)} {v.period}" for v in views]
    return "Requested: " + "; ".join(parts) + "."


class RequestForm(VerticalScroll, can_focus=False):
    """The form's body; its keys show first in the footer while any of its fields has focus."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f8",
            "screen.add_inspection",
            "Add Inspection",
            id="request.add",
            tooltip="Add the chosen type, date and AM/PM to the request list",
        ),
        Binding(
            "f9",
            "screen.remove_inspection",
            "Remove",
            id="request.remove",
            tooltip="Remove the highlighted inspection from the request list",
        ),
        Binding(
            "ctrl+s",
            "screen.confirm",
            "Confirm",
            id="request.confirm",
            tooltip="Send every inspection on the list (all are saved, or none)",
        ),
    ]


class InspectionRequestScreen(PortalScreen):
    """The inspection request form for permit ``number``."""

    AUTO_FOCUS = ""  # set when the form is filled: the first empty required field

    def compose_footer(self) -> ComposeResult:
        yield FormFooter()  # same keys, rebuilt only when they change

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = " ".join(number.split()).upper()
        self.items: list[RequestedItem] = []
        self.types: dict[str, InspectionTypeOption] = {}
        self.sending = False
        self.adding = False

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        j = self.database.jurisdiction
        yield from self.compose_header()
        yield Static(inert(f"PERMIT Inspection Request - {self.number}"), id="request-title")
        with RequestForm(id="request-form"):
            yield Static(REQUIRED_NOTE, classes="note")
            yield Static("", id="form-error")
            yield FormField(
                "Contact Name", text_input(max_length=120), field="contact_name", required=True
            )
            yield FormField(
                "Phone Number", text_input(max_length=30), field="contact_phone", required=True
            )
            yield FormField("Site Address", text_input(), field="site_address", required=True)
            yield FormField(
                "Email Address", text_input(max_length=254), field="contact_email", required=True
            )
            yield FormField("Notes", text_input(max_length=requests.MAX_NOTES), field="notes")
            yield FormField(
                "Inspection Type", choice([], prompt="Choose a type"), field="inspection_type"
            )
            yield FormField(
                "Requested Date", choice([], prompt="Choose a date"), field="requested_date"
            )
            periods = [
                (f"AM  {j.am_window.describe()}", Period.AM.value),
                (f"PM  {j.pm_window.describe()}", Period.PM.value),
            ]
            yield FormField("AM/PM", choice(periods, prompt="Choose AM or PM"), field="period")
            yield Static(HOW_TO_ADD, classes="note")
            yield Static("Inspections to request: none yet", id="list-title")
            table: DataTable[object] = DataTable(id="request-list", cursor_type="row")
            table.add_columns("#", "Inspection type", "Requested date", "AM/PM")
            yield table
            rules = "\n".join(f"~ {rule}" for rule in calendar.describe_rules(j))
            yield Static(inert(rules, multiline=True), id="rules", classes="note")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.call_service(
            load_request_form,
            self.database,
            self.actor,
            self.number,
            on_done=self._loaded,
            on_error=self._load_failed,
            group="request-load",
        )

    def _loaded(self, data: RequestFormData) -> None:
        self.types = {t.code: t for t in data.types}
        fields = {f.field: f for f in self.query(FormField)}
        prefill = {
            "contact_name": data.contact.name,
            "contact_phone": data.contact.phone,
            "site_address": data.contact.site_address,
            "contact_email": data.contact.email,
        }
        for name, value in prefill.items():
            control = fields[name].control
            if not fields[name].text:  # never overwrite what the user typed meanwhile
                control.value = defuse(value)  # type: ignore[attr-defined]
        set_choices(
            self._select("inspection_type"),
            [(self._type_words(t), t.code) for t in data.types],
        )
        set_choices(
            self._select("requested_date"),
            [(calendar.format_day(d), d) for d in data.dates],
        )
        if self.focused is None:
            empty = [fields[name] for name in prefill if not fields[name].text]
            (empty[0] if empty else fields["inspection_type"]).focus_control()

    def _load_failed(self, exc: Exception) -> None:
        self.portal.show_error(exc)
        if self.is_current:
            self.dismiss()

    @staticmethod
    def _type_words(option: InspectionTypeOption) -> str:
        return option.name if option.requestable else f"{option.name} (not available now)"

    def _select(self, field: str) -> Select[object]:
        control = self.query_one(f"#field-{field}", FormField).control
        assert isinstance(control, Select)
        return control

    def _field(self, field: str) -> FormField:
        return self.query_one(f"#field-{field}", FormField)

    # ------------------------------------------------------------------ the request list

    @on(Select.Changed)
    def _explain_type(self, event: Select.Changed) -> None:
        """Choosing a type that cannot be requested now says why, at the type field."""
        if event.select is not self._select("inspection_type"):
            return
        option = self.types.get(str(event.value)) if not event.select.is_blank() else None
        self._field("inspection_type").set_error(option.reason if option else None)

    def action_add_inspection(self) -> None:
        """Add the chosen type/date/period to the request list, once the domain has checked
        it against the rules a request must pass (the type twice on the list, a full slot):
        a refusal is said at its field and the choice stays as it was, to be changed."""
        if self.adding:
            return
        for name in ("inspection_type", "requested_date", "period"):
            self._field(name).set_error(None)
        code, day, period = (
            self._field("inspection_type").value,
            self._field("requested_date").value,
            self._field("period").value,
        )
        option = self.types.get(str(code)) if code is not None else None
        missing = {
            "inspection_type": "Choose an inspection type." if code is None else "",
            "requested_date": "Choose a requested date." if day is None else "",
            "period": "Choose AM or PM." if period is None else "",
        }
        if option is not None and not option.requestable:
            missing["inspection_type"] = option.reason or "Not available now."
        if any(missing.values()):
            show_errors(self, {k: v for k, v in missing.items() if v})
            return
        assert isinstance(day, date)
        item = RequestedItem(str(code), day, str(period))
        self.adding = True
        self.call_service(
            requests.check_request_item,
            self.database,
            self.actor,
            self.number,
            list(self.items),
            item,
            on_done=lambda _: self._added(item),
            on_error=self._add_refused,
            group="request-add",
        )

    def _added(self, item: RequestedItem) -> None:
        self.adding = False
        self.items.append(item)
        self._show_items()
        self._select("inspection_type").clear()
        self._field("inspection_type").focus_control()

    def _add_refused(self, exc: Exception) -> None:
        self.adding = False
        self._show_refusal(exc)

    def action_remove_inspection(self) -> None:
        """Remove the highlighted inspection from the request list."""
        table = self.query_one("#request-list", DataTable)
        if not self.items:
            self.notify("The request list is empty.", severity="warning")
            return
        row = min(max(table.cursor_row, 0), len(self.items) - 1)
        del self.items[row]
        self._show_items()

    def _show_items(self) -> None:
        table = self.query_one("#request-list", DataTable)
        table.clear()
        for i, item in enumerate(self.items, start=1):
            option = self.types.get(item.inspection_type)
            table.add_row(
                inert_text(i),
                inert_text(option.name if option else item.inspection_type),
                inert_text(calendar.format_day(item.requested_date)),
                inert_text(item.period),
            )
        count = len(self.items)
        title = f"Inspections to request: {count}" if count else "Inspections to request: none yet"
        self.query_one("#list-title", Static).update(title)

    # ------------------------------------------------------------------ confirm / cancel

    def action_confirm(self) -> None:
        """Send the whole list at once (all saved, or none)."""
        if self.sending:
            return
        clear_errors(self)
        self._form_error("")
        fields = {f.field: f for f in self.query(FormField)}
        contact = ContactInfo(
            name=fields["contact_name"].text,
            phone=fields["contact_phone"].text,
            email=fields["contact_email"].text,
            site_address=fields["site_address"].text,
            notes=fields["notes"].text,
        )
        self.sending = True
        self.call_service(
            requests.request_inspections,
            self.database,
            self.actor,
            self.number,
            contact,
            list(self.items),
            on_done=self._requested,
            on_error=self._refused,
            group="request-send",
        )

    def _requested(self, views: list[InspectionView]) -> None:
        self.sending = False
        self.app.notify(
            defuse(describe_requested(views)),
            title="Inspection request sent",
            markup=False,
            timeout=10,
        )
        if self.is_current:
            self.dismiss()

    def _refused(self, exc: Exception) -> None:
        self.sending = False
        self._show_refusal(exc)

    def _show_refusal(self, exc: Exception) -> None:
        """A domain refusal at the field it concerns; the rest on the form's message line."""
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
        if left:
            self._form_error(" ".join(left.values()))

    def _form_error(self, message: str) -> None:
        line = self.query_one("#form-error", Static)
        line.update(inert(f"Error: {message}" if message else ""))
        line.set_class(bool(message), "-shown")

    def discard_question(self) -> str | None:
        """Esc asks first when inspections were added to the list and not sent."""
        n = len(self.items)
        if n == 0 or self.sending:
            return None
        return f"Discard {n} inspection{'s' if n > 1 else ''} not yet sent?"

    def leave(self) -> None:
        if self.is_current:
            self.action_cancel()

    def action_cancel(self) -> None:
        """Leave with nothing saved."""
        self.app.notify("Inspection request cancelled; nothing was saved.", timeout=5)
        self.dismiss()

"""Staff desk — companies: find one by the start of its name, register a new one (its
first PIN is shown once), reissue a PIN, disable or enable.

The PIN exists in clear only in :class:`PinScreen`: the domain returns it once
(:class:`~etrakit_tui.domain.accounts.views.IssuedPin`), the screen shows it, and closing the
screen forgets it.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Input, Static

from etrakit_tui.domain.accounts import admin
from etrakit_tui.domain.accounts.views import CompanySummary, IssuedPin
from etrakit_tui.domain.inspections import calendar
from etrakit_tui.tui.safe import column_cells, inert
from etrakit_tui.tui.screens.modal import PortalModal
from etrakit_tui.tui.screens.staff_common import DESK_BINDINGS, DeskScreen, ask
from etrakit_tui.tui.widgets.form_field import FormField, text_input

LIST_LIMIT = 100
COLUMNS = (("COMPANY", 28), ("LICENSE", 10), ("CITY", 11), ("ACCOUNT", 22))


def account_words(company: CompanySummary) -> str:
    """The account's state in words (never by colour)."""
    if company.disabled:
        return "disabled"
    if not company.has_password:
        return "awaiting first sign-in"
    return "active"


class PinScreen(PortalModal[None]):
    """The new PIN, shown this once."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter,escape",
            "close",
            "Close",
            id="pin.close",
            tooltip="Close: the PIN is not shown again",
        ),
    ]

    def __init__(self, issued: IssuedPin) -> None:
        super().__init__()
        self.issued = issued

    def compose(self) -> ComposeResult:
        j = self.app.database.jurisdiction  # type: ignore[attr-defined]
        issued = self.issued
        local = calendar.local_now(j, issued.expires_at)
        until = f"{calendar.format_day(local.date())} {calendar.format_time(local.time())}"
        with Vertical(id="pin-dialog", classes="dialog"):
            yield Static(inert(f"PIN for {issued.company.name}"), classes="title")
            yield Static(inert(f"License: {issued.company.license_no}"))
            yield Static(inert(f"PIN: {issued.pin}"), id="pin")
            yield Static(
                inert(
                    f"Single use, valid until {until}. It is shown only this once and is not "
                    "stored in clear: give it to the company now. They sign in with it and "
                    "choose a password.",
                )
            )
        yield Footer()

    def action_close(self) -> None:
        self.dismiss()


class RegisterCompanyScreen(DeskScreen, inherit_bindings=False):
    """Register a company (license number and contact data) and issue its first PIN."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "save",
            "Register",
            id="register.save",
            tooltip="Register the company and show its PIN",
        ),
        *DESK_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.saving = False

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield from self.compose_title("Register a company")
        with VerticalScroll(classes="desk-body"):
            yield Static(
                "Fields with * are required. Ctrl+S registers; Esc leaves.", classes="desk-note"
            )
            yield FormField("Company name", text_input(max_length=120), field="name", required=True)
            yield FormField(
                "State license no.", text_input(max_length=30), field="license_no", required=True
            )
            yield FormField("Email", text_input(max_length=254), field="email", required=True)
            yield FormField("Phone", text_input(max_length=30), field="phone", required=True)
            yield FormField("Address", text_input(), field="address")
            yield FormField("City", text_input(max_length=80), field="city")
            yield FormField("State", text_input("CA", max_length=2), field="state")
            yield FormField("ZIP", text_input(max_length=10), field="zip")
            yield FormField("Cell", text_input(max_length=30), field="cell")
            yield FormField("Fax", text_input(max_length=30), field="fax")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.field("name").focus_control()

    def action_save(self) -> None:
        if self.saving:
            return
        self.clear_form()
        v = self.values()
        self.saving = True
        self.call_service(
            admin.register_company,
            self.database,
            self.actor,
            v["name"],
            v["license_no"],
            email=v["email"],
            phone=v["phone"],
            address=v["address"],
            city=v["city"],
            state=v["state"],
            zip=v["zip"],
            cell=v["cell"],
            fax=v["fax"],
            on_done=self._registered,
            on_error=self._failed,
            group="register-company",
        )

    def _registered(self, issued: IssuedPin) -> None:
        self.saving = False
        self.dismiss(issued)

    def _failed(self, exc: Exception) -> None:
        self.saving = False
        self.refused(exc)


class CompaniesTable(DataTable[Text]):
    """The companies found; the account keys live here."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "n",
            "screen.register",
            "Register new",
            id="companies.register",
            tooltip="Register a company and issue its first PIN",
        ),
        Binding(
            "p",
            "screen.reissue",
            "New PIN",
            id="companies.pin",
            tooltip="Issue a new PIN to the highlighted company",
        ),
        Binding(
            "d",
            "screen.toggle_disabled",
            "Disable/enable",
            id="companies.disable",
            tooltip="Disable (or enable again) the highlighted company",
        ),
    ]


class CompaniesScreen(DeskScreen):
    """Companies: filter by name, register, reissue a PIN, disable/enable."""

    AUTO_FOCUS = "#companies"

    def __init__(self) -> None:
        super().__init__()
        self.companies: list[CompanySummary] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield from self.compose_title("Companies")
        with Vertical(classes="desk-body"):
            yield Input(
                placeholder="Name starts with... (Enter: go to the list)",
                max_length=120,
                compact=True,
                id="company-filter",
            )
            yield Static("Loading...", id="companies-count")
            table = CompaniesTable(id="companies", cursor_type="row", cell_padding=0)
            for label, width in COLUMNS:
                table.add_column(Text(label), width=width + 1)
            yield table
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self._load()

    def on_screen_resume(self) -> None:
        if self.loaded:
            self._load()

    def _load(self) -> None:
        prefix = self.query_one("#company-filter", Input).value
        self.call_service(
            admin.list_companies,
            self.database,
            self.actor,
            prefix,
            LIST_LIMIT,
            on_done=lambda rows: self._show(prefix, rows),
            group="companies-load",
        )

    def _show(self, prefix: str, rows: list[CompanySummary]) -> None:
        if prefix != self.query_one("#company-filter", Input).value:
            return  # typing went on
        self.loaded = True
        self.companies = rows
        table = self.query_one(CompaniesTable)
        row = table.cursor_row
        table.clear()
        for c in rows:
            values = (c.name, c.license_no, c.city, account_words(c))
            table.add_row(*column_cells(values, (width for _, width in COLUMNS)))
        if rows:
            table.move_cursor(row=min(max(row, 0), len(rows) - 1))
        more = f" (first {LIST_LIMIT})" if len(rows) >= LIST_LIMIT else ""
        self.query_one("#companies-count", Static).update(inert(f"{len(rows)} companies{more}"))

    @on(Input.Changed, "#company-filter")
    def _filter(self) -> None:
        self._load()

    @on(Input.Submitted, "#company-filter")
    def _to_table(self) -> None:
        self.query_one(CompaniesTable).focus()

    @property
    def highlighted(self) -> CompanySummary | None:
        row = self.query_one(CompaniesTable).cursor_row
        return self.companies[row] if 0 <= row < len(self.companies) else None

    # ------------------------------------------------------------------ actions

    def action_register(self) -> None:
        def registered(issued: IssuedPin | None) -> None:
            if issued is None:
                return
            self.say(f"Registered {issued.company.name}.")
            self.query_one("#company-filter", Input).value = issued.company.name
            self._show_pin(issued)

        self.app.push_screen(RegisterCompanyScreen(), registered)

    def action_reissue(self) -> None:
        company = self.highlighted
        if company is None:
            return
        ask(
            self,
            f"Issue a new PIN to {company.name}?",
            "Their password and any earlier PIN stop working; they choose a new password "
            "when they sign in with the PIN.",
            then=lambda: self.call_service(
                admin.issue_pin,
                self.database,
                self.actor,
                company.name,
                on_done=self._show_pin,
                on_error=self.refused,
                group="companies-pin",
            ),
        )

    def action_toggle_disabled(self) -> None:
        company = self.highlighted
        if company is None:
            return
        disable = not company.disabled
        verb = "Disable" if disable else "Enable"
        detail = (
            "They cannot sign in, and open sessions end within a minute."
            if disable
            else "They can sign in again."
        )
        ask(
            self,
            f"{verb} {company.name}?",
            detail,
            then=lambda: self.call_service(
                admin.set_company_disabled,
                self.database,
                self.actor,
                company.name,
                disable,
                on_done=self._toggled,
                on_error=self.refused,
                group="companies-disable",
            ),
        )

    def _show_pin(self, issued: IssuedPin) -> None:
        self.app.push_screen(PinScreen(issued))

    def _toggled(self, company: CompanySummary) -> None:
        self.say(f"{company.name}: {'disabled' if company.disabled else 'enabled'}.")
        self._load()

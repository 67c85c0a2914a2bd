"""Schedule an inspection (menu F4): the company's permits where *Request* is offered, or a
permit number typed by hand; Enter opens the inspection request form for it.

The list pages on the server (:func:`requestable.requestable_permits`, keyset by permit
number); the next pages load as the cursor nears the end
(:class:`~etrakit_tui.tui.widgets.paged_table.PagedTable`). A typed number is checked with
:func:`requests.request_refusal`: its reason shows under the field, or the form opens.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.domain.inspections import requestable, requests
from etrakit_tui.domain.inspections.calendar import format_date
from etrakit_tui.domain.permits.views import ActivePermitRow, Page
from etrakit_tui.text import sentence
from etrakit_tui.tui.safe import inert_text
from etrakit_tui.tui.screens.base import PortalScreen
from etrakit_tui.tui.screens.request_offer import open_request_screen
from etrakit_tui.tui.widgets.form_field import FormField, FormFooter, text_input
from etrakit_tui.tui.widgets.paged_table import PagedColumn, PagedTable

PAGE = 50

COLUMNS = (
    PagedColumn("PERMIT NO.", width=10),
    PagedColumn("ADDRESS", max_width=24),
    PagedColumn("TYPE", max_width=14),
    PagedColumn("STATUS", max_width=9),
    PagedColumn("EXPIRES", max_width=10),
)


def permit_cells(row: ActivePermitRow) -> list[Text]:
    return [
        inert_text(row.number),
        inert_text(row.address),
        inert_text(row.permit_type),
        inert_text(row.status),
        inert_text(format_date(row.expires_on)),
    ]


class ScheduleScreen(PortalScreen):
    """Schedule an inspection: pick a permit, or type its number."""

    AUTO_FOCUS = "#permits"

    def compose_footer(self) -> ComposeResult:
        yield FormFooter()  # same keys, rebuilt only when they change

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Vertical(id="schedule"):
            yield Static("Schedule an inspection", classes="title")
            yield Static(
                "Choose one of your permits and press Enter, or type a permit number and "
                "press Enter.",
                classes="note",
            )
            yield FormField(
                "Permit number",
                text_input(max_length=20, placeholder="e.g. B1906-174", id="number"),
                field="permit",
            )
            yield PagedTable(
                "Permits where an inspection may be requested",
                COLUMNS,
                self._load,
                permit_cells,
                page_size=PAGE,
                select_label="Request inspection",
                id="permits",
            )
        yield from self.compose_footer()

    @property
    def permits(self) -> PagedTable[ActivePermitRow, str]:
        table: PagedTable[ActivePermitRow, str] = self.query_one("#permits", PagedTable)
        return table

    def _load(self, after: str | None, limit: int) -> Page[ActivePermitRow, str]:
        """The table's loader (a worker thread)."""
        return requestable.requestable_permits(self.database, self.actor, after, limit)

    @on(DataTable.RowSelected, "#permits")
    def _picked(self) -> None:
        row = self.permits.current_item
        if row is not None:
            self.open_request(row.number)

    # ------------------------------------------------------------------ typed number

    @on(Input.Submitted, "#number")
    def _typed(self, event: Input.Submitted) -> None:
        field = self.query_one("#field-permit", FormField)
        number = " ".join(event.value.split()).upper()
        if not number:
            field.set_error("Enter a permit number like B1906-174.")
            return
        field.set_error(None)
        self.call_service(
            requests.request_refusal,
            self.database,
            self.actor,
            number,
            on_done=lambda why: self._checked(number, why),
            on_error=self._refused,
            group="schedule-check",
        )

    def _checked(self, number: str, why: str | None) -> None:
        if why:
            self.query_one("#field-permit", FormField).set_error(why)
            return
        self.open_request(number)

    def _refused(self, exc: Exception) -> None:
        if isinstance(exc, EtrakitError):
            self.query_one("#field-permit", FormField).set_error(sentence(str(exc)))
        else:
            self.portal.show_error(exc)

    def open_request(self, number: str) -> None:
        open_request_screen(self, number)

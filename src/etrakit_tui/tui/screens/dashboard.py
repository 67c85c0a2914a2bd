"""My Dashboard (SPEC §2.3, the guide's "Understanding the dashboard").

"Hello <COMPANY>. Below is a Dashboard of your current activities." and three tables, each
with its count: *My Active Permits*, *My Active Inspections*, *My Expired Permits*. Each
table pages from the server (:class:`PagedTable`), so a company with thousands of permits
opens as fast as one with four. From a row: Enter opens the permit, ``a`` its parcel (the
Site Info tab), ``r`` requests an inspection (only where *Request* shows; otherwise the
reason is given in words), ``f`` shows the fee breakdown. Tab moves between the tables.

First paint: the three first pages are read in one call (``permits.dashboard``) that starts
as the screen is composed (:func:`load_first_pages`), so the database works while the screen
is built and styled; the screen shows at once (tables saying "loading...") and the tables
fill in when the pages arrive. The loaders then read the pages after the first, and read
again from the top on Ctrl+R or on coming back.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from etrakit_tui.domain.inspections import requests
from etrakit_tui.domain.inspections.calendar import format_date
from etrakit_tui.domain.permits import dashboard as permits_dashboard
from etrakit_tui.domain.permits.fees import format_cents
from etrakit_tui.domain.permits.views import (
    ActiveInspectionRow,
    ActivePermitRow,
    Dashboard,
    ExpiredPermitRow,
    Page,
)
from etrakit_tui.tui.navigation import NAV_BINDINGS
from etrakit_tui.tui.safe import inert, inert_text
from etrakit_tui.tui.screens.base import PortalScreen
from etrakit_tui.tui.screens.fees import FeesScreen
from etrakit_tui.tui.screens.request_offer import not_offered, open_request_screen
from etrakit_tui.tui.widgets.paged_table import PagedColumn, PagedTable, load_first_pages

PAGE_SIZE = 50
REQUEST = "Request"

Row = ActivePermitRow | ActiveInspectionRow | ExpiredPermitRow

ACTIVE_PERMIT_COLUMNS = [
    PagedColumn("PERMIT NO."),
    PagedColumn("ADDRESS", max_width=14),
    PagedColumn("TYPE", max_width=13),
    PagedColumn("STATUS"),
    PagedColumn("EXPIRES"),
    PagedColumn("INSPECTION"),
    PagedColumn("FEES DUE"),
]
ACTIVE_INSPECTION_COLUMNS = [
    PagedColumn("REC NO"),
    PagedColumn("REC TYPE"),
    PagedColumn("REC STATUS"),
    PagedColumn("INSPECTION", max_width=16),
    PagedColumn("DATE"),
    PagedColumn("STATE", max_width=28),
    PagedColumn("ADDRESS", max_width=15),  # last: the state matters more at 80 columns
]
EXPIRED_PERMIT_COLUMNS = [
    PagedColumn("PERMIT NO."),
    PagedColumn("ADDRESS", max_width=18),
    PagedColumn("TYPE", max_width=13),
    PagedColumn("STATUS"),
    PagedColumn("EXPIRED"),
    PagedColumn("FEES DUE"),
]


MONEY_WIDTH = len("FEES DUE")


def money(cents: int) -> Text:
    """An amount, right-aligned under its header: ``   $0.00``."""
    return inert_text(format_cents(cents).rjust(MONEY_WIDTH))


def active_permit_cells(row: ActivePermitRow) -> list[Text]:
    """A *My Active Permits* row (``Request`` only where an inspection may be requested)."""
    return [
        inert_text(row.number),
        inert_text(row.address),
        inert_text(row.permit_type),
        inert_text(row.status),
        inert_text(format_date(row.expires_on)),
        inert_text(REQUEST if row.can_request else "", style="underline"),
        money(row.fees_due_cents),
    ]


def active_inspection_cells(row: ActiveInspectionRow) -> list[Text]:
    """A *My Active Inspections* row; the date says AM or PM, the state whether an
    inspector has been assigned (Requested / Scheduled: <inspector>)."""
    return [
        inert_text(row.record_no),
        inert_text(row.record_type),
        inert_text(row.record_status),
        inert_text(row.inspection_type),
        inert_text(f"{format_date(row.date)} {row.period}"),
        inert_text(row.state),
        inert_text(row.address),
    ]


def expired_permit_cells(row: ExpiredPermitRow) -> list[Text]:
    """A *My Expired Permits* row."""
    return [
        inert_text(row.number),
        inert_text(row.address),
        inert_text(row.permit_type),
        inert_text(row.status),
        inert_text(format_date(row.expired_on)),
        money(row.fees_due_cents),
    ]


def first_pages(dashboard: Dashboard) -> tuple[Page[Any, Any], ...]:
    """The dashboard's first pages in the order of its tables."""
    return (dashboard.active_permits, dashboard.active_inspections, dashboard.expired_permits)


def permit_number(row: Row) -> str:
    """The permit a dashboard row is about."""
    return row.record_no if isinstance(row, ActiveInspectionRow) else row.number


class DashboardScreen(PortalScreen, inherit_bindings=False):
    """My Dashboard: three server-paged tables and the row actions."""

    AUTO_FOCUS = "#active-permits"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "a",
            "parcel",
            "Parcel",
            id="dashboard.parcel",
            tooltip="Open the address's parcel (Site Info)",
        ),
        Binding(
            "r",
            "request",
            "Request insp.",
            id="dashboard.request",
            tooltip="Request an inspection on this permit (where Request shows)",
        ),
        Binding("f", "fees", "Fees", id="dashboard.fees", tooltip="Show the fee breakdown"),
        Binding(
            "tab",
            "app.focus_next",
            "Next table",
            id="dashboard.next",
            tooltip="Move to the next table",
        ),
        Binding(
            "shift+tab",
            "app.focus_previous",
            "Previous table",
            show=False,
            id="dashboard.previous",
            tooltip="Move to the previous table",
        ),
        Binding(
            "ctrl+r",
            "refresh",
            "Refresh",
            show=False,
            id="dashboard.refresh",
            tooltip="Load the dashboard again",
        ),
        *NAV_BINDINGS,
    ]

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        company = self.portal.signed_in_as or ""
        yield Static(
            inert(f"Hello {company}. Below is a Dashboard of your current activities."),
            id="greeting",
        )
        # The message line under the greeting is mounted when there is first something to say.
        database, actor = self.database, self.actor
        active = PagedTable(
            "My Active Permits",
            ACTIVE_PERMIT_COLUMNS,
            lambda after, limit: permits_dashboard.active_permits_page(
                database, actor, after, limit
            ),
            active_permit_cells,
            page_size=PAGE_SIZE,
            select_label="Open permit",
            id="active-permits",
        )
        inspections_ = PagedTable(
            "My Active Inspections",
            ACTIVE_INSPECTION_COLUMNS,
            lambda after, limit: permits_dashboard.active_inspections_page(
                database, actor, after, limit
            ),
            active_inspection_cells,
            page_size=PAGE_SIZE,
            select_label="Open permit",
            id="active-inspections",
        )
        expired = PagedTable(
            "My Expired Permits",
            EXPIRED_PERMIT_COLUMNS,
            lambda after, limit: permits_dashboard.expired_permits_page(
                database, actor, after, limit
            ),
            expired_permit_cells,
            page_size=PAGE_SIZE,
            select_label="Open permit",
            id="expired-permits",
        )
        # The data first: the database works while the screen is built. One read gives the
        # three first pages (permits.dashboard: a company's in four statements, much less than
        # the three lists read one by one); each table's loader reads its later pages.
        load_first_pages(
            [active, inspections_, expired],
            lambda: first_pages(permits_dashboard.dashboard(database, actor, page_size=PAGE_SIZE)),
        )
        yield active  # each 1fr high: the three share the height
        yield inspections_
        yield expired
        yield from self.compose_footer()

    def on_screen_resume(self) -> None:
        """Back from a permit or a request: the lists may have changed."""
        if getattr(self, "_shown_once", False):
            self.action_refresh()
        self._shown_once = True

    # ------------------------------------------------------------------ helpers

    def _table(self) -> PagedTable[Any, Any] | None:
        focused = self.focused
        return focused if isinstance(focused, PagedTable) else None

    def say(self, message: str) -> None:
        """Show ``message`` (may hold data: made inert) on the line under the greeting."""
        lines = self.query("#dashboard-message")
        if not lines:
            if message:
                line = Static(inert(message), id="dashboard-message")
                self.mount(line, after=self.query_one("#greeting"))
            return
        line = lines.first(Static)
        line.update(inert(message))
        line.set_class(not message, "empty")

    def _row(self) -> Row | None:
        table = self._table()
        item = table.current_item if table is not None else None
        if item is None:
            self.say("Choose a row in one of the tables first.")
        else:
            self.say("")
        return item

    # ------------------------------------------------------------------ actions

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if isinstance(event.data_table, PagedTable):
            event.stop()
            self.action_open()

    def action_open(self) -> None:
        """Enter: the permit's detail."""
        row = self._row()
        if row is not None:
            from etrakit_tui.tui.screens.permit import PermitScreen

            self.app.push_screen(PermitScreen(permit_number(row)))

    def action_parcel(self) -> None:
        """``a``: the permit's parcel (Site Info tab)."""
        row = self._row()
        if row is not None:
            from etrakit_tui.tui.screens.permit import PermitScreen

            self.app.push_screen(PermitScreen(permit_number(row), tab="site"))

    def action_fees(self) -> None:
        """``f``: the fee breakdown."""
        row = self._row()
        if row is not None:
            self.app.push_screen(FeesScreen(permit_number(row)))

    def action_request(self) -> None:
        """``r``: request an inspection where *Request* shows; otherwise say why."""
        row = self._row()
        if row is None:
            return
        number = permit_number(row)
        if isinstance(row, ActivePermitRow) and row.can_request:
            open_request_screen(self, number)
            return
        self.call_service(
            requests.request_refusal,
            self.database,
            self.actor,
            number,
            on_done=lambda reason: self.say(not_offered(self, number, reason)),
            group="why-no-request",
        )

    def action_refresh(self) -> None:
        for table in self.query(PagedTable):
            table.refresh_rows()

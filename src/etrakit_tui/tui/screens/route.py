"""Inspector — *My route* (SPEC §3): the inspections assigned to the signed-in inspector on
one day, AM first, with address, permit, inspection type, contact phone and notes.

The route opens on today (the jurisdiction's date). ``p`` / ``n`` step to the previous /
next day, ``t`` comes back to today, ``g`` jumps to the date field (type ``11/19/2026`` and
Enter). Enter opens the highlighted inspection (:class:`~.route_visit.InspectionScreen`):
permit summary, earlier inspections, conditions, the request's contact, and the result.
``s`` switches the high-contrast sunlight theme on and off (remembered for next time).

Everything comes from :func:`inspections.route_for` in a worker; the screen holds no rule.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static

from etrakit_tui.domain.errors import ValidationFailed
from etrakit_tui.domain.inspections import assignment, calendar
from etrakit_tui.domain.inspections.calendar import parse_day
from etrakit_tui.domain.inspections.views import RouteStop
from etrakit_tui.tui import theme
from etrakit_tui.tui.navigation import NAV_BINDINGS
from etrakit_tui.tui.safe import inert, inert_text
from etrakit_tui.tui.screens.base import PortalScreen

COLUMNS = (
    ("AM/PM", 5),
    ("ADDRESS", 18),
    ("PERMIT", 9),
    ("INSPECTION", 14),
    ("PHONE", 14),
    ("STATUS", 10),
)


def stop_cells(stop: RouteStop) -> list[Text]:
    """One stop as inert cells, each cut to its column."""
    values = (
        stop.period,
        stop.address,
        stop.permit_number,
        stop.type_name,
        stop.contact_phone,
        stop.status,
    )
    cells = []
    for value, (_, width) in zip(values, COLUMNS, strict=True):
        cell = inert_text(value)
        cell.truncate(width, overflow="ellipsis")
        cells.append(cell)
    return cells


def stop_summary(stop: RouteStop) -> str:
    """The highlighted stop in words: contact, phone, window, notes."""
    contact = stop.contact_name or "no contact on file"
    phone = stop.contact_phone or "no phone"
    notes = " ".join(stop.notes.split()) or "(none)"
    return (
        f"{stop.type_name} ({stop.permit_type}) {stop.period} {stop.window} at {stop.address}\n"
        f"Contact: {contact}, {phone}\nNotes: {notes}"
    )


class RouteTable(DataTable[Text]):
    """The day's stops; Enter opens one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select_cursor",
            "Open",
            id="route.open",
            tooltip="Open the highlighted inspection",
        ),
    ]


class RouteScreen(PortalScreen, inherit_bindings=False):
    """My route: one day of the signed-in inspector's inspections."""

    COMMANDS = {theme.ThemeCommands}  # the palette offers the sunlight theme

    AUTO_FOCUS = "#route-table"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "step(-1)", "Prev day", id="route.prev", tooltip="The previous day"),
        Binding("n", "step(1)", "Next day", id="route.next", tooltip="The next day"),
        Binding("t", "today", "Today", id="route.today", tooltip="Back to today"),
        Binding("g", "pick_day", "Date", id="route.date", tooltip="Type a date to go to"),
        Binding(
            "s",
            "sunlight",
            "Sunlight",
            id="route.sunlight",
            tooltip="High-contrast theme on/off (remembered)",
        ),
        Binding(
            "escape",
            "focus_table",
            "Route",
            show=False,
            id="route.table",
            tooltip="Back to the list of inspections",
        ),
        Binding(
            "ctrl+r",
            "reload",
            "Refresh",
            show=False,
            id="route.reload",
            tooltip="Read the route again",
        ),
        *NAV_BINDINGS,
        *Screen.BINDINGS,  # Tab / Shift+Tab, copy (this screen does not inherit bindings)
    ]

    def __init__(self, day: date | None = None) -> None:
        super().__init__()
        self.day: date | None = day
        self.stops: list[RouteStop] = []
        self.loaded_day: date | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Vertical(id="route"):
            with Horizontal(id="route-bar"):
                yield Static("My route", id="route-title")
                yield Label("Date:", id="route-date-label")
                yield Input(placeholder="MM/DD/YYYY", max_length=20, compact=True, id="route-date")
            yield Static("Loading...", id="route-count")
            table = RouteTable(id="route-table", cursor_type="row", cell_padding=0)
            last = len(COLUMNS) - 1
            for index, (label, width) in enumerate(COLUMNS):
                table.add_column(Text(label), width=width + (index != last))
            yield table
            yield Static("", id="route-stop")
            yield Static("", id="route-message")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        theme.install(self.app)
        if self.day is None:
            self.day = calendar.local_today(self.database.jurisdiction, self.database.now())
        self.action_reload()

    def on_screen_resume(self) -> None:
        """Back from an inspection: read the route again (its status may have changed)."""
        if self.loaded_day is not None:
            self.action_reload()

    # ------------------------------------------------------------------ loading

    def action_reload(self) -> None:
        day = self.day
        assert day is not None
        self.query_one("#route-title", Static).update(
            inert(f"My route — {calendar.format_day(day)}")
        )
        self.call_service(
            assignment.route_for,
            self.database,
            self.actor,
            day,
            on_done=lambda stops: self._show(day, stops),
            group="route-load",
        )

    def _show(self, day: date, stops: list[RouteStop]) -> None:
        if day != self.day:
            return  # an older answer: the user has moved on
        table = self.query_one(RouteTable)
        previous = self.highlighted
        self.stops = stops
        self.loaded_day = day
        table.clear()
        for stop in stops:
            table.add_row(*stop_cells(stop), key=str(stop.inspection_id))
        if previous is not None:
            index = next(
                (i for i, s in enumerate(stops) if s.inspection_id == previous.inspection_id), 0
            )
            table.move_cursor(row=index)
        am = sum(1 for s in stops if s.period == "AM")
        words = (
            f"{len(stops)} inspection(s): {am} AM, {len(stops) - am} PM"
            if stops
            else "No inspections assigned to you on this day."
        )
        self.query_one("#route-count", Static).update(inert(words))
        self._show_stop()

    @property
    def highlighted(self) -> RouteStop | None:
        table = self.query_one(RouteTable)
        row = table.cursor_row
        return self.stops[row] if self.stops and 0 <= row < len(self.stops) else None

    @on(DataTable.RowHighlighted, "#route-table")
    def _show_stop(self) -> None:
        stop = self.highlighted
        text = stop_summary(stop) if stop else ""
        self.query_one("#route-stop", Static).update(inert(text, multiline=True))

    # ------------------------------------------------------------------ days

    def _go(self, day: date) -> None:
        self.day = day
        self.query_one("#route-message", Static).update("")
        self.action_reload()

    def action_step(self, days: int) -> None:
        if self.day is not None:
            self._go(self.day + timedelta(days=days))

    def action_today(self) -> None:
        self._go(calendar.local_today(self.database.jurisdiction, self.database.now()))

    def action_pick_day(self) -> None:
        self.query_one("#route-date", Input).focus()

    @on(Input.Submitted, "#route-date")
    def _typed_day(self, event: Input.Submitted) -> None:
        try:
            day = parse_day(event.value, "date")
        except ValidationFailed as exc:
            self.query_one("#route-message", Static).update(inert(exc.errors["date"]))
            return
        assert day is not None
        event.input.value = ""
        self.query_one(RouteTable).focus()
        self._go(day)

    def action_focus_table(self) -> None:
        self.query_one(RouteTable).focus()

    def action_sunlight(self) -> None:
        name = theme.toggle(self.app)
        words = "Sunlight theme on." if name == theme.SUNLIGHT else "Sunlight theme off."
        self.query_one("#route-message", Static).update(words)

    # ------------------------------------------------------------------ open

    @on(DataTable.RowSelected, "#route-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        stop = self.highlighted
        if stop is None:
            return
        from etrakit_tui.tui.screens.route_visit import InspectionScreen

        self.app.push_screen(InspectionScreen(stop))

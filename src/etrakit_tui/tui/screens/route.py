"""Inspector — *My route* (SPEC §3): the inspections assigned to the signed-in inspector on
one day, AM first, with address, permit, inspection type, contact phone and notes.

The route opens on today (the jurisdiction's date). ``p`` / ``n`` step to the previous /
next day, ``t`` comes back to today, ``g`` jumps to the date field (type ``11/19/2026`` and
Enter). Enter opens the highlighted inspection (:class:`~.route_visit.InspectionScreen`):
permit summary, earlier inspections, conditions, the request's contact, and the result.
``s`` switches the high-contrast sunlight theme on and off (remembered for next time).
``c`` checks the day out for field work (asks the password again; local sessions only: over
SSH it says to do it on the laptop).

In field mode (``etrakit-tui field``, :mod:`etrakit_tui.tui.field_app`) the same screen
shows the checked-out day from the field file, under a status line (ONLINE/OFFLINE, results
waiting to be sent, conflicts); ``y`` syncs now and ``x`` lists the results not applied.
The day keys are hidden there: the field file holds that one day.

Everything comes from :func:`inspections.route_for` in a worker; the screen holds no rule.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static

from etrakit_tui.domain.errors import EtrakitError, ValidationFailed
from etrakit_tui.domain.inspections import assignment, calendar
from etrakit_tui.domain.inspections.calendar import parse_day
from etrakit_tui.domain.inspections.views import RouteStop
from etrakit_tui.tui import theme
from etrakit_tui.tui.navigation import NAV_BINDINGS
from etrakit_tui.tui.safe import add_fixed_columns, column_cells, inert
from etrakit_tui.tui.screens.base import PortalScreen

if TYPE_CHECKING:
    from etrakit_tui.domain.field.views import CheckoutSummary
    from etrakit_tui.tui.screens.field_status import FieldLink

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
    return column_cells(values, (width for _, width in COLUMNS))


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
        Binding("p", "step(-1)", "Prev", id="route.prev", tooltip="The previous day"),
        Binding("n", "step(1)", "Next", id="route.next", tooltip="The next day"),
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
            "c",
            "checkout",
            "Check out",
            id="route.checkout",
            tooltip="Check this day out for field work (on this laptop)",
        ),
        Binding("y", "sync", "Sync", id="route.sync", tooltip="Send waiting results now"),
        Binding(
            "x",
            "conflicts",
            "Conflicts",
            id="route.conflicts",
            tooltip="Results the city did not apply, and why",
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

    @property
    def field(self) -> FieldLink | None:
        """Field mode's link (``None``: the online portal)."""
        return self.portal.field

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Field mode hides the day keys and checkout; the portal hides sync and conflicts."""
        if action in ("step", "today", "pick_day", "checkout"):
            return self.field is None
        if action in ("sync", "conflicts"):
            return self.field is not None
        return super().check_action(action, parameters)

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        if self.field is not None:
            from etrakit_tui.tui.screens.field_status import FieldStatusLine

            yield FieldStatusLine(self.field)
        with Vertical(id="route"):
            with Horizontal(id="route-bar"):
                yield Static("My route", id="route-title")
                if self.field is None:
                    yield Label("Date:", id="route-date-label")
                    yield Input(
                        placeholder="MM/DD/YYYY", max_length=20, compact=True, id="route-date"
                    )
            yield Static("Loading...", id="route-count")
            table = RouteTable(id="route-table", cursor_type="row", cell_padding=0)
            add_fixed_columns(table, COLUMNS)
            yield table
            yield Static("", id="route-stop")
            yield Static("", id="route-message")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        theme.install(self.app)
        if self.day is None:
            self.day = calendar.local_today(self.database.jurisdiction, self.database.now())
        if self.field is not None:
            self.field.changed.subscribe(self, self._field_changed)
        self.action_reload()

    def on_unmount(self) -> None:
        if self.field is not None:
            self.field.changed.unsubscribe(self)

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
        self.say("")
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
            self.say(exc.errors["date"])
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
        self.say(words)

    # ------------------------------------------------------------------ open

    @on(DataTable.RowSelected, "#route-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        stop = self.highlighted
        if stop is None:
            return
        from etrakit_tui.tui.screens.route_visit import InspectionScreen

        self.app.push_screen(InspectionScreen(stop))

    def say(self, words: str) -> None:
        """Show ``words`` (may hold data: made inert) on the message line."""
        self.query_one("#route-message", Static).update(inert(words))

    # ------------------------------------------------------------------ field work

    def action_checkout(self) -> None:
        """Check the day shown out for field work: the password again, then the domain's
        checkout in a worker (it writes the field file on this computer)."""
        from etrakit_tui.tui.screens.field_checkout import REMOTE_WORDS, CheckoutPasswordScreen

        if self.portal.remote:
            self.say(REMOTE_WORDS)
            return
        day = self.day
        assert day is not None

        def given(password: str | None) -> None:
            if password is None:
                self.say("Nothing was checked out.")
                return
            from etrakit_tui.domain.field import checkout_signed_in

            self.say(f"Checking out {calendar.format_day(day)}...")
            self.call_service(
                checkout_signed_in,
                self.database,
                self.actor,
                password,
                day=day,
                laptop_clock=self.database.clock,  # a local session: this computer's clock
                on_done=self._checked_out,
                on_error=self._checkout_refused,
                group="route-checkout",
            )

        self.app.push_screen(CheckoutPasswordScreen(day), given)

    def _checked_out(self, summary: CheckoutSummary) -> None:
        self.say(
            f"Checked out {summary.inspections} inspection(s) for "
            f"{calendar.format_day(summary.day)} into {summary.field_file}. "
            "Work offline with: etrakit-tui field"
        )

    def _checkout_refused(self, exc: Exception) -> None:
        if isinstance(exc, EtrakitError):
            self.say(f"Not checked out: {exc}")
        else:
            self.portal.show_error(exc)

    def action_sync(self) -> None:
        if self.field is not None and not self.field.sync_now():
            self.say("A sync is already running.")

    def action_conflicts(self) -> None:
        from etrakit_tui.tui.screens.field_conflicts import FieldConflictsScreen

        self.app.push_screen(FieldConflictsScreen())

    def _field_changed(self, link: FieldLink) -> None:
        """A sync ended: the route may have changed at the city (cancelled, added)."""
        if not link.syncing and link.tried and self.loaded_day is not None:
            self.action_reload()

"""Staff desk — inspections of one day: the open (requested or scheduled) ones, AM first,
paged from the server; give the highlighted one to an inspector by hand (``a``), or run
the daily automatic assignment for the day (``d``, asks first). ``p`` / ``n`` step the
day, ``g`` types one."""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from etrakit_tui.domain.errors import ValidationFailed
from etrakit_tui.domain.inspections import assignment, calendar
from etrakit_tui.domain.inspections.assignment import OpenInspectionKey
from etrakit_tui.domain.inspections.views import AssignmentReport, InspectionView, InspectorOption
from etrakit_tui.domain.permits.views import Page
from etrakit_tui.tui.safe import inert, inert_text
from etrakit_tui.tui.screens.modal import PortalModal
from etrakit_tui.tui.screens.staff_common import DeskScreen, ask
from etrakit_tui.tui.widgets.paged_table import Loader, PagedColumn, PagedTable

OpenPage = Page[InspectionView, OpenInspectionKey]

COLUMNS = [
    PagedColumn("AM/PM", width=5),
    PagedColumn("PERMIT", width=9),
    PagedColumn("ADDRESS", max_width=16),
    PagedColumn("DIST", max_width=5),
    PagedColumn("INSPECTION", max_width=14),
    PagedColumn("STATUS", width=9),
    PagedColumn("INSPECTOR", max_width=16),
]


def open_cells(view: InspectionView) -> list[Text]:
    """One open inspection as inert cells ("-" where no inspector is assigned yet)."""
    return [
        inert_text(view.period),
        inert_text(view.permit_number),
        inert_text(view.address),
        inert_text(view.district),
        inert_text(view.type_name),
        inert_text(view.status),
        inert_text(view.inspector_name or "-"),
    ]


class PickInspectorScreen(PortalModal[str | None]):
    """Choose the inspector (arrows, Enter); Esc changes nothing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="pick.cancel", tooltip="Assign nobody"),
    ]

    def __init__(self, view: InspectionView, inspectors: list[InspectorOption]) -> None:
        super().__init__()
        self.view = view
        self.inspectors = inspectors

    def compose(self) -> ComposeResult:
        v = self.view
        with Vertical(id="pick", classes="dialog"):
            yield Static(inert(f"Assign {v.type_name} on {v.permit_number}"), classes="title")
            yield Static(
                inert(
                    f"{v.address} ({v.district or 'no district'}), "
                    f"{calendar.format_day(v.requested_date)} {v.period}"
                )
            )
            yield OptionList(
                *[
                    Option(
                        inert(f"{i.username:<14} {i.full_name} ({i.district or '-'})"),
                        id=i.username,
                    )
                    for i in self.inspectors
                ],
                id="inspectors",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class OpenTable(PagedTable[InspectionView, OpenInspectionKey]):
    """The day's open inspections; the assignment keys live here."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "a",
            "screen.assign",
            "Assign",
            id="assign.one",
            tooltip="Give the highlighted inspection to an inspector",
        ),
        Binding(
            "d",
            "screen.daily",
            "Daily run",
            id="assign.daily",
            tooltip="Run the daily automatic assignment for this day",
        ),
        Binding("p", "screen.step(-1)", "Prev day", id="assign.prev", tooltip="Previous day"),
        Binding("n", "screen.step(1)", "Next day", id="assign.next", tooltip="Next day"),
        Binding(
            "g", "screen.pick_day", "Date", show=False, id="assign.date", tooltip="Type a date"
        ),
    ]


class AssignScreen(DeskScreen):
    """Assign inspectors by hand, and the daily assignment."""

    AUTO_FOCUS = "#open-inspections"

    def __init__(self) -> None:
        super().__init__()
        self.day: date = date.today()

    def compose(self) -> ComposeResult:
        self.day = calendar.local_today(self.database.jurisdiction, self.database.now())
        yield from self.compose_header()
        yield from self.compose_title("Inspections: assign inspectors")
        with Vertical(classes="desk-body"):
            with Horizontal(id="assign-bar"):
                yield Static("", id="assign-day")
                yield Label("Date: ")
                yield Input(placeholder="MM/DD/YYYY", max_length=20, compact=True, id="assign-date")
            yield OpenTable(
                "Open inspections", COLUMNS, self._loader(), open_cells, id="open-inspections"
            )
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self._show_day()

    def _loader(self) -> Loader[OpenInspectionKey, InspectionView]:
        db, actor, day = self.database, self.actor, self.day

        def load(after: OpenInspectionKey | None, limit: int) -> OpenPage:
            return assignment.open_inspections_page(db, actor, day, after, limit)

        return load

    def _show_day(self) -> None:
        self.query_one("#assign-day", Static).update(
            inert(f"Open inspections of {calendar.format_day(self.day)}")
        )

    def reload(self) -> None:
        self._show_day()
        self.query_one(OpenTable).reload(self._loader())

    @property
    def highlighted(self) -> InspectionView | None:
        return self.query_one(OpenTable).current_item

    # ------------------------------------------------------------------ days

    def action_step(self, days: int) -> None:
        self.day += timedelta(days=days)
        self.say("")
        self.reload()

    def action_pick_day(self) -> None:
        self.query_one("#assign-date", Input).focus()

    @on(Input.Submitted, "#assign-date")
    def _typed_day(self, event: Input.Submitted) -> None:
        try:
            day = calendar.parse_day(event.value, "date")
        except ValidationFailed as exc:
            self.say(exc.errors["date"])
            return
        assert day is not None
        self.day = day
        event.input.value = ""
        self.say("")
        self.reload()
        self.query_one(OpenTable).focus()

    # ------------------------------------------------------------------ assigning

    def action_assign(self) -> None:
        view = self.highlighted
        if view is None:
            self.say("There is no inspection to assign on this day.")
            return
        self.call_service(
            assignment.list_inspectors,
            self.database,
            self.actor,
            on_done=lambda people: self._pick(view, people),
            on_error=self.refused,
            group="assign-inspectors",
        )

    def _pick(self, view: InspectionView, people: list[InspectorOption]) -> None:
        def picked(username: str | None) -> None:
            if username:
                self.call_service(
                    assignment.assign_inspector,
                    self.database,
                    self.actor,
                    view.id,
                    username,
                    on_done=self._assigned,
                    on_error=self.refused,
                    group="assign-one",
                )

        self.app.push_screen(PickInspectorScreen(view, people), picked)

    def _assigned(self, view: InspectionView) -> None:
        self.say(
            f"{view.type_name} on {view.permit_number} ({view.period}) assigned to "
            f"{view.inspector_name}."
        )
        self.reload()

    def action_daily(self) -> None:
        day = self.day
        ask(
            self,
            f"Run the daily assignment for {calendar.format_day(day)}?",
            "Every requested inspection of the day gets an inspector of its district.",
            then=lambda: self.call_service(
                assignment.assign_inspections,
                self.database,
                self.actor,
                day,
                on_done=self._ran,
                on_error=self.refused,
                group="assign-daily",
            ),
        )

    def _ran(self, report: AssignmentReport) -> None:
        self.say(f"Daily assignment: {report}.")
        self.reload()

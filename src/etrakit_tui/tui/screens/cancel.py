"""Cancel an inspection (menu F5): the company's upcoming inspections, each saying whether it
can still be cancelled online; cancel the highlighted one with a key and a confirmation.

The cutoff is the domain's (07:00 on the inspection's day, in the jurisdiction's zone); after
it the refusal tells the user to call the division after 7:30am, and the list says so too.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Static

from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.domain.inspections import calendar, cancel, requests
from etrakit_tui.domain.inspections.views import InspectionView
from etrakit_tui.settings import Jurisdiction
from etrakit_tui.tui.safe import inert, inert_text
from etrakit_tui.tui.screens.base import PortalScreen
from etrakit_tui.tui.screens.modal import QuestionModal
from etrakit_tui.tui.widgets.form_field import FormFooter


def deadline_words(j: Jurisdiction, view: InspectionView) -> str:
    """Whether (and until when) the inspection can be cancelled online, in words."""
    if view.can_cancel:
        local = calendar.local_now(j, view.cancel_deadline)
        return (
            f"can be cancelled online until {calendar.format_time(local.time())} "
            f"on {calendar.format_day(local.date())}"
        )
    return f"too late to cancel online: {j.cancel_refusal()}"


def describe(view: InspectionView) -> str:
    """``FINAL on Thu 11/19/2026 AM (A1806-065)``."""
    day = calendar.format_day(view.requested_date)
    return f"{view.type_name} on {day} {view.period} ({view.permit_number})"


class ConfirmCancelScreen(QuestionModal):
    """ "Cancel this inspection?" — Y cancels it, N or Esc keeps it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "y", "answer(True)", "Yes, cancel it", id="confirm.yes", tooltip="Cancel the inspection"
        ),
        Binding(
            "n,escape",
            "answer(False)",
            "No, keep it",
            id="confirm.no",
            tooltip="Keep the inspection",
        ),
    ]

    def __init__(self, view: InspectionView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm", classes="dialog"):
            yield Static("Cancel this inspection?", classes="title")
            yield Static(inert(describe(self.view)), id="confirm-what")
            yield Static(inert(f"Site: {self.view.address}"), id="confirm-site")
            with Horizontal(id="confirm-buttons"):
                yield Button("Yes, cancel it (Y)", id="yes", variant="error")
                yield Button("No, keep it (N)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class UpcomingTable(DataTable[object]):
    """The upcoming inspections; its key shows first in the footer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "c,delete",
            "screen.cancel_inspection",
            "Cancel inspection",
            id="cancel.cancel",
            tooltip="Cancel the highlighted inspection (asks first)",
        ),
        Binding("r", "screen.reload", "Refresh", id="cancel.reload", tooltip="Read the list again"),
    ]


class CancelScreen(PortalScreen):
    """Cancel inspection: the company's upcoming inspections."""

    AUTO_FOCUS = "#upcoming"

    def compose_footer(self) -> ComposeResult:
        yield FormFooter()  # same keys, rebuilt only when they change

    def __init__(self) -> None:
        super().__init__()
        self.views: list[InspectionView] = []

    def compose(self) -> ComposeResult:
        j = self.database.jurisdiction
        yield from self.compose_header()
        with Vertical(id="cancel"):
            yield Static("Cancel an inspection", classes="title")
            yield Static(
                inert(
                    f"You can cancel inspections up to {calendar.format_time(j.cancel_cutoff)} "
                    "the day of the inspection. After this time, please "
                    f"{j.cancel_refusal()}. Press C to cancel the highlighted inspection."
                ),
                classes="note",
            )
            yield Static("Loading your upcoming inspections...", id="count")
            table = UpcomingTable(id="upcoming", cursor_type="row")
            table.add_columns("PERMIT NO.", "INSPECTION", "DATE", "AM/PM", "STATUS", "ONLINE")
            yield table
            yield Static("", id="detail")
            yield Static("", id="cancel-message")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        """Read the upcoming inspections again."""
        self.call_service(
            requests.upcoming_for_company,
            self.database,
            self.actor,
            on_done=self._show,
            group="cancel-load",
        )

    def _show(self, views: list[InspectionView]) -> None:
        self.views = views
        table = self.query_one("#upcoming", DataTable)
        row = table.cursor_row
        table.clear()
        for v in views:
            table.add_row(
                inert_text(v.permit_number),
                inert_text(v.type_name),
                inert_text(calendar.format_day(v.requested_date)),
                inert_text(v.period),
                inert_text(v.status),
                inert_text("can cancel" if v.can_cancel else "call to cancel"),
            )
        if views:
            table.move_cursor(row=min(max(row, 0), len(views) - 1))
        count = len(views)
        self.query_one("#count", Static).update(
            f"{count} upcoming inspection(s)" if count else "You have no upcoming inspections."
        )
        self._show_detail()

    @on(DataTable.RowHighlighted, "#upcoming")
    def _show_detail(self) -> None:
        view = self.highlighted
        detail = self.query_one("#detail", Static)
        if view is None:
            detail.update("")
            return
        inspector = view.inspector_name or "not assigned yet"
        detail.update(
            inert(
                f"{describe(view)} at {view.address}; inspector: {inspector}; "
                f"{deadline_words(self.database.jurisdiction, view)}."
            )
        )

    @property
    def highlighted(self) -> InspectionView | None:
        table = self.query_one("#upcoming", DataTable)
        if not self.views or not 0 <= table.cursor_row < len(self.views):
            return None
        return self.views[table.cursor_row]

    # ------------------------------------------------------------------ cancel

    def action_cancel_inspection(self) -> None:
        """Ask, then cancel the highlighted inspection."""
        view = self.highlighted
        if view is None:
            self._message("There is no inspection to cancel.")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.call_service(
                    cancel.cancel_inspection,
                    self.database,
                    self.actor,
                    view.id,
                    on_done=self._cancelled,
                    on_error=self._refused,
                    group="cancel-send",
                )
            else:
                self._message("Nothing was cancelled.")

        self._message("")
        self.app.push_screen(ConfirmCancelScreen(view), answered)

    def _cancelled(self, view: InspectionView) -> None:
        words = f"Cancelled: {describe(view)}."
        self._message(words)
        self.app.notify(inert(words).plain, title="Inspection cancelled", markup=False)
        self.action_reload()

    def _refused(self, exc: Exception) -> None:
        if isinstance(exc, EtrakitError):
            self._message(f"Not cancelled: {exc}")
        else:
            self.portal.show_error(exc)

    def _message(self, words: str) -> None:
        self.query_one("#cancel-message", Static).update(inert(words))

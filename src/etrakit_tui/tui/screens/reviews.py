"""The *Reviews* tab (SPEC §2.5, the guide's "Plan review link").

A table of the permit's plan reviews (review type, reviewer, status, submitted, due,
completed, cycle), sortable by any column by key: ``n`` is the guide's advice in one key —
*submitted date, newest first* (also the order on open); ``s`` moves the sort to the next
column (a text column A to Z first, a date newest first), ``d`` flips the direction. The
sorted column's header carries an arrow and the line above the table says the order in
words. *More Info* (Enter or ``m``) opens the reviewer's notes. The order itself is the
domain's (:func:`reviews.sort_reviews`: empty dates last, ties by review id).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Static

from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.domain.inspections.calendar import format_date
from etrakit_tui.domain.permits import reviews
from etrakit_tui.domain.permits.views import ReviewNotes, ReviewRow, ReviewSort
from etrakit_tui.tui.safe import column_cells, inert
from etrakit_tui.tui.screens.modal import PortalModal
from etrakit_tui.tui.workers import run_service

if TYPE_CHECKING:
    from etrakit_tui.tui.app import EtrakitApp

# Column order on screen: (sort key, header, max width).
COLUMNS: tuple[tuple[ReviewSort, str, int], ...] = (
    (ReviewSort.REVIEW_TYPE, "REVIEW TYPE", 14),
    (ReviewSort.REVIEWER, "REVIEWER", 17),
    (ReviewSort.STATUS, "STATUS", 20),
    (ReviewSort.SUBMITTED, "SUBMITTED", 10),
    (ReviewSort.DUE, "DUE", 10),
    (ReviewSort.COMPLETED, "COMPLETED", 10),
    (ReviewSort.CYCLE, "CYCLE", 5),
)
HEADERS = {key: header for key, header, _ in COLUMNS}
DATES = (ReviewSort.SUBMITTED, ReviewSort.DUE, ReviewSort.COMPLETED)


def first_direction(sort: ReviewSort) -> bool:
    """``descending`` when a column is first sorted on: text A to Z, dates newest first
    (the guide's advice for SUBMITTED), cycles highest (latest) first."""
    return sort in DATES or sort is ReviewSort.CYCLE


def review_cells(row: ReviewRow) -> list[Text]:
    """One review as table cells (every value inert, cut to its column)."""
    values = (
        row.review_type,
        row.reviewer,
        row.status,
        format_date(row.submitted_on),
        format_date(row.due_on),
        format_date(row.completed_on),
        str(row.cycle),
    )
    cells = column_cells(values, (width for _, _, width in COLUMNS))
    for cell in cells:
        cell.append(" ")  # the gap between columns (the table has no cell padding)
    return cells


def describe_order(sort: ReviewSort, descending: bool) -> str:
    """``Sorted by SUBMITTED, newest first`` and the like."""
    header = HEADERS[sort]
    if sort in DATES:
        direction = "newest first" if descending else "oldest first"
    elif sort is ReviewSort.CYCLE:
        direction = "highest first" if descending else "lowest first"
    else:
        direction = "Z to A" if descending else "A to Z"
    return f"Sorted by {header}, {direction}."


class ReviewsTable(DataTable[Text]):
    """The reviews table; its keys live on :class:`ReviewsPane`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select_cursor",
            "More Info",
            id="reviews.more",
            tooltip="The reviewer's notes on this review",
        ),
    ]


class ReviewsPane(Vertical):
    """The *Reviews* tab: order line, sortable table, *More Info*."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "n",
            "newest",
            "Newest first",
            id="reviews.newest",
            tooltip="Sort by submitted date, newest first",
        ),
        Binding(
            "s", "next_sort", "Sort column", id="reviews.sort", tooltip="Sort by the next column"
        ),
        Binding("d", "flip", "Reverse", id="reviews.reverse", tooltip="Reverse the sort direction"),
        Binding(
            "m",
            "more_info",
            "More Info",
            show=False,
            id="reviews.more_info",
            tooltip="The reviewer's notes on this review",
        ),
    ]

    def __init__(self, rows: tuple[ReviewRow, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sort = ReviewSort.SUBMITTED
        self.descending = True
        self.rows: tuple[ReviewRow, ...] = reviews.sort_reviews(rows, self.sort, self.descending)

    def compose(self) -> ComposeResult:
        yield Static("", id="reviews-order")
        yield ReviewsTable(cursor_type="row", cell_padding=0, id="reviews-table")

    def on_mount(self) -> None:
        self._fill()

    @property
    def table(self) -> ReviewsTable:
        return self.query_one(ReviewsTable)

    @property
    def current(self) -> ReviewRow | None:
        row = self.table.cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _fill(self) -> None:
        table = self.table
        table.clear(columns=True)
        for key, header, _ in COLUMNS:
            arrow = (
                (
                    " \N{BLACK DOWN-POINTING TRIANGLE}"
                    if self.descending
                    else " \N{BLACK UP-POINTING TRIANGLE}"
                )
                if key is self.sort
                else ""
            )
            table.add_column(Text(header + arrow + " "), key=key.value)
        for row in self.rows:
            table.add_row(*review_cells(row), key=str(row.review_id))
        if not self.rows:
            order = "No plan reviews on this permit."
        else:
            order = describe_order(self.sort, self.descending)
        self.query_one("#reviews-order", Static).update(inert(order))

    def sort_by(self, sort: ReviewSort, descending: bool) -> None:
        """Re-order the table (the domain's order), keeping the cursor on the same review."""
        current = self.current
        self.sort, self.descending = sort, descending
        self.rows = reviews.sort_reviews(self.rows, sort, descending)
        self._fill()
        if current is not None:
            index = next(i for i, r in enumerate(self.rows) if r.review_id == current.review_id)
            self.table.move_cursor(row=index)

    def action_newest(self) -> None:
        self.sort_by(ReviewSort.SUBMITTED, True)
        self.table.move_cursor(row=0)

    def action_next_sort(self) -> None:
        keys = [key for key, _, _ in COLUMNS]
        following = keys[(keys.index(self.sort) + 1) % len(keys)]
        self.sort_by(following, first_direction(following))

    def action_flip(self) -> None:
        self.sort_by(self.sort, not self.descending)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_more_info()

    def action_more_info(self) -> None:
        if (row := self.current) is not None:
            self.app.push_screen(ReviewNotesScreen(row))


class ReviewNotesScreen(PortalModal[None]):
    """*More Info*: the reviewer's notes on one review."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,m", "close", "Close", id="notes.close", tooltip="Back to reviews"),
    ]

    def __init__(self, row: ReviewRow) -> None:
        super().__init__()
        self.row = row
        self.notes: ReviewNotes | None = None

    def compose(self) -> ComposeResult:
        row = self.row
        with Vertical(id="notes-dialog", classes="dialog"):
            yield Static(
                inert(f"More Info — {row.review_type} review, cycle {row.cycle}"),
                id="notes-title",
                classes="title",
            )
            yield Static(inert(f"Reviewer: {row.reviewer}    Status: {row.status}"))
            with VerticalScroll(id="notes-body", can_focus=True):
                yield Static("Loading notes...", id="notes-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#notes-body").focus()
        app: EtrakitApp = self.app  # type: ignore[assignment]
        actor = app.actor
        if actor is None:
            return
        database, review_id = app.database, self.row.review_id

        run_service(
            self,
            lambda: reviews.review_notes(database, actor, review_id),
            on_done=self._show,
            on_error=self._failed,
            group="notes",
        )

    def _show(self, notes: ReviewNotes) -> None:
        self.notes = notes
        text = notes.notes.strip() or "The reviewer left no notes."
        self.query_one("#notes-text", Static).update(inert(text, multiline=True))

    def _failed(self, exc: EtrakitError) -> None:
        message = self.app.message_for(exc)  # type: ignore[attr-defined]
        self.query_one("#notes-text", Static).update(inert(message))

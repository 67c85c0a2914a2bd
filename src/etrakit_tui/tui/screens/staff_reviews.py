"""Staff desk — plan reviews of one permit: list them (the contractor's columns), post a
new review, update one (status, completed date, notes), and read the notes (*More Info*,
the same window the contractor sees)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Static, TextArea

from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.errors import ValidationFailed
from etrakit_tui.domain.inspections import calendar
from etrakit_tui.domain.permits import catalog, reviews
from etrakit_tui.domain.permits.views import ReviewNotes, ReviewRow
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import ReviewStatus
from etrakit_tui.domain.validation import FormErrors
from etrakit_tui.text import defuse
from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.screens.reviews import COLUMNS, ReviewNotesScreen, review_cells
from etrakit_tui.tui.screens.staff_common import DESK_BINDINGS, DeskScreen
from etrakit_tui.tui.widgets.form_field import FormField, choice, text_input

STATUSES = [(s.value, s.value) for s in ReviewStatus]


@dataclass(frozen=True, slots=True)
class ReviewForm:
    """The review form as typed."""

    review_type: str
    reviewer: str
    status: str
    submitted_on: str
    due_on: str
    cycle: str
    notes: str


def _cycle(text: str) -> int | None:
    raw = text.strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationFailed({"cycle": "The cycle is a number (blank: the next one)."})
    return int(raw)


def post_from_form(db: Database, actor: Actor, number: str, form: ReviewForm) -> ReviewRow:
    """Read the dates and cycle as typed (every bad one reported at once), then
    :func:`reviews.post_review`."""
    errors = FormErrors()
    submitted = errors.run(calendar.parse_day, form.submitted_on, "submitted_on")
    due = errors.run(calendar.parse_day, form.due_on, "due_on", required=False)
    cycle = errors.run(_cycle, form.cycle)
    errors.raise_if_any()
    assert submitted is not None
    return reviews.post_review(
        db,
        actor,
        number,
        form.review_type,
        form.reviewer,
        form.status,
        submitted,
        due,
        form.notes,
        cycle,
    )


def update_from_form(
    db: Database, actor: Actor, review_id: int, status: str, completed: str, notes: str
) -> ReviewRow:
    """A typed completed date is passed on; a blank one lets the domain decide."""
    changes: dict[str, Any] = {"status": status, "notes": notes}
    if completed.strip():
        changes["completed_on"] = calendar.parse_day(completed, "completed_on")
    return reviews.update_review(db, actor, review_id, **changes)


class PostReviewScreen(DeskScreen, inherit_bindings=False):
    """Post a plan review on a permit."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Post", id="review-post.save", tooltip="Post the review"),
        *DESK_BINDINGS,
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.saving = False

    def compose(self) -> ComposeResult:
        today = calendar.local_today(self.database.jurisdiction, self.database.now())
        yield from self.compose_header()
        yield from self.compose_title(f"Post a review on {self.number}")
        with VerticalScroll(classes="desk-body"):
            yield FormField(
                "Review type",
                choice([(t, t) for t in catalog.REVIEW_TYPES], prompt="Choose"),
                field="review_type",
                required=True,
            )
            yield FormField("Reviewer", text_input(max_length=120), field="reviewer", required=True)
            yield FormField(
                "Status",
                choice(STATUSES, value="SUBMITTED", allow_blank=False),
                field="status",
                required=True,
            )
            yield FormField(
                "Submitted",
                text_input(f"{today:%m/%d/%Y}", max_length=20),
                field="submitted_on",
                required=True,
            )
            yield FormField(
                "Due", text_input(max_length=20, placeholder="MM/DD/YYYY"), field="due_on"
            )
            yield FormField("Cycle", text_input(max_length=3, placeholder="next"), field="cycle")
            yield Static("Notes (F7 selects all; Tab leaves the notes):", classes="notes-label")
            yield TextArea(id="notes", classes="notes-area", tab_behavior="focus")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.field("review_type").focus_control()

    def action_save(self) -> None:
        if self.saving:
            return
        self.clear_form()
        v = self.values()
        form = ReviewForm(
            v["review_type"] or "",
            v["reviewer"],
            v["status"] or "",
            v["submitted_on"],
            v["due_on"],
            v["cycle"],
            self.query_one("#notes", TextArea).text,
        )
        self.saving = True
        self.call_service(
            post_from_form,
            self.database,
            self.actor,
            self.number,
            form,
            on_done=self._posted,
            on_error=self._failed,
            group="review-post",
        )

    def _posted(self, row: ReviewRow) -> None:
        self.saving = False
        self.app.pop_screen()
        report = getattr(self.app.screen, "report", None)
        if callable(report):
            report(f"Posted {row.review_type} review, cycle {row.cycle}, {row.status}.")

    def _failed(self, exc: Exception) -> None:
        self.saving = False
        self.refused(exc)


class UpdateReviewScreen(DeskScreen, inherit_bindings=False):
    """Update one review: status, completed date, notes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="review-update.save", tooltip="Save the changes"),
        *DESK_BINDINGS,
    ]

    def __init__(self, number: str, row: ReviewRow) -> None:
        super().__init__()
        self.number = number
        self.row = row
        self.saving = False
        self.loaded = False

    def compose(self) -> ComposeResult:
        row = self.row
        done = f"{row.completed_on:%m/%d/%Y}" if row.completed_on else ""
        yield from self.compose_header()
        yield from self.compose_title(
            f"Update the {row.review_type} review (cycle {row.cycle}) on {self.number}"
        )
        with VerticalScroll(classes="desk-body"):
            yield Static(
                inert(
                    f"Reviewer: {row.reviewer}    Submitted: "
                    f"{calendar.format_day(row.submitted_on)}"
                ),
                classes="desk-note",
            )
            yield FormField(
                "Status",
                choice(STATUSES, value=row.status, allow_blank=False),
                field="status",
                required=True,
            )
            yield FormField(
                "Completed",
                text_input(done, max_length=20, placeholder="blank: today when final"),
                field="completed_on",
            )
            yield Static("Notes (F7 selects all; Tab leaves the notes):", classes="notes-label")
            yield TextArea(
                "Loading the notes...",
                id="notes",
                classes="notes-area",
                tab_behavior="focus",
                read_only=True,
            )
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.field("status").focus_control()
        self.call_service(
            reviews.review_notes,
            self.database,
            self.actor,
            self.row.review_id,
            on_done=self._notes,
            group="review-notes",
        )

    def _notes(self, notes: ReviewNotes) -> None:
        area = self.query_one("#notes", TextArea)
        area.text = defuse(notes.notes, keep_newlines=True)
        area.read_only = False
        self.loaded = True

    def action_save(self) -> None:
        if self.saving or not self.loaded:
            return
        self.clear_form()
        v = self.values()
        self.saving = True
        self.call_service(
            update_from_form,
            self.database,
            self.actor,
            self.row.review_id,
            v["status"] or "",
            v["completed_on"],
            self.query_one("#notes", TextArea).text,
            on_done=self._saved,
            on_error=self._failed,
            group="review-update",
        )

    def _saved(self, row: ReviewRow) -> None:
        self.saving = False
        self.app.pop_screen()
        report = getattr(self.app.screen, "report", None)
        if callable(report):
            report(f"Updated the {row.review_type} review: {row.status}.")

    def _failed(self, exc: Exception) -> None:
        self.saving = False
        self.refused(exc)


class ReviewDeskTable(DataTable[Any]):
    """A permit's reviews; the review keys live here."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "a",
            "screen.post",
            "Post review",
            id="review-desk.post",
            tooltip="Post a new review on this permit",
        ),
        Binding(
            "e",
            "screen.update",
            "Update",
            id="review-desk.update",
            tooltip="Update the highlighted review",
        ),
        Binding(
            "enter,m",
            "screen.more_info",
            "More Info",
            id="review-desk.more",
            tooltip="The reviewer's notes",
        ),
    ]


class ReviewDeskScreen(DeskScreen):
    """The reviews of the permit typed in the field."""

    def __init__(self) -> None:
        super().__init__()
        self.number = ""
        self.rows: tuple[ReviewRow, ...] = ()

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield from self.compose_title("Plan reviews")
        with Vertical(classes="desk-body"):
            yield Input(
                placeholder="Permit number, then Enter (e.g. A1806-065)",
                max_length=12,
                compact=True,
                id="review-permit",
            )
            yield Static("", id="review-count")
            table = ReviewDeskTable(id="review-table", cursor_type="row", cell_padding=0)
            for _, header, _width in COLUMNS:
                table.add_column(header + " ")
            yield table
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#review-permit", Input).focus()

    def on_screen_resume(self) -> None:
        if self.number:
            self._load(self.number)

    def report(self, words: str) -> None:
        self.say(words)

    @on(Input.Submitted, "#review-permit")
    def _typed(self, event: Input.Submitted) -> None:
        self.say("")
        self._load(event.value.strip().upper())

    def _load(self, number: str) -> None:
        self.call_service(
            reviews.reviews_for,
            self.database,
            self.actor,
            number,
            on_done=lambda rows: self._show(number, rows),
            on_error=self.refused,
            group="review-desk-load",
        )

    def _show(self, number: str, rows: tuple[ReviewRow, ...]) -> None:
        self.number, self.rows = number, rows
        table = self.query_one(ReviewDeskTable)
        row = table.cursor_row
        table.clear()
        for r in rows:
            table.add_row(*review_cells(r), key=str(r.review_id))
        if rows:
            table.move_cursor(row=min(max(row, 0), len(rows) - 1))
        words = (
            f"{number}: {len(rows)} review(s), newest submitted first"
            if rows
            else (f"{number}: no plan reviews yet (a posts one)")
        )
        self.query_one("#review-count", Static).update(inert(words))
        table.focus()

    @property
    def highlighted(self) -> ReviewRow | None:
        row = self.query_one(ReviewDeskTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def action_post(self) -> None:
        if self.number:
            self.app.push_screen(PostReviewScreen(self.number))

    def action_update(self) -> None:
        row = self.highlighted
        if row is not None:
            self.app.push_screen(UpdateReviewScreen(self.number, row))

    def action_more_info(self) -> None:
        row = self.highlighted
        if row is not None:
            self.app.push_screen(ReviewNotesScreen(row))

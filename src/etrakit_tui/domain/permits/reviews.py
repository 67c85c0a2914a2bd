"""Plan reviews: the *Reviews* tab (sortable by any column), *More Info*, and staff posting
and updating reviews.

The guide: "The best way to get the latest reviews is to sort by the Submitted Date", so the
default order is submitted date, newest first. Every order is total: rows equal on the
sorted column keep the review id order in the same direction, and empty dates (not yet due,
not yet completed) always come last.

Only staff (and the SYSTEM actor, for the CLI) may post or update a review; anyone else
gets the very ``NotFound`` a missing record gives, and the refusal is audited
(``access_denied``). Every change is one transaction with its audit line.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Integer, bindparam, func
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.errors import AccessDenied
from etrakit_tui.domain.inspections.calendar import format_day, local_today
from etrakit_tui.domain.permits.access import permit_facts, permit_for, permit_scoped, scoped_row
from etrakit_tui.domain.permits.views import ReviewNotes, ReviewRow, ReviewSort
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import (
    Review,
    ReviewStatus,
)
from etrakit_tui.domain.validation import FormErrors, clean_text

_SORT_KEYS: dict[ReviewSort, Callable[[ReviewRow], Any]] = {
    ReviewSort.REVIEW_TYPE: lambda r: r.review_type.casefold(),
    ReviewSort.REVIEWER: lambda r: r.reviewer.casefold(),
    ReviewSort.STATUS: lambda r: r.status,
    ReviewSort.SUBMITTED: lambda r: r.submitted_on,
    ReviewSort.DUE: lambda r: r.due_on,
    ReviewSort.COMPLETED: lambda r: r.completed_on,
    ReviewSort.CYCLE: lambda r: r.cycle,
}

MAX_NOTES = 4000


@functools.cache
def _reviews_statement() -> Any:
    return sa_select(
        col(Review.id),
        col(Review.review_type),
        col(Review.reviewer),
        col(Review.status),
        col(Review.submitted_on),
        col(Review.due_on),
        col(Review.completed_on),
        col(Review.cycle),
        col(Review.notes),
    ).where(col(Review.permit_id) == bindparam("permit", type_=Integer))


def review_rows_of(conn: Connection, permit_id: int) -> list[ReviewRow]:
    """*Reviews*, unordered (the caller sorts them: :func:`sort_reviews`)."""
    return [
        ReviewRow(
            rid, rtype, reviewer, status, submitted, due, completed, cycle, bool(notes.strip())
        )
        for rid, rtype, reviewer, status, submitted, due, completed, cycle, notes in conn.execute(
            _reviews_statement(), {"permit": permit_id}
        )
    ]


def sort_reviews(
    rows: Sequence[ReviewRow],
    sort: ReviewSort | str = ReviewSort.SUBMITTED,
    descending: bool = True,
) -> tuple[ReviewRow, ...]:
    """Order review rows by one column (empty values last, ties by review id)."""
    key = _SORT_KEYS[ReviewSort(sort)]
    present = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]
    present.sort(key=lambda r: (key(r), r.review_id), reverse=descending)
    missing.sort(key=lambda r: r.review_id, reverse=descending)
    return (*present, *missing)


@permit_scoped
def reviews_for(
    db: Database,
    actor: Actor,
    number: str,
    sort: ReviewSort | str = ReviewSort.SUBMITTED,
    descending: bool = True,
) -> tuple[ReviewRow, ...]:
    """The reviews of permit ``number`` ordered by ``sort`` (default: newest submitted first)."""
    with db.read_conn() as conn:
        permit = permit_facts(conn, actor, number)
        rows = review_rows_of(conn, permit.id)
    return sort_reviews(rows, sort, descending)


@permit_scoped
def review_notes(db: Database, actor: Actor, review_id: int) -> ReviewNotes:
    """*More Info*: the reviewer's notes on one review."""
    with db.read() as session:
        review, permit = scoped_row(session, actor, Review, review_id, what="review")
        assert review.id is not None
        return ReviewNotes(
            review_id=review.id,
            permit_number=permit.number,
            review_type=review.review_type,
            reviewer=review.reviewer,
            status=review.status,
            cycle=review.cycle,
            notes=review.notes,
        )


FINAL_REVIEW_STATUSES = (ReviewStatus.APPROVED, ReviewStatus.CORRECTIONS_REQUIRED)


# --------------------------------------------------------------------------- reviews


def _review_status(value: ReviewStatus | str, form: FormErrors) -> str:
    text = str(value).strip().upper()
    if text not in {s.value for s in ReviewStatus}:
        form.add("status", "Choose one of: " + ", ".join(s.value for s in ReviewStatus) + ".")
    return text


def _review_row(review: Review) -> ReviewRow:
    assert review.id is not None
    return ReviewRow(
        review.id,
        review.review_type,
        review.reviewer,
        review.status,
        review.submitted_on,
        review.due_on,
        review.completed_on,
        review.cycle,
        bool(review.notes.strip()),
    )


@permit_scoped
def post_review(
    db: Database,
    actor: Actor,
    number: str,
    review_type: str,
    reviewer: str,
    status: ReviewStatus | str,
    submitted_on: date,
    due_on: date | None = None,
    notes: str = "",
    cycle: int | None = None,
    completed_on: date | None = None,
) -> ReviewRow:
    """Post a plan review on permit ``number``. ``cycle`` defaults to one more than the
    permit's latest cycle of that review type; a review posted APPROVED or CORRECTIONS
    REQUIRED is completed today unless ``completed_on`` says otherwise."""
    now = db.now()
    form = FormErrors()
    with db.write() as s:
        permit = permit_for(s, actor, number, private=True, lock=True)
        if not actor.is_staff:
            raise AccessDenied("permit", actor=actor, target=permit.number, detail="post review")
        kind = (
            form.run(clean_text, review_type, "review_type", required=True, max_len=40) or ""
        ).upper()
        who = form.run(clean_text, reviewer, "reviewer", required=True, max_len=120) or ""
        state = _review_status(status, form)
        text = form.run(clean_text, notes, "notes", max_len=MAX_NOTES, multiline=True) or ""
        if due_on is not None and due_on < submitted_on:
            form.add("due_on", "The due date cannot be before the submitted date.")
        if cycle is not None and (isinstance(cycle, bool) or cycle < 1):
            form.add("cycle", "The cycle is 1 or more.")
        done = completed_on
        if done is None and state in {s.value for s in FINAL_REVIEW_STATUSES}:
            done = max(local_today(db.jurisdiction, now), submitted_on)
        if done is not None and done < submitted_on:
            form.add("completed_on", "The completed date cannot be before the submitted date.")
        form.raise_if_any()
        if cycle is None:
            latest = s.exec(
                select(func.max(Review.cycle)).where(
                    Review.permit_id == permit.id, Review.review_type == kind
                )
            ).one()
            cycle = (latest or 0) + 1
        assert permit.id is not None
        review = Review(
            permit_id=permit.id,
            cycle=cycle,
            review_type=kind,
            reviewer=who,
            status=state,
            submitted_on=submitted_on,
            due_on=due_on,
            completed_on=done,
            notes=text,
        )
        s.add(review)
        s.flush()
        audit.record(
            s,
            actor,
            "review_posted",
            at=now,
            target=permit.number,
            detail=f"review {review.id}: {kind} cycle {cycle} {state} by {who}",
        )
        return _review_row(review)


_UNSET = date.min


@permit_scoped
def update_review(
    db: Database,
    actor: Actor,
    review_id: int,
    *,
    status: ReviewStatus | str | None = None,
    completed_on: date | None = _UNSET,
    notes: str | None = None,
    due_on: date | None = _UNSET,
) -> ReviewRow:
    """Change a review's status, completed date, due date or notes (only what is given).
    Moving to APPROVED or CORRECTIONS REQUIRED completes it today unless ``completed_on``
    is given; moving back to SUBMITTED or IN REVIEW clears the completed date."""
    now = db.now()
    form = FormErrors()
    with db.write() as s:
        review, permit = scoped_row(s, actor, Review, review_id, what="review")
        if not actor.is_staff:
            raise AccessDenied(
                "review", actor=actor, target=permit.number, detail=f"update review {review_id}"
            )
        changes = []
        if status is not None:
            state = _review_status(status, form)
            if state != review.status:
                changes.append(f"status {review.status} -> {state}")
                final = state in {s.value for s in FINAL_REVIEW_STATUSES}
                if completed_on is _UNSET:
                    today = local_today(db.jurisdiction, now)
                    review.completed_on = max(today, review.submitted_on) if final else None
                review.status = state
        if completed_on is not _UNSET:
            if completed_on is not None and completed_on < review.submitted_on:
                form.add("completed_on", "The completed date cannot be before the submitted date.")
            review.completed_on = completed_on
        if due_on is not _UNSET:
            if due_on is not None and due_on < review.submitted_on:
                form.add("due_on", "The due date cannot be before the submitted date.")
            review.due_on = due_on
            changes.append("due date")
        if notes is not None:
            text = form.run(clean_text, notes, "notes", max_len=MAX_NOTES, multiline=True)
            if text is not None and text != review.notes:
                review.notes = text
                changes.append("notes")
        form.raise_if_any()
        if review.completed_on is not None:
            changes.append(f"completed {format_day(review.completed_on)}")
        s.add(review)
        s.flush()
        audit.record(
            s,
            actor,
            "review_updated",
            at=now,
            target=permit.number,
            detail=f"review {review_id}: " + ("; ".join(changes) or "no change"),
        )
        return _review_row(review)

"""Plan reviews: the *Reviews* tab (sortable by any column) and *More Info*.

The guide: "The best way to get the latest reviews is to sort by the Submitted Date", so the
default order is submitted date, newest first. Every order is total: rows equal on the
sorted column keep the review id order in the same direction, and empty dates (not yet due,
not yet completed) always come last.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlmodel import Session

from etrakit_tui.domain.access import permit_scoped, scoped_row
from etrakit_tui.domain.actors import Actor
from etrakit_tui.domain.db import Database
from etrakit_tui.domain.models import Review
from etrakit_tui.domain.permit_read import permit_facts, review_rows_of
from etrakit_tui.domain.readmodels import ReviewNotes, ReviewRow, ReviewSort

_SORT_KEYS: dict[ReviewSort, Callable[[ReviewRow], Any]] = {
    ReviewSort.REVIEW_TYPE: lambda r: r.review_type.casefold(),
    ReviewSort.REVIEWER: lambda r: r.reviewer.casefold(),
    ReviewSort.STATUS: lambda r: r.status,
    ReviewSort.SUBMITTED: lambda r: r.submitted_on,
    ReviewSort.DUE: lambda r: r.due_on,
    ReviewSort.COMPLETED: lambda r: r.completed_on,
    ReviewSort.CYCLE: lambda r: r.cycle,
}


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


def review_rows(session: Session, permit_id: int) -> tuple[ReviewRow, ...]:
    """The reviews of a permit already authorized by the caller, in the default order."""
    return sort_reviews(review_rows_of(session.connection(), permit_id))


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

"""The *Reviews* tab: newest submitted first by default, every column sortable both ways,
and *More Info* shows the reviewer's notes only to those who may see the permit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.errors import NotFound
from etrakit_tui.domain.permits.reviews import review_notes, reviews_for
from etrakit_tui.domain.permits.views import ReviewSort
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import AuditEvent
from tests.support.readside import Builder

# Inserted in this order (so review ids increase along it). BUILDING and ACCESSIBILITY share a
# cycle; FIRE and ACCESSIBILITY share a submitted date: ties break by review id.
REVIEWS = [
    ("BUILDING", "Carol", "APPROVED", date(2026, 11, 1), date(2026, 11, 15), date(2026, 11, 10), 1),
    ("FIRE", "alice", "SUBMITTED", date(2026, 11, 12), None, None, 2),
    ("PLANNING", "Bob", "CORRECTIONS REQUIRED", date(2026, 11, 5), date(2026, 11, 20),
     date(2026, 11, 9), 3),
    ("ACCESSIBILITY", "Dave", "IN REVIEW", date(2026, 11, 12), date(2026, 11, 25), None, 1),
]  # fmt: skip

ASCENDING = {
    ReviewSort.REVIEW_TYPE: ["ACCESSIBILITY", "BUILDING", "FIRE", "PLANNING"],
    ReviewSort.REVIEWER: ["FIRE", "PLANNING", "BUILDING", "ACCESSIBILITY"],  # alice, Bob, ...
    ReviewSort.STATUS: ["BUILDING", "PLANNING", "ACCESSIBILITY", "FIRE"],
    ReviewSort.SUBMITTED: ["BUILDING", "PLANNING", "FIRE", "ACCESSIBILITY"],
    ReviewSort.DUE: ["BUILDING", "PLANNING", "ACCESSIBILITY", "FIRE"],  # no due date: last
    ReviewSort.COMPLETED: ["PLANNING", "BUILDING", "FIRE", "ACCESSIBILITY"],
    ReviewSort.CYCLE: ["BUILDING", "ACCESSIBILITY", "FIRE", "PLANNING"],
}
DESCENDING = {
    ReviewSort.REVIEW_TYPE: ["PLANNING", "FIRE", "BUILDING", "ACCESSIBILITY"],
    ReviewSort.REVIEWER: ["ACCESSIBILITY", "BUILDING", "PLANNING", "FIRE"],
    ReviewSort.STATUS: ["FIRE", "ACCESSIBILITY", "PLANNING", "BUILDING"],
    ReviewSort.SUBMITTED: ["ACCESSIBILITY", "FIRE", "PLANNING", "BUILDING"],
    ReviewSort.DUE: ["ACCESSIBILITY", "PLANNING", "BUILDING", "FIRE"],
    ReviewSort.COMPLETED: ["BUILDING", "PLANNING", "ACCESSIBILITY", "FIRE"],
    ReviewSort.CYCLE: ["PLANNING", "FIRE", "ACCESSIBILITY", "BUILDING"],
}


def _plan_check(db: Database) -> tuple[Actor, Actor, dict[str, int]]:
    b = Builder(db)
    owner = b.company("CITY OF HEMET")
    stranger = b.company("NOSY NEIGHBOUR LLC")
    pid = b.permit("A1806-065", companies=(owner,), permit_type="ACCESSIBILITY", status="ACTIVE")
    ids = {}
    for kind, reviewer, status, submitted, due, completed, cycle in REVIEWS:
        ids[kind] = b.review(
            pid,
            kind,
            reviewer=reviewer,
            status=status,
            submitted_on=submitted,
            due_on=due,
            completed_on=completed,
            cycle=cycle,
            notes=f"Notes of {reviewer}: revise sheet A{cycle}." if kind != "FIRE" else "",
        )
    return owner, stranger, ids


def test_default_order_is_newest_submitted_first(db: Database) -> None:
    owner, _, _ = _plan_check(db)
    rows = reviews_for(db, owner, "A1806-065")
    assert [r.review_type for r in rows] == DESCENDING[ReviewSort.SUBMITTED]
    assert rows[0].submitted_on == date(2026, 11, 12)


@pytest.mark.parametrize("sort", list(ReviewSort))
@pytest.mark.parametrize("descending", [False, True])
def test_each_column_sorts_both_ways(db: Database, sort: ReviewSort, descending: bool) -> None:
    owner, _, _ = _plan_check(db)
    rows = reviews_for(db, owner, "A1806-065", sort=sort, descending=descending)
    expected = (DESCENDING if descending else ASCENDING)[sort]
    assert [r.review_type for r in rows] == expected


def test_sort_accepts_the_column_name(db: Database) -> None:
    owner, _, _ = _plan_check(db)
    rows = reviews_for(db, owner, "A1806-065", sort="cycle", descending=False)
    assert [r.cycle for r in rows] == [1, 1, 2, 3]


def test_more_info_shows_the_reviewers_notes(db: Database) -> None:
    owner, _, ids = _plan_check(db)
    rows = {r.review_type: r for r in reviews_for(db, owner, "A1806-065")}
    assert rows["PLANNING"].has_notes and not rows["FIRE"].has_notes
    notes = review_notes(db, owner, ids["PLANNING"])
    assert notes.notes == "Notes of Bob: revise sheet A3."
    assert (notes.permit_number, notes.reviewer, notes.cycle) == ("A1806-065", "Bob", 3)


def test_another_company_cannot_read_reviews_or_notes(db: Database) -> None:
    _, stranger, ids = _plan_check(db)
    with pytest.raises(NotFound, match=r"^permit not found$"):
        reviews_for(db, stranger, "A1806-065")
    with pytest.raises(NotFound, match=r"^review not found$"):
        review_notes(db, stranger, ids["PLANNING"])
    with pytest.raises(NotFound, match=r"^review not found$"):
        review_notes(db, stranger, 999_999)
    with db.read() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.actor_id == stranger.id)).all()
    assert [(e.action, e.target, e.outcome) for e in events] == [
        ("access_denied", "A1806-065", "denied"),
        ("access_denied", "A1806-065", "denied"),
    ]

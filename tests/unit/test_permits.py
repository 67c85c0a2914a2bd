"""Dashboard lists and permit detail, as a contractor, an inspector and staff see them.

The clock stands at Wed 2026-11-18 10:00 in Hemet (see conftest)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlmodel import select

from etrakit_tui.domain.accounts.actors import ANONYMOUS, Actor
from etrakit_tui.domain.errors import NotFound
from etrakit_tui.domain.permits.attachments import attachment_content
from etrakit_tui.domain.permits.dashboard import (
    active_inspections_page,
    active_permits_page,
    dashboard,
    expired_permits_page,
)
from etrakit_tui.domain.permits.detail import parcel_info, permit_detail
from etrakit_tui.domain.permits.views import Dashboard, DashboardAfter, Page
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import AuditEvent
from tests.support.readside import Builder

TODAY = date(2026, 11, 18)


@dataclass
class City:
    acme: Actor
    other: Actor
    inspector: Actor
    staff: Actor
    ids: dict[str, int]


def _city(db: Database) -> City:
    b = Builder(db)
    acme = b.company("ACME ELECTRIC INC")
    other = b.company("OTHER BUILDERS")
    inspector = b.staff("inspector", role="inspector", full_name="Ivan Inspector")
    staff = b.staff("admin")
    final = b.inspection_type("ELECTRICAL", "FINAL", "FINAL", is_final=True)
    rough = b.inspection_type("ELECTRICAL", "ROUGH", "ROUGH ELECTRICAL")
    b.inspection_type("ACCESSIBILITY", "FINAL", "FINAL")
    ids = {
        "plan": b.permit(
            "A2611-001", companies=(acme,), permit_type="ACCESSIBILITY", status="IN REVIEW"
        ),
        "open": b.permit(
            "B2611-001",
            companies=(acme,),
            address="3800 THORN ST",
            apn="448-123-017",
            issued_on=date(2026, 10, 1),
            expires_on=date(2027, 3, 30),
        ),
        "lapsed": b.permit(
            "B2611-002", companies=(acme,), status="ACTIVE", expires_on=TODAY.replace(day=17)
        ),
        "expired": b.permit(
            "B2611-003", companies=(acme,), status="EXPIRED", expires_on=date(2026, 5, 1)
        ),
        "finaled": b.permit(
            "B2611-004",
            companies=(acme,),
            status="FINALED",
            finaled_on=date(2026, 9, 1),
            expires_on=date(2026, 3, 1),
        ),
        "void": b.permit("B2611-005", companies=(acme,), status="VOID"),
        "today": b.permit("B2611-006", companies=(acme,), expires_on=TODAY),
        "held": b.permit("B2611-007", companies=(acme,), on_hold=True),
        "fence": b.permit("B2611-008", companies=(acme,), permit_type="FENCE"),
        "theirs": b.permit("B2611-009", companies=(other,), address="1 OTHER WAY"),
        "final": final,
        "rough": rough,
    }
    b.fee(ids["open"], "PERMIT", 12_345)
    b.payment(ids["open"], 2_345)
    b.fee(ids["lapsed"], "PERMIT", 500)
    b.inspection(ids["open"], rough, date(2026, 11, 20), "PM")
    b.inspection(
        ids["open"], final, date(2026, 11, 20), "AM", status="SCHEDULED", inspector_id=inspector.id
    )
    b.inspection(ids["open"], rough, date(2026, 11, 10), status="PASSED")
    b.inspection(ids["open"], rough, date(2026, 11, 19), status="CANCELLED")
    b.inspection(ids["theirs"], rough, date(2026, 11, 19))
    return City(acme, other, inspector, staff, ids)


def test_dashboard_sorts_a_companys_permits_into_active_and_expired(any_db: Database) -> None:
    city = _city(any_db)
    board = dashboard(any_db, city.acme)

    active = {r.number: r for r in board.active_permits.items}
    assert list(active) == ["A2611-001", "B2611-001", "B2611-006", "B2611-007", "B2611-008"]
    expired = {r.number: r for r in board.expired_permits.items}
    assert list(expired) == ["B2611-002", "B2611-003"]
    assert expired["B2611-002"].status == "ACTIVE"
    assert expired["B2611-002"].expired_on == date(2026, 11, 17)
    assert expired["B2611-002"].fees_due_cents == 500

    assert active["A2611-001"].is_plan_check
    assert active["B2611-001"].address == "3800 THORN ST"
    assert active["B2611-001"].fees_due_cents == 10_000
    assert active["B2611-006"].expires_on == TODAY  # expiring today is still active
    # Request shows only where an inspection may be requested.
    assert {n for n, r in active.items() if r.can_request} == {"B2611-001", "B2611-006"}

    assert board.active_permits.total == len(board.active_permits.items) == 5
    assert board.expired_permits.total == len(board.expired_permits.items) == 2


def test_dashboard_lists_open_inspections_by_date_with_am_before_pm(any_db: Database) -> None:
    city = _city(any_db)
    page = dashboard(any_db, city.acme).active_inspections

    assert [(r.record_no, r.date, r.period, r.status) for r in page.items] == [
        ("B2611-001", date(2026, 11, 20), "AM", "SCHEDULED"),
        ("B2611-001", date(2026, 11, 20), "PM", "REQUESTED"),
    ]
    first = page.items[0]
    assert (first.record_type, first.record_status) == ("PERMIT", "ISSUED")
    assert (first.address, first.inspection_type) == ("3800 THORN ST", "FINAL")
    assert first.inspector_name == "Ivan Inspector"
    assert page.total == 2
    # The guide: an inspection is active once an inspector's name has been assigned.
    assert [r.state for r in page.items] == ["Scheduled: Ivan Inspector", "Requested"]


def test_dashboard_never_shows_another_companys_permits(any_db: Database) -> None:
    city = _city(any_db)
    board = dashboard(any_db, city.other)
    assert [r.number for r in board.active_permits.items] == ["B2611-009"]
    assert [r.record_no for r in board.active_inspections.items] == ["B2611-009"]
    assert board.expired_permits.items == ()
    assert board.expired_permits.total == 0


def test_a_permit_naming_the_company_twice_is_listed_and_counted_once(any_db: Database) -> None:
    b = Builder(any_db)
    acme = b.company("ACME ELECTRIC INC")
    b.permit("B2611-001", companies=(acme, acme))
    b.permit("B2611-002", companies=(acme,), status="EXPIRED", expires_on=date(2026, 5, 1))
    board = dashboard(any_db, acme)
    assert [r.number for r in board.active_permits.items] == ["B2611-001"]
    assert [r.number for r in board.expired_permits.items] == ["B2611-002"]
    assert (board.active_permits.total, board.expired_permits.total) == (1, 1)


def test_a_company_with_300_permits_pages_through_each_exactly_once(any_db: Database) -> None:
    b = Builder(any_db)
    big = b.company("BIG BUILDERS")
    b.many_permits("B2610", 300, company=big)
    b.many_permits("B2609", 5, company=b.company("SMALL"))

    seen: list[str] = []
    key: str | None = None
    pages = 0
    while True:
        page = active_permits_page(any_db, big, after_key=key, limit=50)
        assert page.total == 300
        assert len(page.items) <= 50
        seen.extend(r.number for r in page.items)
        pages += 1
        key = page.next_key
        if key is None:
            break
    assert pages == 6
    assert seen == [f"B2610-{n:03d}" for n in range(1, 301)]

    board = dashboard(any_db, big, page_size=50)
    assert len(board.active_permits.items) == 50
    assert board.active_permits.total == 300
    after = DashboardAfter(active_permits=board.active_permits.next_key)
    assert dashboard(any_db, big, after=after).active_permits.items[0].number == "B2610-051"


def test_expired_and_inspection_lists_page_by_key(any_db: Database) -> None:
    city = _city(any_db)
    b = Builder(any_db)
    for day in (21, 21, 23):
        for period in ("PM", "AM"):
            b.inspection(city.ids["open"], city.ids["rough"], date(2026, 11, day), period)
    keys: list[tuple[date, str]] = []
    key = None
    while True:
        page = active_inspections_page(any_db, city.acme, after_key=key, limit=3)
        assert page.total == 8
        keys.extend((r.date, r.period) for r in page.items)
        key = page.next_key
        if key is None:
            break
    assert len(keys) == 8
    assert keys == sorted(keys)

    first = expired_permits_page(any_db, city.acme, limit=1)
    second = expired_permits_page(any_db, city.acme, after_key=first.next_key, limit=1)
    assert [r.number for r in first.items + second.items] == ["B2611-002", "B2611-003"]
    assert second.next_key is None


@pytest.mark.parametrize("size", [1, 2, 3, 50])
def test_the_dashboards_first_pages_are_the_lists_first_pages(any_db: Database, size: int) -> None:
    """The dashboard reads a company's three first pages at once; the screen pages on with
    the list services: both agree on rows, totals and the key of the next page."""
    city = _city(any_db)
    b = Builder(any_db)
    for day in (21, 23):
        b.inspection(city.ids["open"], city.ids["rough"], date(2026, 11, day), "AM")
    board = dashboard(any_db, city.acme, page_size=size)
    assert board.active_permits == active_permits_page(any_db, city.acme, limit=size)
    assert board.expired_permits == expired_permits_page(any_db, city.acme, limit=size)
    assert board.active_inspections == active_inspections_page(any_db, city.acme, limit=size)
    assert (board.active_permits.total, board.expired_permits.total) == (5, 2)
    assert board.active_inspections.total == 4


def test_a_company_with_nothing_open_gets_empty_lists(any_db: Database) -> None:
    b = Builder(any_db)
    board = dashboard(any_db, b.company("NEW BUILDERS"))
    for page in (board.active_permits, board.active_inspections, board.expired_permits):
        assert (page.items, page.total, page.next_key) == ((), 0, None)


def test_permit_detail_shows_every_tab_of_an_own_permit(db: Database) -> None:
    city = _city(db)
    b = Builder(db)
    pid = city.ids["open"]
    b.condition(pid, "SMOKE DETECTORS", "Hard-wired in every bedroom")
    b.review(pid, "ELECTRICAL", submitted_on=date(2026, 9, 1))
    b.review(pid, "BUILDING", submitted_on=date(2026, 9, 20), notes="Fix sheet E2")
    att = b.attachment(pid, "correction.txt", b"Correct the panel schedule", "text/plain")

    detail = permit_detail(db, city.acme, "b2611-001")

    assert detail.info.number == "B2611-001"
    assert (detail.info.permit_type, detail.info.status) == ("ELECTRICAL", "ISSUED")
    assert detail.info.issued_on == date(2026, 10, 1)
    assert detail.info.expires_on == date(2027, 3, 30)
    assert detail.site is not None
    assert (detail.site.apn, detail.site.address, detail.site.zoning) == (
        "448-123-017",
        "3800 THORN ST",
        "R-1",
    )
    [contact] = detail.contacts
    assert (contact.name, contact.phone, contact.email) == (
        "ACME ELECTRIC INC",
        "(951) 555-0100",
        "office@example.com",
    )
    assert contact.is_viewer
    assert [(i.date, i.period, i.status) for i in detail.inspections] == [
        (date(2026, 11, 20), "PM", "REQUESTED"),
        (date(2026, 11, 20), "AM", "SCHEDULED"),
        (date(2026, 11, 19), "AM", "CANCELLED"),
        (date(2026, 11, 10), "AM", "PASSED"),
    ]
    assert detail.inspections[1].inspector_name == "Ivan Inspector"
    assert [c.name for c in detail.conditions] == ["SMOKE DETECTORS"]
    assert [r.review_type for r in detail.reviews] == ["BUILDING", "ELECTRICAL"]
    assert detail.reviews[0].has_notes and not detail.reviews[1].has_notes
    [attachment] = detail.attachments
    assert (attachment.filename, attachment.size, attachment.content_type) == (
        "correction.txt",
        26,
        "text/plain",
    )
    assert detail.fees.amount_due_cents == 10_000
    assert detail.can_request
    assert detail.flags.may_request_inspection and detail.flags.may_cancel_inspections
    assert not detail.flags.may_record_payment and not detail.flags.may_post_reviews

    assert attachment_content(db, city.acme, att) == (
        "correction.txt",
        "text/plain",
        b"Correct the panel schedule",
    )
    site = parcel_info(db, city.acme, "B2611-001")
    assert site is not None and site.owner_name == "OWNER OF 3800 THORN ST"


def test_staff_may_record_payments_and_see_any_permit(db: Database) -> None:
    city = _city(db)
    detail = permit_detail(db, city.staff, "B2611-009")
    assert detail.flags.may_post_reviews
    assert not detail.flags.may_record_payment  # nothing is due
    assert permit_detail(db, city.staff, "B2611-001").flags.may_record_payment


def _denials(db: Database, actor: Actor) -> list[AuditEvent]:
    with db.read() as s:
        return list(
            s.exec(
                select(AuditEvent).where(
                    AuditEvent.action == "access_denied", AuditEvent.actor_id == actor.id
                )
            )
        )


def test_another_company_gets_not_found_and_an_audit_line(any_db: Database) -> None:
    city = _city(any_db)

    with pytest.raises(NotFound) as refused:
        permit_detail(any_db, city.other, "B2611-001")
    with pytest.raises(NotFound) as missing:
        permit_detail(any_db, city.other, "B9999-999")
    assert str(refused.value) == str(missing.value) == "permit not found"

    [event] = _denials(any_db, city.other)
    assert (event.target, event.outcome, event.actor_kind) == ("B2611-001", "denied", "company")


def test_an_inspector_sees_only_permits_of_their_inspections(db: Database) -> None:
    city = _city(db)
    assert permit_detail(db, city.inspector, "B2611-001").flags.may_record_results
    with pytest.raises(NotFound):
        permit_detail(db, city.inspector, "B2611-009")
    assert [e.target for e in _denials(db, city.inspector)] == ["B2611-009"]
    board = dashboard(db, city.inspector)
    assert [r.number for r in board.active_permits.items] == ["B2611-001"]


# --------------------------------------------------------------------------- every kind of account


def _walk(
    service: Callable[..., Page[Any, Any]], db: Database, actor: Actor, size: int
) -> tuple[list[Any], set[int]]:
    """Every row of a list, page after page as *Next* shows them, and the totals shown."""
    rows: list[Any] = []
    totals: set[int] = set()
    key: Any = None
    while True:
        page = service(db, actor, after_key=key, limit=size)
        assert len(page.items) <= size
        rows.extend(page.items)
        totals.add(page.total or 0)
        key = page.next_key
        if key is None:
            return rows, totals


@pytest.mark.parametrize("size", [1, 2, 50])
def test_an_inspector_staff_and_anonymous_page_through_their_lists(
    any_db: Database, size: int
) -> None:
    city = _city(any_db)
    b = Builder(any_db)
    ivan = city.inspector.id
    b.inspection(city.ids["lapsed"], city.ids["rough"], date(2026, 11, 12), status="PASSED",
                 inspector_id=ivan)  # fmt: skip
    b.inspection(city.ids["held"], city.ids["rough"], date(2026, 11, 23), "PM",
                 status="SCHEDULED", inspector_id=ivan)  # fmt: skip
    nov = functools.partial(date, 2026, 11)
    expected = {
        city.inspector: (
            ["B2611-001", "B2611-007"],
            [("B2611-001", nov(20), "AM"), ("B2611-001", nov(20), "PM"),
             ("B2611-007", nov(23), "PM")],
            ["B2611-002"],
        ),
        city.staff: (
            ["A2611-001", "B2611-001", "B2611-006", "B2611-007", "B2611-008", "B2611-009"],
            [("B2611-009", nov(19), "AM"), ("B2611-001", nov(20), "AM"),
             ("B2611-001", nov(20), "PM"), ("B2611-007", nov(23), "PM")],
            ["B2611-002", "B2611-003"],
        ),
        ANONYMOUS: ([], [], []),
    }  # fmt: skip
    for actor, (active_nos, open_keys, expired_nos) in expected.items():
        active, active_totals = _walk(active_permits_page, any_db, actor, size)
        inspections, inspection_totals = _walk(active_inspections_page, any_db, actor, size)
        expired, expired_totals = _walk(expired_permits_page, any_db, actor, size)
        assert [r.number for r in active] == active_nos, actor
        assert [(r.record_no, r.date, r.period) for r in inspections] == open_keys, actor
        assert [r.number for r in expired] == expired_nos, actor
        assert active_totals == {len(active_nos)}
        assert inspection_totals == {len(open_keys)}
        assert expired_totals == {len(expired_nos)}

        # The dashboard's later pages are the rows after its first pages' keys.
        first = dashboard(any_db, actor, page_size=size)
        later = dashboard(
            any_db,
            actor,
            page_size=size,
            after=DashboardAfter(
                active_permits=first.active_permits.next_key,
                active_inspections=first.active_inspections.next_key,
                expired_permits=first.expired_permits.next_key,
            ),
        )

        def shown_later(rows: list[Any], key: Any) -> list[Any]:
            return rows[size : 2 * size] if key is not None else rows[:size]

        assert [r.number for r in first.active_permits.items] == active_nos[:size]
        assert [r.number for r in later.active_permits.items] == shown_later(
            active_nos, first.active_permits.next_key
        )
        assert [r.number for r in later.expired_permits.items] == shown_later(
            expired_nos, first.expired_permits.next_key
        )
        assert [
            (r.record_no, r.date, r.period) for r in later.active_inspections.items
        ] == shown_later(open_keys, first.active_inspections.next_key)
        assert later.active_permits.total == len(active_nos)

    staff_rows = {r.number: r for r in _walk(active_permits_page, any_db, city.staff, size)[0]}
    requestable = {n for n, r in staff_rows.items() if r.can_request}
    assert requestable == {"B2611-001", "B2611-006", "B2611-009"}
    assert staff_rows["B2611-009"].address == "1 OTHER WAY"
    route = _walk(active_inspections_page, any_db, city.inspector, size)
    assert [r.state for r in route[0]] == [
        "Scheduled: Ivan Inspector",
        "Requested",
        "Scheduled: Ivan Inspector",
    ]


def test_a_page_after_the_lists_end_is_empty_and_keeps_the_total(any_db: Database) -> None:
    """A key handed out before the rows after it went (another session finaled them) shows
    an empty page that still counts the list."""
    city = _city(any_db)
    end = (date(2027, 1, 1), "PM", 10**9)
    for actor, active_total, open_total in ((city.acme, 5, 2), (city.staff, 6, 3)):
        page = active_permits_page(any_db, actor, after_key="B2611-999")
        assert (page.items, page.next_key, page.total) == ((), None, active_total)
        expired = expired_permits_page(any_db, actor, after_key="B2611-999")
        assert (expired.items, expired.next_key, expired.total) == ((), None, 2)
        inspections = active_inspections_page(any_db, actor, after_key=end)
        assert (inspections.items, inspections.next_key, inspections.total) == (
            (),
            None,
            open_total,
        )
        board = dashboard(any_db, actor, after=DashboardAfter("B2611-999", end, "B2611-999"))
        assert board == Dashboard(page, inspections, expired)

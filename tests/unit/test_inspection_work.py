"""After the request: the upcoming list, cancelling before the cutoff, the daily assignment,
the inspector's route and recording results (expiry, failed-inspection email)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from etrakit_tui.domain.accounts.actors import SYSTEM
from etrakit_tui.domain.errors import NotFound, RuleViolation
from etrakit_tui.domain.inspections.assignment import (
    assign_inspections,
    assign_inspector,
    route_for,
)
from etrakit_tui.domain.inspections.cancel import cancel_inspection
from etrakit_tui.domain.inspections.requests import upcoming_for_company
from etrakit_tui.domain.inspections.results import record_result
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import Company, Inspection, Outbox, Permit, StaffUser
from tests.support.factories import make_inspection_types, make_permit
from tests.support.inspection_scene import (
    PERMIT,
    THU,
    Scene,
    audit_lines,
    booked,
    build_scene,
    count,
    hemet,
    on_the_day,
    request,
)


@pytest.fixture
def scene(db: Database) -> Scene:
    return build_scene(db)


def inspection(db: Database, iid: int) -> Inspection:
    with db.read() as s:
        row = s.get(Inspection, iid)
        assert row is not None
        return row


def add_permit(db: Database, scene: Scene, number: str, district: str, address: str) -> str:
    with db.write() as s:
        make_permit(
            s, number, company=s.get(Company, scene.acme.id), district=district, address=address
        )
    return number


# --------------------------------------------------------------------------- upcoming & cancel


def test_upcoming_lists_the_companys_own_open_inspections(db: Database, scene: Scene) -> None:
    (iid,) = request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    (mine,) = upcoming_for_company(db, scene.acme)
    assert (mine.id, mine.permit_number, mine.type_name, mine.can_cancel) == (
        iid,
        PERMIT,
        "Rough electrical",
        True,
    )
    assert mine.cancel_deadline == hemet(2026, 11, 19, 7)
    assert upcoming_for_company(db, scene.other) == []


def test_cancel_at_0659_frees_the_place(db: Database, scene: Scene, clock: FixedClock) -> None:
    (iid,) = request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    clock.set(hemet(2026, 11, 19, 6, 59))
    view = cancel_inspection(db, scene.acme, iid)
    assert view.status == "CANCELLED"
    row = inspection(db, iid)
    assert row.cancelled_at == hemet(2026, 11, 19, 6, 59)
    assert booked(db, "NORTH", THU, "AM") == 0
    assert upcoming_for_company(db, scene.acme) == []
    assert audit_lines(db, "inspection_cancelled", "ok")[0].target == PERMIT


def test_cancel_at_0700_is_refused_with_the_phone_number(
    db: Database, scene: Scene, clock: FixedClock
) -> None:
    (iid,) = request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    clock.set(hemet(2026, 11, 19, 7, 0))
    assert not upcoming_for_company(db, scene.acme)[0].can_cancel
    with pytest.raises(RuleViolation) as info:
        cancel_inspection(db, scene.acme, iid)
    assert db.jurisdiction.cancel_refusal() in str(info.value)
    assert "call (951) 765-2475 after 7:30am" in str(info.value)
    assert inspection(db, iid).status == "REQUESTED"
    assert booked(db, "NORTH", THU, "AM") == 1
    assert audit_lines(db, "inspection_cancelled", "refused")


@pytest.mark.parametrize(
    ("asked_on", "day"),
    [
        (hemet(2026, 3, 6, 10), date(2026, 3, 9)),  # Monday after spring-forward (PDT)
        (hemet(2026, 10, 30, 10), date(2026, 11, 2)),  # Monday after fall-back (PST)
    ],
)
def test_cancel_cutoff_across_dst(
    db: Database, scene: Scene, clock: FixedClock, asked_on: datetime, day: date
) -> None:
    with db.write() as s:
        make_inspection_types(s, "ELECTRICAL", [("SERVICE", "Service upgrade")])
        permit = s.exec(select(Permit).where(Permit.number == PERMIT)).one()
        permit.expires_on = date(2027, 6, 1)
        s.add(permit)
    clock.set(asked_on)
    early, late = request(db, scene.acme, PERMIT, ("ROUGH", day, "AM"), ("SERVICE", day, "PM"))
    clock.set(hemet(day.year, day.month, day.day, 6, 59))
    assert cancel_inspection(db, scene.acme, early).status == "CANCELLED"
    clock.set(hemet(day.year, day.month, day.day, 7, 0))
    with pytest.raises(RuleViolation, match="call \\(951\\) 765-2475 after 7:30am"):
        cancel_inspection(db, scene.acme, late)
    assert inspection(db, late).status == "REQUESTED"


def test_staff_may_cancel_after_the_cutoff(db: Database, scene: Scene, clock: FixedClock) -> None:
    (iid,) = request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    clock.set(hemet(2026, 11, 19, 7, 45))
    assert cancel_inspection(db, scene.clerk, iid).status == "CANCELLED"
    assert booked(db, "NORTH", THU, "AM") == 0


def test_another_company_cannot_cancel(db: Database, scene: Scene) -> None:
    (iid,) = request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    with pytest.raises(NotFound, match="inspection not found"):
        cancel_inspection(db, scene.other, iid)
    with pytest.raises(NotFound, match="inspection not found"):
        cancel_inspection(db, scene.ana, iid)
    assert inspection(db, iid).status == "REQUESTED"
    assert [line.actor_id for line in audit_lines(db, "access_denied")] == [
        scene.other.id,
        scene.ana.id,
    ]


def test_cancelling_twice_is_refused(db: Database, scene: Scene) -> None:
    (iid,) = request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    cancel_inspection(db, scene.acme, iid)
    with pytest.raises(RuleViolation, match="already CANCELLED"):
        cancel_inspection(db, scene.acme, iid)
    assert booked(db, "NORTH", THU, "AM") == 0


# --------------------------------------------------------------------------- assignment


def _thursday_requests(db: Database, scene: Scene) -> dict[str, int]:
    """Four NORTH inspections, one SOUTH and one EAST (no inspector lives in EAST)."""
    ids = {}
    for number, district in [
        ("B2610-001", "NORTH"),
        ("B2610-002", "NORTH"),
        ("B2610-003", "NORTH"),
        ("B2610-004", "NORTH"),
        ("B2610-005", "SOUTH"),
        ("B2610-006", "EAST"),
    ]:
        if number != PERMIT:
            add_permit(db, scene, number, district, f"{number[-1]}00 MAIN ST")
        (ids[number],) = request(db, scene.acme, number, ("ROUGH", THU, "AM"))
    return ids


def test_daily_assignment_is_round_robin_within_the_district(
    db: Database, scene: Scene, clock: FixedClock
) -> None:
    ids = _thursday_requests(db, scene)
    clock.set(hemet(2026, 11, 19, 6, 0))
    report = assign_inspections(db, SYSTEM)
    assert report.day == THU
    by_permit = {a.permit_number: a.inspector for a in report.assigned}
    north = [by_permit[n] for n in ("B2610-001", "B2610-002", "B2610-003", "B2610-004")]
    assert sorted(north) == ["ana", "ana", "ben", "ben"]
    assert north[0] != north[1] and north[2] != north[3]
    assert by_permit["B2610-005"] == "cy"  # SOUTH's own inspector
    assert by_permit["B2610-006"] == "cy"  # EAST has none: the least busy of all
    assert report.unassigned == ()
    row = inspection(db, ids["B2610-001"])
    assert row.status == "SCHEDULED" and row.scheduled_at == hemet(2026, 11, 19, 6, 0)
    assert "6 inspection(s) assigned" in str(report)
    assert len(audit_lines(db, "inspector_assigned")) == 6


def test_daily_assignment_is_idempotent(db: Database, scene: Scene, clock: FixedClock) -> None:
    _thursday_requests(db, scene)
    clock.set(hemet(2026, 11, 19, 6, 0))
    first = assign_inspections(db, SYSTEM, THU)
    with db.read() as s:
        before = [(i.id, i.inspector_id, i.status) for i in s.exec(select(Inspection)).all()]
    again = assign_inspections(db, SYSTEM, THU)
    with db.read() as s:
        after = [(i.id, i.inspector_id, i.status) for i in s.exec(select(Inspection)).all()]
    assert len(first.assigned) == 6
    assert again.assigned == () and again.unassigned == ()
    assert before == after


def test_disabled_inspectors_get_nothing(db: Database, scene: Scene) -> None:
    request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    with db.write() as s:
        for user in s.exec(select(StaffUser).where(StaffUser.role == "inspector")).all():
            user.disabled = user.username != "ben"
            s.add(user)
    report = assign_inspections(db, scene.clerk, THU)
    assert [a.inspector for a in report.assigned] == ["ben"]


def test_without_any_active_inspector_inspections_stay_requested(
    db: Database, scene: Scene
) -> None:
    (iid,) = request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    with db.write() as s:
        for user in s.exec(select(StaffUser).where(StaffUser.role == "inspector")).all():
            user.disabled = True
            s.add(user)
    report = assign_inspections(db, SYSTEM, THU)
    assert report.assigned == () and report.unassigned == (iid,)
    assert inspection(db, iid).status == "REQUESTED"


def test_only_staff_run_the_assignment(db: Database, scene: Scene) -> None:
    request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    for actor in (scene.acme, scene.ana):
        with pytest.raises(NotFound):
            assign_inspections(db, actor, THU)
    assert count(db, Inspection, Inspection.status == "SCHEDULED") == 0


def test_assign_by_hand(db: Database, scene: Scene) -> None:
    (iid,) = request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    with pytest.raises(RuleViolation, match="'clerk' is not an active inspector"):
        assign_inspector(db, scene.clerk, iid, "clerk")
    with pytest.raises(NotFound):
        assign_inspector(db, scene.acme, iid, "ana")
    view = assign_inspector(db, scene.clerk, iid, "cy")
    assert (view.status, view.inspector_name) == ("SCHEDULED", "Cy Tran")
    assert assign_inspector(db, scene.clerk, iid, "ana").inspector_name == "Ana Ruiz"
    assert assign_inspections(db, SYSTEM, THU).assigned == ()  # already scheduled


# --------------------------------------------------------------------------- route


def test_route_lists_the_inspectors_day_am_first(db: Database, scene: Scene) -> None:
    add_permit(db, scene, "B2610-002", "NORTH", "900 A ST")
    (pm,) = request(db, scene.acme, PERMIT, ("ROUGH", THU, "PM"))
    (am,) = request(db, scene.acme, "B2610-002", ("ROUGH", THU, "AM"))
    assign_inspector(db, scene.clerk, pm, "ana")
    assign_inspector(db, scene.clerk, am, "ana")
    stops = route_for(db, scene.ana, THU)
    assert [s.inspection_id for s in stops] == [am, pm]
    first = stops[0]
    assert (first.period, first.window, first.address, first.permit_number) == (
        "AM",
        "8:30am-12:00pm",
        "900 A ST",
        "B2610-002",
    )
    assert (first.type_name, first.contact_name, first.contact_phone, first.notes) == (
        "Rough electrical",
        "Pat Sparks",
        "(951) 555-0199",
        "Gate code 4321",
    )
    assert route_for(db, scene.ben, THU) == []
    assert [s.inspection_id for s in route_for(db, scene.clerk, THU, inspector="ana")] == [am, pm]
    with pytest.raises(NotFound):
        route_for(db, scene.ben, THU, inspector="ana")
    with pytest.raises(NotFound):
        route_for(db, scene.acme, THU, inspector="ana")


# --------------------------------------------------------------------------- results


def scheduled(db: Database, scene: Scene, inspector: str = "ana", *, today: bool = True) -> int:
    """Thursday's inspection, assigned; the clock moves to Thursday 09:00 (``today``)."""
    (iid,) = request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    assign_inspector(db, scene.clerk, iid, inspector)
    if today:
        assert isinstance(db.clock, FixedClock)
        db.clock.set(hemet(2026, 11, 19, 9))
    return iid


def test_only_the_assigned_inspector_or_staff_records_a_result(db: Database, scene: Scene) -> None:
    iid = scheduled(db, scene)
    for stranger in (scene.ben, scene.acme, scene.other):
        with pytest.raises(NotFound, match="inspection not found"):
            record_result(db, stranger, iid, "PASSED")
    assert inspection(db, iid).status == "SCHEDULED"
    view = record_result(db, scene.ana, iid, "partial", "Kitchen circuits only")
    assert (view.status, view.comments) == ("PARTIAL", "Kitchen circuits only")


def test_passed_restarts_expiry_from_local_today(
    db: Database, scene: Scene, clock: FixedClock
) -> None:
    iid = scheduled(db, scene)
    clock.set(hemet(2026, 11, 19, 23, 30))  # already Friday in UTC
    record_result(db, scene.ana, iid, "PASSED", "")
    with db.read() as s:
        permit = s.exec(select(Permit).where(Permit.number == PERMIT)).one()
    assert permit.expires_on == date(2026, 11, 19) + timedelta(days=180)
    assert booked(db, "NORTH", THU, "AM") == 0
    row = inspection(db, iid)
    assert row.resulted_at == hemet(2026, 11, 19, 23, 30)
    assert "PASSED" in audit_lines(db, "inspection_resulted", "ok")[0].detail


def test_failed_queues_one_email_when_the_company_asked_for_it(db: Database, scene: Scene) -> None:
    iid = scheduled(db, scene)
    record_result(db, scene.ana, iid, "FAILED", "Missing bonding jumper at panel")
    with db.read() as s:
        (mail,) = s.exec(select(Outbox)).all()
    assert mail.to_addr == "office@acme.test" and mail.status == "PENDING"
    assert PERMIT in mail.subject and "FAILED" in mail.subject
    for expected in (
        PERMIT,
        "123 E FLORIDA AVE",
        "Rough electrical",
        "FAILED",
        "Missing bonding jumper at panel",
        "(951) 765-2475",
        "Ana Ruiz",
    ):
        assert expected in mail.body


def test_correction_also_notifies(db: Database, scene: Scene) -> None:
    iid = scheduled(db, scene)
    record_result(db, scene.clerk, iid, "CORRECTION", "See notice")
    assert count(db, Outbox) == 1


@pytest.mark.parametrize(("notify", "email"), [(False, "office@acme.test"), (True, "")])
def test_failed_queues_nothing_without_opt_in_or_address(
    db: Database, notify: bool, email: str
) -> None:
    scene = build_scene(db, notify=notify, email=email)
    iid = scheduled(db, scene)
    record_result(db, scene.ana, iid, "FAILED", "No")
    assert count(db, Outbox) == 0
    assert inspection(db, iid).status == "FAILED"


def test_a_result_is_recorded_once_and_must_be_known(db: Database, scene: Scene) -> None:
    iid = scheduled(db, scene)
    with pytest.raises(RuleViolation, match="Choose a result") as info:
        record_result(db, scene.ana, iid, "SCHEDULED")
    assert info.value.field == "status"
    record_result(db, scene.ana, iid, "NOT READY", "Locked gate")
    with pytest.raises(RuleViolation, match=r"already recorded .*NOT READY"):
        record_result(db, scene.ana, iid, "PASSED")
    assert inspection(db, iid).status == "NOT READY"
    assert count(db, Outbox) == 0


def test_inspector_cancelled_result_frees_the_place(db: Database, scene: Scene) -> None:
    iid = scheduled(db, scene)
    record_result(db, scene.ana, iid, "CANCELLED", "Site closed")
    row = inspection(db, iid)
    assert row.status == "CANCELLED" and row.cancelled_at is not None
    assert booked(db, "NORTH", THU, "AM") == 0


@pytest.mark.postgres
def test_cancel_assign_and_result_on_postgres(pg_db: Database) -> None:
    scene = build_scene(pg_db)
    (gone,) = request(pg_db, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    cancel_inspection(pg_db, scene.acme, gone)
    (iid,) = request(pg_db, scene.acme, PERMIT, ("ROUGH", THU, "PM"))
    assert [a.inspection_id for a in assign_inspections(pg_db, SYSTEM, THU).assigned] == [iid]
    inspector = inspection(pg_db, iid).inspector_id
    who = scene.ana if inspector == scene.ana.id else scene.ben
    with on_the_day(pg_db, THU):
        record_result(pg_db, who, iid, "FAILED", "Redo")
    assert count(pg_db, Outbox) == 1
    assert booked(pg_db, "NORTH", THU, "AM") == 0 and booked(pg_db, "NORTH", THU, "PM") == 0


# --------------------------------------------------------------------------- not before the day


def test_a_result_waits_for_the_inspections_day(
    db: Database, scene: Scene, clock: FixedClock
) -> None:
    iid = scheduled(db, scene, today=False)
    clock.set(hemet(2026, 11, 18, 23, 59))  # Wednesday night in Hemet (Thursday in UTC)
    for result in ("PASSED", "FAILED", "PARTIAL", "CORRECTION", "NOT READY"):
        with pytest.raises(RuleViolation) as early:
            record_result(db, scene.ana, iid, result, "Done early?")
        assert str(early.value) == (
            "This inspection is scheduled for Thu 11/19/2026; "
            "record its result on or after that day."
        )
        assert early.value.field == "status"
    assert inspection(db, iid).status == "SCHEDULED"
    assert booked(db, "NORTH", THU, "AM") == 1 and count(db, Outbox) == 0
    assert len(audit_lines(db, "inspection_resulted", "refused")) == 5

    clock.set(hemet(2026, 11, 19, 0, 0))  # midnight: the day has come
    assert record_result(db, scene.ana, iid, "PASSED", "").status == "PASSED"


def test_a_future_inspection_may_still_be_cancelled(db: Database, scene: Scene) -> None:
    iid = scheduled(db, scene, today=False)  # Wednesday, for Thursday
    assert record_result(db, scene.ana, iid, "CANCELLED", "Site closed").status == "CANCELLED"
    assert booked(db, "NORTH", THU, "AM") == 0


@pytest.mark.postgres
def test_a_result_waits_for_the_day_on_postgres(pg_db: Database) -> None:
    scene = build_scene(pg_db)
    iid = scheduled(pg_db, scene, today=False)
    assert isinstance(pg_db.clock, FixedClock)
    pg_db.clock.set(hemet(2026, 11, 18, 23, 59))
    with pytest.raises(RuleViolation, match="scheduled for Thu 11/19/2026"):
        record_result(pg_db, scene.clerk, iid, "PASSED")
    pg_db.clock.set(hemet(2026, 11, 19, 0, 0))
    assert record_result(pg_db, scene.clerk, iid, "PASSED").status == "PASSED"

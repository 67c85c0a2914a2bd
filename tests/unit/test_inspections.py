"""Requesting inspections: every rule of SPEC §4, each refusal saying why and saving nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import col, select

from etrakit_tui.domain.errors import NotFound, RuleViolation, SlotFull, ValidationFailed
from etrakit_tui.domain.inspections.calendar import local_today
from etrakit_tui.domain.inspections.requests import (
    ContactInfo,
    RequestedItem,
    can_request,
    can_request_expr,
    check_request_item,
    inspection_types_for,
    request_inspections,
)
from etrakit_tui.domain.inspections.results import record_result
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import (
    Company,
    Inspection,
    InspectionRequest,
    InspectionStatus,
    Permit,
    PermitStatus,
)
from etrakit_tui.settings import Jurisdiction
from tests.support.factories import (
    make_fee,
    make_inspection_types,
    make_payment,
    make_permit,
)
from tests.support.inspection_scene import (
    CONTACT,
    FRI,
    MON,
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
    snapshot,
)


@pytest.fixture
def scene(db: Database) -> Scene:
    return build_scene(db)


def refused(
    db: Database, scene: Scene, *items: tuple[str, date, str], **kw: object
) -> RuleViolation:
    """Request ``items`` as ACME, expect a refusal, and check that nothing was saved and
    that the refusal was audited."""
    before = snapshot(db)
    audited = len(audit_lines(db, "inspection_requested", "refused"))
    with pytest.raises(RuleViolation) as info:
        request(db, scene.acme, PERMIT, *items, **kw)  # type: ignore[arg-type]
    assert snapshot(db) == before
    assert len(audit_lines(db, "inspection_requested", "refused")) == audited + 1
    return info.value


def pass_inspection(db: Database, scene: Scene, code: str) -> None:
    (iid,) = request(db, scene.acme, PERMIT, (code, THU, "AM"))
    with on_the_day(db, THU):
        record_result(db, scene.clerk, iid, InspectionStatus.PASSED)


# --------------------------------------------------------------------------- success


def test_a_request_is_saved_with_its_contact_books_the_slot_and_is_audited(
    db: Database, scene: Scene
) -> None:
    made = request_inspections(
        db, scene.acme, "b2610-001", CONTACT, [RequestedItem("ROUGH", THU, "AM")]
    )
    assert len(made) == 1
    view = made[0]
    assert (view.permit_number, view.type_code, view.type_name) == (
        PERMIT,
        "ROUGH",
        "Rough electrical",
    )
    assert (view.requested_date, view.period, view.status) == (THU, "AM", "REQUESTED")
    assert view.address == "123 E FLORIDA AVE" and view.district == "NORTH"
    assert view.can_cancel
    assert booked(db, "NORTH", THU, "AM") == 1
    with db.read() as s:
        req = s.exec(select(InspectionRequest)).one()
    assert (req.contact_name, req.contact_phone, req.contact_email) == (
        "Pat Sparks",
        "(951) 555-0199",
        "pat@acme.test",
    )
    assert req.notes == "Gate code 4321" and req.company_id == scene.acme.id
    (line,) = audit_lines(db, "inspection_requested", "ok")
    assert line.target == PERMIT and "ROUGH Thu 11/19/2026 AM" in line.detail


def test_several_inspections_in_one_request(db: Database, scene: Scene) -> None:
    with db.write() as s:
        make_inspection_types(s, "ELECTRICAL", [("SERVICE", "Service upgrade")])
    ids = request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"), ("SERVICE", FRI, "PM"))
    assert len(ids) == 2
    assert count(db, InspectionRequest) == 1
    assert booked(db, "NORTH", THU, "AM") == 1 and booked(db, "NORTH", FRI, "PM") == 1


def test_staff_may_request_on_any_permit(db: Database, scene: Scene) -> None:
    assert len(request(db, scene.clerk, PERMIT, ("ROUGH", THU, "PM"))) == 1


# --------------------------------------------------------------------------- who


def test_another_company_gets_not_found_and_an_audit_line(db: Database, scene: Scene) -> None:
    before = snapshot(db)
    with pytest.raises(NotFound, match="permit not found"):
        request(db, scene.other, PERMIT, ("ROUGH", THU, "AM"))
    assert snapshot(db) == before
    (line,) = audit_lines(db, "access_denied")
    assert line.actor_id == scene.other.id and line.target == PERMIT


def test_an_inspector_may_not_request(db: Database, scene: Scene) -> None:
    with pytest.raises(NotFound):
        request(db, scene.ana, PERMIT, ("ROUGH", THU, "AM"))
    assert count(db, Inspection) == 0


def test_an_unknown_permit_is_not_found(db: Database, scene: Scene) -> None:
    with pytest.raises(NotFound, match="permit not found"):
        request(db, scene.acme, "B9999-999", ("ROUGH", THU, "AM"))


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (date(2026, 11, 18), "The earliest date you can request is Thu 11/19/2026."),
        (date(2026, 11, 10), "The earliest date you can request is Thu 11/19/2026."),
        (date(2026, 11, 21), "Sat 11/21/2026 is not a business day; choose another date."),
        (
            date(2026, 11, 26),
            "up to 7 days in advance: the latest date you can request is Wed 11/25/2026.",
        ),
    ],
)
def test_dates_outside_the_window_are_refused(
    db: Database, scene: Scene, day: date, message: str
) -> None:
    err = refused(db, scene, ("ROUGH", day, "AM"))
    assert message in str(err)
    assert err.field == "requested_date"


def test_a_holiday_is_refused_by_name(db: Database, scene: Scene, clock: FixedClock) -> None:
    clock.set(hemet(2026, 11, 23, 10))  # Monday of Thanksgiving week
    err = refused(db, scene, ("ROUGH", date(2026, 11, 26), "AM"))
    assert (
        str(err) == "Thu 11/26/2026 is not a business day (Thanksgiving Day); choose another date."
    )


def test_day_seven_is_accepted_and_day_eight_refused(
    db: Database, scene: Scene, clock: FixedClock
) -> None:
    clock.set(hemet(2026, 11, 30, 16))  # Monday
    err = refused(db, scene, ("ROUGH", date(2026, 12, 8), "AM"))
    assert "latest date you can request is Mon 12/7/2026" in str(err)
    assert len(request(db, scene.acme, PERMIT, ("ROUGH", date(2026, 12, 7), "AM"))) == 1


def test_a_friday_request_starts_on_monday(db: Database, scene: Scene, clock: FixedClock) -> None:
    clock.set(hemet(2026, 11, 20, 15))  # Friday afternoon
    err = refused(db, scene, ("ROUGH", date(2026, 11, 21), "AM"))
    assert "earliest date you can request is Mon 11/23/2026" in str(err)
    assert len(request(db, scene.acme, PERMIT, ("ROUGH", MON, "AM"))) == 1


def test_a_bad_period_is_refused(db: Database, scene: Scene) -> None:
    err = refused(db, scene, ("ROUGH", THU, "NOON"))
    assert (str(err), err.field) == ("Choose AM or PM.", "period")


# --------------------------------------------------------------------------- types


def test_a_second_open_request_of_the_same_type_is_refused(db: Database, scene: Scene) -> None:
    request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    err = refused(db, scene, ("ROUGH", FRI, "PM"))
    assert str(err) == "A Rough electrical inspection is already requested for Thu 11/19/2026 AM."
    assert err.field == "inspection_type"


def test_the_same_type_twice_in_one_request_is_refused(db: Database, scene: Scene) -> None:
    err = refused(db, scene, ("ROUGH", THU, "AM"), ("ROUGH", FRI, "AM"))
    assert str(err) == "Rough electrical is already on this request; add each inspection once."


def test_a_type_already_passed_is_refused(db: Database, scene: Scene) -> None:
    pass_inspection(db, scene, "ROUGH")
    err = refused(db, scene, ("ROUGH", FRI, "AM"))
    assert str(err) == "The Rough electrical inspection has already passed."


def test_a_failed_type_may_be_requested_again(db: Database, scene: Scene) -> None:
    (iid,) = request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    with on_the_day(db, THU):
        record_result(db, scene.clerk, iid, "FAILED", "Missing bonding")
    assert len(request(db, scene.acme, PERMIT, ("ROUGH", FRI, "AM"))) == 1


def test_final_before_its_prerequisite_has_passed_is_refused(db: Database, scene: Scene) -> None:
    err = refused(db, scene, ("FINAL", FRI, "AM"))
    assert str(err) == (
        "The Final electrical inspection can be requested only after Rough electrical has passed."
    )
    # Requesting both at once does not help: the rough has not passed yet.
    refused(db, scene, ("ROUGH", THU, "AM"), ("FINAL", FRI, "AM"))
    pass_inspection(db, scene, "ROUGH")
    assert len(request(db, scene.acme, PERMIT, ("FINAL", FRI, "AM"))) == 1


def test_final_while_fees_are_due_is_refused_until_paid(db: Database, scene: Scene) -> None:
    with db.write() as s:
        permit = s.exec(select(Permit).where(Permit.number == PERMIT)).one()
        make_fee(s, permit, 25_000)
        make_payment(s, permit, 10_050)
    pass_inspection(db, scene, "ROUGH")
    err = refused(db, scene, ("FINAL", FRI, "AM"))
    assert str(err) == (
        "A final inspection cannot be requested while fees are due ($149.50); "
        "please pay them first."
    )
    with db.write() as s:
        make_payment(s, s.exec(select(Permit).where(Permit.number == PERMIT)).one(), 14_950)
    assert len(request(db, scene.acme, PERMIT, ("FINAL", FRI, "AM"))) == 1


def test_an_unknown_type_is_refused(db: Database, scene: Scene) -> None:
    err = refused(db, scene, ("FRAMING", THU, "AM"))
    assert str(err) == "'FRAMING' is not an inspection type for ELECTRICAL permits."


def test_an_empty_request_is_refused(db: Database, scene: Scene) -> None:
    err = refused(db, scene)
    assert str(err) == "Add at least one inspection before confirming."


def test_bad_contact_fields_are_reported_together(db: Database, scene: Scene) -> None:
    before = snapshot(db)
    bad = ContactInfo(name=" ", phone="555-01", email="pat@", site_address="1 MAIN ST")
    with pytest.raises(ValidationFailed) as info:
        request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"), contact=bad)
    assert set(info.value.errors) == {"contact_name", "contact_phone", "contact_email"}
    assert "10-digit phone number" in info.value.errors["contact_phone"]
    assert snapshot(db) == before
    assert audit_lines(db, "inspection_requested", "refused")


# --------------------------------------------------------------------------- the permit


PERMIT_STATES = [
    ({"status": PermitStatus.APPLIED}, "only on issued or active permits (this one is APPLIED)"),
    ({"expires_on": date(2026, 11, 17)}, "This permit expired on Tue 11/17/2026."),
    ({"on_hold": True}, "This permit is on hold"),
    ({"status": PermitStatus.FINALED, "finaled_on": date(2026, 11, 2)}, "only on issued or active"),
    ({"finaled_on": date(2026, 11, 2)}, "This permit has been finaled."),
    ({"permit_type": "FENCE"}, "No inspections can be requested online"),
]


@pytest.mark.parametrize(("state", "message"), PERMIT_STATES)
def test_request_is_offered_only_on_live_permits(
    db: Database, scene: Scene, state: dict[str, object], message: str
) -> None:
    with db.write() as s:
        acme = s.get(Company, scene.acme.id)
        make_permit(s, "B2610-002", company=acme, **state)  # type: ignore[arg-type]
    before = snapshot(db)
    with pytest.raises(RuleViolation, match=message.replace("(", r"\(").replace(")", r"\)")):
        request(db, scene.acme, "B2610-002", ("ROUGH", THU, "AM"))
    assert snapshot(db) == before
    today = local_today(db.jurisdiction, db.now())
    with db.read() as s:
        permit = s.exec(select(Permit).where(Permit.number == "B2610-002")).one()
        in_sql = s.exec(select(can_request_expr(today)).where(Permit.id == permit.id)).one()
    assert not can_request(
        permit, has_inspection_types=permit.permit_type == "ELECTRICAL", today=today
    )
    assert not in_sql
    options = inspection_types_for(db, scene.acme, "B2610-002")
    assert all(not o.requestable for o in options)


def test_can_request_in_sql_agrees_with_python_for_a_page_of_rows(
    db: Database, scene: Scene
) -> None:
    with db.write() as s:
        for i, (state, _) in enumerate(PERMIT_STATES):
            make_permit(s, f"B2611-{i:03d}", **state)  # type: ignore[arg-type]
        make_permit(s, "B2611-100", status=PermitStatus.ACTIVE, expires_on=date(2026, 11, 18))
    today = date(2026, 11, 18)
    with db.read() as s:
        rows = s.exec(
            select(Permit, can_request_expr(today).label("ok")).order_by(col(Permit.number))
        ).all()
        typed = {"ELECTRICAL"}
        results = {
            p.number: (
                bool(ok),
                can_request(p, has_inspection_types=p.permit_type in typed, today=today),
            )
            for p, ok in rows
        }
    assert all(sql == py for sql, py in results.values())
    assert results["B2611-100"] == (True, True)  # expires today: still live
    assert results[PERMIT] == (True, True)
    assert sum(1 for sql, _ in results.values() if sql) == 2


# --------------------------------------------------------------------------- capacity


@pytest.fixture
def tight(db: Database) -> Database:
    """The same database with one place per slot."""
    return Database(db.engine, Jurisdiction(slot_capacity=1), db.clock)


def _second_permit(db: Database, scene: Scene, number: str = "B2610-002") -> str:
    with db.write() as s:
        acme = s.get(Company, scene.acme.id)
        make_permit(s, number, company=acme, district="NORTH")
    return number


def test_a_full_slot_names_the_next_free_one(tight: Database, scene: Scene) -> None:
    request(tight, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    second = _second_permit(tight, scene)
    before = snapshot(tight)
    with pytest.raises(SlotFull) as info:
        request(tight, scene.acme, second, ("ROUGH", THU, "AM"))
    assert str(info.value) == "The AM slot on Thu 11/19/2026 is full; next free: Thu 11/19/2026 PM."
    assert info.value.field == "requested_date"
    assert snapshot(tight) == before
    third = _second_permit(tight, scene, "B2610-003")
    request(tight, scene.acme, second, ("ROUGH", THU, "PM"))
    with pytest.raises(SlotFull, match="next free: Fri 11/20/2026 AM"):
        request(tight, scene.acme, third, ("ROUGH", THU, "AM"))


def test_add_checks_one_row_against_the_list_and_the_slot(tight: Database, scene: Scene) -> None:
    """The form's Add: the rules of a request, and a place in the slot for this row and the
    listed ones of the same slot; nothing is written or audited."""
    with tight.write() as s:
        make_inspection_types(s, "ELECTRICAL", [("UNDER", "Underground")])
    rough = RequestedItem("ROUGH", THU, "AM")
    before = snapshot(tight)
    audited = len(audit_lines(tight, "inspection_requested", "refused"))
    check_request_item(tight, scene.acme, PERMIT, [], rough)  # fine: no refusal
    with pytest.raises(RuleViolation) as twice:
        check_request_item(tight, scene.acme, PERMIT, [rough], RequestedItem("ROUGH", FRI, "AM"))
    assert str(twice.value) == (
        "Rough electrical is already on this request; add each inspection once."
    )
    assert twice.value.field == "inspection_type"
    with pytest.raises(SlotFull) as full:  # one place per slot: the listed row has it
        check_request_item(tight, scene.acme, PERMIT, [rough], RequestedItem("UNDER", THU, "AM"))
    assert str(full.value) == "The AM slot on Thu 11/19/2026 is full; next free: Thu 11/19/2026 PM."
    assert full.value.field == "requested_date"
    assert snapshot(tight) == before
    assert len(audit_lines(tight, "inspection_requested", "refused")) == audited

    second = _second_permit(tight, scene)
    request(tight, scene.acme, second, ("ROUGH", FRI, "PM"))  # takes the only place
    with pytest.raises(SlotFull, match="Fri 11/20/2026 is full"):
        check_request_item(tight, scene.acme, PERMIT, [], RequestedItem("ROUGH", FRI, "PM"))
    with pytest.raises(NotFound):  # another company's permit reads as missing
        check_request_item(tight, scene.other, PERMIT, [], rough)


def test_refusals_read_as_sentences(db: Database, scene: Scene) -> None:
    with db.write() as s:
        make_inspection_types(
            s,
            "ELECTRICAL",
            [
                ("ROUGH", "Rough electrical"),
                ("UNDER", "Underground"),
                ("RELEASE", "Service release"),
            ],
            prerequisites={"RELEASE": ["UNDER", "ROUGH"]},
        )
    request(db, scene.acme, PERMIT, ("UNDER", THU, "AM"))
    err = refused(db, scene, ("UNDER", FRI, "PM"))
    assert str(err) == "An Underground inspection is already requested for Thu 11/19/2026 AM."
    err = refused(db, scene, ("RELEASE", FRI, "PM"))
    assert str(err) == (
        "The Service release inspection can be requested only after Rough electrical and "
        "Underground have passed."
    )


def test_a_full_slot_in_another_district_does_not_count(tight: Database, scene: Scene) -> None:
    request(tight, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    with tight.write() as s:
        acme = s.get(Company, scene.acme.id)
        make_permit(s, "B2610-009", company=acme, district="SOUTH")
    assert len(request(tight, scene.acme, "B2610-009", ("ROUGH", THU, "AM"))) == 1


def test_a_request_is_all_or_nothing(tight: Database, scene: Scene) -> None:
    with tight.write() as s:
        make_inspection_types(s, "ELECTRICAL", [("SERVICE", "Service upgrade")])
    second = _second_permit(tight, scene)
    request(tight, scene.acme, second, ("ROUGH", FRI, "AM"))  # FRI AM is now full
    before = snapshot(tight)
    with pytest.raises(SlotFull):
        request(tight, scene.acme, PERMIT, ("ROUGH", THU, "AM"), ("SERVICE", FRI, "AM"))
    assert snapshot(tight) == before
    assert booked(tight, "NORTH", THU, "AM") == 0


# --------------------------------------------------------------------------- the form's types


def test_inspection_types_for_says_which_can_be_requested_and_why(
    db: Database, scene: Scene
) -> None:
    options = {o.code: o for o in inspection_types_for(db, scene.acme, PERMIT)}
    assert list(options) == ["ROUGH", "FINAL"]
    assert options["ROUGH"].requestable and options["ROUGH"].reason is None
    assert not options["FINAL"].requestable
    assert options["FINAL"].is_final
    assert "only after Rough electrical has passed" in (options["FINAL"].reason or "")
    request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    rough = inspection_types_for(db, scene.acme, PERMIT)[0]
    assert not rough.requestable and "already requested for Thu 11/19/2026 AM" in (
        rough.reason or ""
    )
    with pytest.raises(NotFound):
        inspection_types_for(db, scene.other, PERMIT)


# --------------------------------------------------------------------------- PostgreSQL too


@pytest.mark.postgres
def test_request_and_a_full_slot_on_postgres(pg_db: Database) -> None:
    scene = build_scene(pg_db)
    tight = Database(pg_db.engine, Jurisdiction(slot_capacity=1), pg_db.clock)
    request(tight, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    second = _second_permit(tight, scene)
    with pytest.raises(SlotFull, match="next free: Thu 11/19/2026 PM"):
        request(tight, scene.acme, second, ("ROUGH", THU, "AM"))
    assert booked(tight, "NORTH", THU, "AM") == 1
    assert count(tight, Inspection) == 1

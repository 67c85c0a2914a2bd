"""The staff desk's services (SPEC §3): creating permits, posting and updating reviews, a
day's open inspections, the audit log, the input parsers — and the staff CLI commands.

The clock stands at Wed 11/18/2026 10:00 in Hemet, so new permits are numbered ``B2611-``.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from etrakit_tui.cli import main
from etrakit_tui.domain import audit as domain_audit
from etrakit_tui.domain.accounts.actors import ANONYMOUS, SYSTEM, Actor, ActorKind
from etrakit_tui.domain.errors import NotFound, ValidationFailed
from etrakit_tui.domain.inspections import assignment, calendar
from etrakit_tui.domain.inspections.assignment import assign_inspector
from etrakit_tui.domain.permits import fees as permits_fees
from etrakit_tui.domain.permits import reviews
from etrakit_tui.domain.permits.fees import FeeInput
from etrakit_tui.domain.permits.issue import (
    CompanyOnPermit,
    ContactInput,
    ParcelInput,
    create_permit,
)
from etrakit_tui.domain.permits.reviews import post_review, update_review
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import (
    Company,
    Fee,
    Inspection,
    Parcel,
    Permit,
    PermitContact,
    Review,
)
from tests.support.factories import make_inspection_types
from tests.support.inspection_scene import (
    FRI,
    PERMIT,
    THU,
    Scene,
    audit_lines,
    build_scene,
    count,
    hemet,
    request,
)

NEW_SITE = ParcelInput("448-500-001", "12 N NEW ST", "SOUTH", zoning="r-1-7.2", owner_name="ANN")


def existing_apn(db: Database) -> str:
    with db.read() as s:
        return s.exec(
            select(Parcel.apn)
            .join(Permit, col(Permit.parcel_id) == col(Parcel.id))
            .where(Permit.number == PERMIT)
        ).one()


def permit_row(db: Database, number: str) -> Permit:
    with db.read() as s:
        return s.exec(select(Permit).where(Permit.number == number)).one()


# --------------------------------------------------------------------------- permits


def test_create_permit_on_a_new_parcel_with_contacts_and_fees(any_db: Database) -> None:
    db = any_db
    scene = build_scene(db)
    made = create_permit(
        db,
        scene.clerk,
        permit_type="electrical",
        parcel=NEW_SITE,
        companies=[CompanyOnPermit("acme electric inc")],
        contacts=[ContactInput("owner", "Ann Owner", "951 555 0101", "ann@example.com")],
        fees=[FeeInput("elec", 9_500), FeeInput("TECH", 2_500, "Technology")],
        status="ISSUED",
        description="Panel upgrade",
    )
    assert made.number == "B2611-001" and made.new_parcel
    assert (made.address, made.fees_total_cents) == ("12 N NEW ST", 12_000)
    permit = permit_row(db, made.number)
    assert permit.status == "ISSUED" and permit.applied_on == date(2026, 11, 18)
    assert permit.issued_on == date(2026, 11, 18)
    assert permit.expires_on == date(2026, 11, 18) + timedelta(days=180)
    with db.read() as s:
        parcel = s.get(Parcel, permit.parcel_id)
        contacts = s.exec(select(PermitContact).where(PermitContact.permit_id == permit.id)).all()
        fees = s.exec(select(Fee).where(Fee.permit_id == permit.id).order_by(col(Fee.id))).all()
    assert parcel is not None and (parcel.district, parcel.zoning) == ("SOUTH", "R-1-7.2")
    by_role = {c.role: c for c in contacts}
    assert by_role["CONTRACTOR"].company_id == scene.acme.id
    assert by_role["CONTRACTOR"].name == "ACME ELECTRIC INC"
    assert (by_role["OWNER"].phone, by_role["OWNER"].company_id) == ("(951) 555-0101", None)
    assert [(f.code, f.description, f.amount_cents) for f in fees] == [
        ("ELEC", "Electrical permit fee", 9_500),
        ("TECH", "Technology", 2_500),
    ]
    (line,) = audit_lines(db, "permit_created")
    assert line.target == made.number and "ACME ELECTRIC INC" in line.detail
    # The company is a contact: the permit is now on its side.
    from etrakit_tui.domain.permits.detail import permit_detail

    assert permit_detail(db, scene.acme, made.number).info.description == "Panel upgrade"


def test_numbers_follow_the_letter_and_month(any_db: Database) -> None:
    db = any_db
    scene = build_scene(db)
    apn = existing_apn(db)
    parcels = count(db, Parcel)
    site = ParcelInput(apn)
    owner = [ContactInput("OWNER", "Ann Owner")]
    first = create_permit(db, scene.clerk, permit_type="ROOFING", parcel=site, contacts=owner)
    second = create_permit(db, scene.clerk, permit_type="SOLAR", parcel=site, contacts=owner)
    check = create_permit(
        db, scene.clerk, permit_type="POOL", parcel=site, contacts=owner, plan_check=True
    )
    grading = create_permit(db, scene.clerk, permit_type="GRADING", parcel=site, contacts=owner)
    assert [first.number, second.number, check.number, grading.number] == [
        "B2611-001",
        "B2611-002",
        "A2611-001",
        "G2611-001",
    ]
    assert not first.new_parcel and first.apn == apn
    assert count(db, Parcel) == parcels  # the existing parcel, no new one


def test_concurrent_creations_get_distinct_numbers(any_db: Database) -> None:
    """Four clerks at once: four permits, four numbers (a collision is retried)."""
    db = any_db
    scene = build_scene(db)
    site = ParcelInput(existing_apn(db))
    start = threading.Barrier(4)

    def create(_: int) -> str:
        start.wait()
        return create_permit(
            db,
            scene.clerk,
            permit_type="PLUMBING",
            parcel=site,
            contacts=[ContactInput("OWNER", "Ann Owner")],
        ).number

    with ThreadPoolExecutor(4) as pool:
        numbers = sorted(pool.map(create, range(4)))
    assert numbers == ["B2611-001", "B2611-002", "B2611-003", "B2611-004"]


def test_every_bad_field_is_reported_at_once_and_nothing_is_written(db: Database) -> None:
    scene = build_scene(db)
    with db.write() as s:
        other = s.exec(select(Company).where(Company.name == "OTHER BUILDERS LLC")).one()
        other.disabled = True
        s.add(other)
    before = count(db, Permit), count(db, Parcel)
    with pytest.raises(ValidationFailed) as refused:
        create_permit(
            db,
            scene.clerk,
            permit_type="SPACESHIP",
            parcel=ParcelInput("448-500-002"),  # new, without address or district
            companies=[CompanyOnPermit("NOBODY INC"), CompanyOnPermit("OTHER BUILDERS LLC")],
            fees=[FeeInput("BAD CODE!", 100)],
            status="FINALED",
        )
    errors = refused.value.errors
    assert set(errors) >= {"permit_type", "status", "fees"}
    assert "Choose one of" in errors["permit_type"]
    with pytest.raises(ValidationFailed) as second:
        create_permit(
            db,
            scene.clerk,
            permit_type="ELECTRICAL",
            parcel=ParcelInput("448-500-002"),
            companies=[CompanyOnPermit("NOBODY INC"), CompanyOnPermit("OTHER BUILDERS LLC")],
        )
    assert second.value.errors["company"] == "No registered company is called 'NOBODY INC'."
    assert second.value.errors["address"] == "A new parcel needs its address."
    assert second.value.errors["district"] == "A new parcel needs its inspection district."
    with pytest.raises(ValidationFailed) as third:
        create_permit(
            db,
            scene.clerk,
            permit_type="ELECTRICAL",
            parcel=ParcelInput("not an apn"),
            companies=[CompanyOnPermit("OTHER BUILDERS LLC")],
        )
    assert third.value.errors["apn"] == "Enter an APN like 448-123-017."
    assert (count(db, Permit), count(db, Parcel)) == before
    assert len(audit_lines(db, "permit_created", "refused")) == 3


def test_disabled_company_cannot_be_named(db: Database) -> None:
    scene = build_scene(db)
    with db.write() as s:
        acme = s.exec(select(Company).where(Company.name == "ACME ELECTRIC INC")).one()
        acme.disabled = True
        s.add(acme)
    with pytest.raises(ValidationFailed) as refused:
        create_permit(
            db,
            scene.clerk,
            permit_type="ELECTRICAL",
            parcel=ParcelInput(existing_apn(db)),
            companies=[CompanyOnPermit("ACME ELECTRIC INC")],
        )
    assert refused.value.errors == {"company": "ACME ELECTRIC INC is disabled; enable it first."}


def _outsiders(scene: Scene) -> list[Actor]:
    return [scene.acme, scene.ana, ANONYMOUS]


def test_only_staff_reach_the_desk_services(db: Database) -> None:
    scene = build_scene(db)
    permits_before = count(db, Permit)
    for who in _outsiders(scene):
        with pytest.raises(NotFound):
            create_permit(
                db,
                who,
                permit_type="ELECTRICAL",
                parcel=NEW_SITE,
                contacts=[ContactInput("OWNER", "X")],
            )
        with pytest.raises(NotFound):
            domain_audit.audit_log(db, who)
        with pytest.raises(NotFound):
            assignment.open_inspections_page(db, who, THU)
        with pytest.raises(NotFound):
            assignment.list_inspectors(db, who)
    assert count(db, Permit) == permits_before
    denied = audit_lines(db, "access_denied", "denied")
    assert len(denied) == 4 * len(_outsiders(scene))


# --------------------------------------------------------------------------- reviews


def test_post_review_numbers_cycles_and_completes_final_ones(any_db: Database) -> None:
    db = any_db
    scene = build_scene(db)
    first = post_review(
        db,
        scene.clerk,
        PERMIT.lower(),
        "building",
        "Pat Reviewer",
        "IN REVIEW",
        date(2026, 11, 2),
        date(2026, 11, 23),
        "Sheet A1: show the panel location.",
    )
    again = post_review(
        db,
        scene.clerk,
        PERMIT,
        "BUILDING",
        "Pat Reviewer",
        "CORRECTIONS REQUIRED",
        date(2026, 11, 10),
    )
    assert (first.cycle, first.completed_on, first.has_notes) == (1, None, True)
    assert (again.cycle, again.completed_on) == (2, date(2026, 11, 18))
    # The contractor sees them, newest submitted first, with the notes under More Info.
    rows = reviews.reviews_for(db, scene.acme, PERMIT)
    assert [r.review_id for r in rows] == [again.review_id, first.review_id]
    notes = reviews.review_notes(db, scene.acme, first.review_id).notes
    assert notes == "Sheet A1: show the panel location."
    assert len(audit_lines(db, "review_posted")) == 2


def test_post_review_refusals(db: Database) -> None:
    scene = build_scene(db)
    with pytest.raises(ValidationFailed) as refused:
        post_review(
            db,
            scene.clerk,
            PERMIT,
            "",
            "",
            "DONE",
            date(2026, 11, 10),
            date(2026, 11, 1),
            "a\x1b[2Jb",
            cycle=0,
        )
    assert set(refused.value.errors) == {
        "review_type",
        "reviewer",
        "status",
        "due_on",
        "notes",
        "cycle",
    }
    assert count(db, Review) == 0
    with pytest.raises(NotFound, match="permit not found"):
        post_review(db, scene.acme, PERMIT, "BUILDING", "Me", "APPROVED", date(2026, 11, 1))
    assert count(db, Review) == 0
    (denied,) = audit_lines(db, "access_denied")
    assert denied.target == PERMIT and denied.actor_id == scene.acme.id


def test_update_review_status_dates_and_notes(db: Database) -> None:
    scene = build_scene(db)
    row = post_review(
        db, scene.clerk, PERMIT, "FIRE", "Sam", "SUBMITTED", date(2026, 11, 2), notes="old"
    )
    approved = update_review(db, scene.clerk, row.review_id, status="approved", notes="ok now")
    assert (approved.status, approved.completed_on) == ("APPROVED", date(2026, 11, 18))
    assert reviews.review_notes(db, scene.acme, row.review_id).notes == "ok now"
    back = update_review(db, scene.clerk, row.review_id, status="IN REVIEW")
    assert (back.status, back.completed_on) == ("IN REVIEW", None)
    dated = update_review(
        db, scene.clerk, row.review_id, status="APPROVED", completed_on=date(2026, 11, 5)
    )
    assert dated.completed_on == date(2026, 11, 5)
    with pytest.raises(ValidationFailed) as refused:
        update_review(db, scene.clerk, row.review_id, completed_on=date(2026, 11, 1))
    assert refused.value.errors == {
        "completed_on": "The completed date cannot be before the submitted date."
    }
    details = [e.detail for e in audit_lines(db, "review_updated")]
    assert details[0] == (
        f"review {row.review_id}: status SUBMITTED -> APPROVED; notes; completed Wed 11/18/2026"
    )


def test_the_contact_company_may_read_but_not_update_its_review(db: Database) -> None:
    scene = build_scene(db)
    row = post_review(db, scene.clerk, PERMIT, "FIRE", "Sam", "SUBMITTED", date(2026, 11, 2))
    for who in (scene.acme, scene.other, scene.ana):
        with pytest.raises(NotFound, match="review not found"):
            update_review(db, who, row.review_id, status="APPROVED")
    with pytest.raises(NotFound, match="review not found"):
        update_review(db, scene.clerk, 987_654, status="APPROVED")
    assert reviews.review_notes(db, scene.acme, row.review_id).status == "SUBMITTED"


# --------------------------------------------------------------------------- lists


def test_open_inspections_page_by_page_am_first(any_db: Database) -> None:
    db = any_db
    scene = build_scene(db)
    with db.write() as s:
        make_inspection_types(s, "ELECTRICAL", [("SERVICE", "Service"), ("TRENCH", "Trench")])
    ids = request(
        db, scene.acme, PERMIT, ("SERVICE", THU, "PM"), ("TRENCH", THU, "AM"), ("ROUGH", FRI, "AM")
    )
    with db.read() as s:
        slots = {
            (row.requested_date, row.period): row.id
            for row in s.exec(select(Inspection).where(col(Inspection.id).in_(ids)))
        }
    pm, am_thu, fri = slots[(THU, "PM")], slots[(THU, "AM")], slots[(FRI, "AM")]
    assign_inspector(db, scene.clerk, pm, "ana")
    first = assignment.open_inspections_page(db, scene.clerk, THU, limit=1)
    assert first.total == 2 and [v.id for v in first.items] == [am_thu]
    second = assignment.open_inspections_page(db, scene.clerk, THU, first.next_key, limit=1)
    assert [(v.id, v.status, v.inspector_name) for v in second.items] == [
        (pm, "SCHEDULED", "Ana Ruiz")
    ]
    assert second.next_key is None
    assert [v.id for v in assignment.open_inspections_page(db, scene.clerk, FRI).items] == [fri]
    names = [i.username for i in assignment.list_inspectors(db, scene.clerk)]
    assert names == ["ana", "ben", "cy"]


def test_audit_log_filters_and_pages(any_db: Database) -> None:
    db = any_db
    build_scene(db)
    clerk = Actor(ActorKind.STAFF, None, "clerk")
    late = hemet(2026, 11, 17, 23, 30)  # Tuesday night in Hemet, Wednesday in UTC
    with db.write() as s:
        domain_audit.record(s, clerk, "sign_in", at=late, target="clerk")
        domain_audit.record(
            s, clerk, "permit_created", at=hemet(2026, 11, 18, 9), target="B2611-001"
        )
        domain_audit.record(
            s, ANONYMOUS, "sign_in", at=hemet(2026, 11, 18, 9, 5), target="nobody", outcome="failed"
        )
    everything = domain_audit.audit_log(db, SYSTEM, limit=200).items
    assert [r.action for r in everything[:3]] == ["sign_in", "permit_created", "sign_in"]
    signs = domain_audit.audit_log(db, SYSTEM, action="sign_in").items
    assert [r.target for r in signs] == ["nobody", "clerk"]
    assert [r.target for r in domain_audit.audit_log(db, SYSTEM, actor_name="CLE").items] == [
        "B2611-001",
        "clerk",
    ]
    assert [r.action for r in domain_audit.audit_log(db, SYSTEM, target="b2611").items] == [
        "permit_created"
    ]
    tuesday = domain_audit.audit_log(db, SYSTEM, since=date(2026, 11, 17), until=date(2026, 11, 17))
    assert [r.target for r in tuesday.items] == ["clerk"]
    wednesday = domain_audit.audit_log(db, SYSTEM, since=date(2026, 11, 18), action="sign_in")
    assert [r.target for r in wednesday.items] == ["nobody"]
    page = domain_audit.audit_log(db, SYSTEM, limit=1)
    rest = domain_audit.audit_log(db, SYSTEM, after=page.next_key, limit=200)
    assert [r.id for r in (*page.items, *rest.items)] == [r.id for r in everything]
    assert rest.next_key is None
    assert "sign_in" in domain_audit.audit_actions(db, SYSTEM)
    assert everything[-1].at == late and everything[-1].at.tzinfo is not None


# --------------------------------------------------------------------------- parsers


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("11/19/2026", date(2026, 11, 19)),
        ("1/2/2027", date(2027, 1, 2)),
        ("2026-11-19", date(2026, 11, 19)),
        ("Thu 11/19/2026", date(2026, 11, 19)),
        ("  11/19/2026 ", date(2026, 11, 19)),
    ],
)
def test_parse_day(text: str, day: date) -> None:
    assert calendar.parse_day(text) == day


def test_parse_day_refusals() -> None:
    for bad in ("", "13/40/2026", "tomorrow", "11/19"):
        with pytest.raises(ValidationFailed) as refused:
            calendar.parse_day(bad, "due_on")
        assert refused.value.errors == {"due_on": "Enter a date like 11/19/2026."}
    assert calendar.parse_day("", required=False) is None


def test_money_and_fee_lines() -> None:
    assert permits_fees.parse_cents("$1,234.56") == 123_456
    assert permits_fees.parse_cents("12") == 1_200
    assert permits_fees.parse_cents("0.5") == 50
    for bad in ("-5", "1.234", "ten", "1,23"):
        with pytest.raises(ValidationFailed):
            permits_fees.parse_cents(bad)
    fees = permits_fees.parse_fee_lines("elec 95.00, ISSUE 55; TECH 25.00")
    assert [(f.code, f.amount_cents) for f in fees] == [
        ("ELEC", 9_500),
        ("ISSUE", 5_500),
        ("TECH", 2_500),
    ]
    assert permits_fees.parse_fee_lines("") == []
    with pytest.raises(ValidationFailed, match="CODE AMOUNT"):
        permits_fees.parse_fee_lines("ELEC")
    standard = permits_fees.standard_fees("ELECTRICAL")
    assert permits_fees.fee_lines_text(standard) == "ELEC 95.00, ISSUE 55.00, TECH 25.00"
    assert [f.code for f in permits_fees.standard_fees("POOL", plan_check=True)] == ["PLANCHK"]


# --------------------------------------------------------------------------- the CLI


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = 0
    try:
        main(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_staff_commands(db: Database, sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    scene = build_scene(db)
    apn = existing_apn(db)
    code, out, err = run_cli(
        [
            "permit",
            "create",
            "--db",
            sqlite_url,
            "--type",
            "ELECTRICAL",
            "--apn",
            apn,
            "--company",
            "ACME ELECTRIC INC",
            "--contact",
            "OWNER:ANN OWNER:951-555-0101",
            "--standard-fees",
            "--status",
            "ISSUED",
        ],
        capsys,
    )
    assert code == 0, err
    number = out.split(":")[0]
    assert number.startswith("B") and "fees $175.00" in out
    code, out, err = run_cli(
        [
            "review",
            "post",
            number,
            "--db",
            sqlite_url,
            "--type",
            "BUILDING",
            "--reviewer",
            "Pat",
            "--status",
            "IN REVIEW",
            "--notes",
            "See sheet 2",
        ],
        capsys,
    )
    assert code == 0, err
    review_id = int(out.split()[1].rstrip(":"))
    code, out, err = run_cli(
        ["review", "update", str(review_id), "--db", sqlite_url, "--status", "APPROVED"],
        capsys,
    )
    assert code == 0 and "APPROVED, completed" in out, err
    code, out, err = run_cli(["payment", "record", number, "25.00", "--db", sqlite_url], capsys)
    assert (code, out.strip()) == (0, f"{number}: fees due $150.00"), err
    (iid,) = request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    code, out, err = run_cli(["inspection", "assign", str(iid), "ben", "--db", sqlite_url], capsys)
    assert code == 0 and out.strip().endswith("-> Ben Oh"), err
    code, out, err = run_cli(
        ["audit", "list", "--db", sqlite_url, "--action", "payment_recorded"], capsys
    )
    assert code == 0 and out.count("\n") == 1 and "$25.00" in out, err
    code, out, err = run_cli(["payment", "record", number, "999.00", "--db", sqlite_url], capsys)
    assert code == 1 and out == ""
    assert err.startswith("etrakit-tui: error: ") and "exceeds the amount due" in err
    assert err.count("\n") == 1

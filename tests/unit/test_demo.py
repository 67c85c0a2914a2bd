"""The demo city (SPEC §5): the guide's records, the fixed sign-ins, a city that obeys the
portal's rules, and dates that follow the clock. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from etrakit_tui.democity.demo import DEMO_CREDENTIALS, build_demo
from etrakit_tui.domain.accounts.hashing import verify_secret
from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.domain.inspections.calendar import local_today, next_business_day
from etrakit_tui.domain.permits import catalog
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import (
    Attachment,
    Company,
    Fee,
    Inspection,
    InspectionPrerequisite,
    InspectionSlot,
    InspectionType,
    Parcel,
    Payment,
    Permit,
    PermitContact,
    PermitStatus,
    StaffUser,
)

OPEN = ("REQUESTED", "SCHEDULED")


def _permit(s: Session, number: str) -> Permit:
    return s.execute(select(Permit).where(Permit.number == number)).scalar_one()


def _due(s: Session, permit_id: int) -> int:
    fees = s.execute(
        select(func.coalesce(func.sum(Fee.amount_cents), 0)).where(Fee.permit_id == permit_id)
    )
    paid = s.execute(
        select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
            Payment.permit_id == permit_id
        )
    )
    return int(fees.scalar_one()) - int(paid.scalar_one())


def _company_permits(s: Session, name: str) -> list[Permit]:
    query = (
        select(Permit)
        .join(PermitContact, col(PermitContact.permit_id) == col(Permit.id))
        .join(Company, col(Company.id) == col(PermitContact.company_id))
        .where(Company.name == name)
    )
    return list(s.execute(query).scalars())


def test_the_guides_records_are_there_as_the_guide_shows_them(any_db: Database) -> None:
    summary = build_demo(any_db)
    today = local_today(any_db.jurisdiction, any_db.now())
    with any_db.read() as s:
        city = s.execute(select(Company).where(Company.name == "CITY OF HEMET")).scalar_one()
        assert (city.license_no, city.email) == ("TEST", "sretmier@cityofhemet.org")

        plan_check = _permit(s, "A1806-065")
        assert (plan_check.permit_type, plan_check.status) == ("ACCESSIBILITY", "ACTIVE")
        assert plan_check.applied_on == date(2018, 6, 27)
        # Request is offered: issued, not expired, nothing due.
        assert plan_check.issued_on is not None and plan_check.issued_on <= today
        assert plan_check.expires_on is not None and plan_check.expires_on > today
        assert _due(s, plan_check.id) == 0  # type: ignore[arg-type]
        files = s.execute(select(Attachment).where(Attachment.permit_id == plan_check.id)).scalars()
        by_name = {a.filename: a for a in files}
        assert set(by_name) == {"IMG_5427.JPG", "IMG5427.JPG"}
        for attachment in by_name.values():
            assert attachment.data is not None and attachment.data[:3] == b"\xff\xd8\xff"  # JPEG
            assert attachment.size == len(attachment.data) > 1000
        contacts = s.execute(select(PermitContact).where(PermitContact.permit_id == plan_check.id))
        assert [c.name for c in contacts.scalars()] == ["CITY OF HEMET"]
        final = s.execute(
            select(Inspection, InspectionType)
            .join(InspectionType, col(InspectionType.id) == col(Inspection.inspection_type_id))
            .where(Inspection.permit_id == plan_check.id, col(Inspection.status).in_(OPEN))
        ).one()
        assert final[1].name == "FINAL" and final[1].is_final
        assert final[0].status == "SCHEDULED" and final[0].inspector_id is not None
        assert final[0].requested_date == next_business_day(any_db.jurisdiction, today)

        expired = _permit(s, "B1906-174")
        parcel = s.get(Parcel, expired.parcel_id)
        assert parcel is not None and parcel.address.startswith("3800 THORN")
        assert (expired.permit_type, expired.status) == ("ELECTRICAL", "EXPIRED")
        assert expired.expires_on == date(2019, 12, 22)
        assert _due(s, expired.id) == 0  # type: ignore[arg-type]
    assert summary.permits >= 400 and summary.full_slot is not None


def test_every_demo_sign_in_works_with_its_secret(db: Database) -> None:
    build_demo(db)
    with db.read() as s:
        for who, sign_in, secret in DEMO_CREDENTIALS:
            if who.startswith("contractor"):
                company = s.execute(select(Company).where(Company.name == sign_in)).scalar_one()
                stored = company.pin_hash if "PIN" in who else company.password_hash
                assert verify_secret(stored, secret), sign_in
                assert not verify_secret(stored, secret + "x")
            else:
                user = s.execute(
                    select(StaffUser).where(StaffUser.username == sign_in)
                ).scalar_one()
                assert user.role == who and verify_secret(user.password_hash, secret)
        sunrise = s.execute(select(Company).where(Company.name == "SUNRISE SOLAR LLC")).scalar_one()
        assert sunrise.password_hash is None and sunrise.pin_expires_at is not None
        assert sunrise.pin_expires_at - db.now() == timedelta(days=db.jurisdiction.pin_valid_days)
        inspectors = (
            s.execute(select(StaffUser).where(StaffUser.role == "inspector")).scalars().all()
        )
        assert len(inspectors) >= 3 and all(i.district for i in inspectors)


def test_the_city_is_large_varied_and_every_dashboard_has_rows(any_db: Database) -> None:
    build_demo(any_db)
    today = local_today(any_db.jurisdiction, any_db.now())
    with any_db.read() as s:
        assert s.execute(select(func.count()).select_from(Company)).scalar_one() >= 40
        assert s.execute(select(func.count()).select_from(Permit)).scalar_one() >= 400
        statuses = set(s.execute(select(Permit.status).distinct()).scalars())
        assert statuses == {status.value for status in PermitStatus}
        assert (
            s.execute(select(func.count()).where(col(Permit.number).startswith("A"))).scalar_one()
            > 10
        )
        types = s.execute(select(InspectionType)).scalars().all()
        for permit_type in catalog.PERMIT_TYPES:
            mine = sorted(
                (t for t in types if t.permit_type == permit_type), key=lambda t: t.sort_order
            )
            assert mine and mine[-1].is_final and not any(t.is_final for t in mine[:-1])
        assert s.execute(select(func.count()).select_from(InspectionPrerequisite)).scalar_one() > 0
        for name in ("CITY OF HEMET", "ACME ELECTRIC INC"):
            permits = _company_permits(s, name)
            active = [p for p in permits if p.status in ("ISSUED", "ACTIVE")]
            expired = [p for p in permits if p.status == "EXPIRED"]
            ids = [p.id for p in permits]
            upcoming = s.execute(
                select(func.count()).where(
                    col(Inspection.permit_id).in_(ids), col(Inspection.status).in_(OPEN)
                )
            ).scalar_one()
            assert len(active) >= 3 and len(expired) >= 1 and upcoming >= 2, name
            assert all(p.expires_on is not None and p.expires_on > today for p in active)


def test_the_city_obeys_the_portals_rules(any_db: Database) -> None:
    build_demo(any_db)
    today = local_today(any_db.jurisdiction, any_db.now())
    with any_db.read() as s:
        permits = {p.id: p for p in s.execute(select(Permit)).scalars()}
        inspections = s.execute(select(Inspection)).scalars().all()
        prerequisites: dict[int, set[int]] = {}
        for pre in s.execute(select(InspectionPrerequisite)).scalars():
            prerequisites.setdefault(pre.inspection_type_id, set()).add(pre.requires_id)
        finals = {
            t.id for t in s.execute(select(InspectionType).where(InspectionType.is_final)).scalars()
        }
        passed: dict[int, set[int]] = {}
        for i in inspections:
            if i.status == "PASSED":
                passed.setdefault(i.permit_id, set()).add(i.inspection_type_id)
        for p in permits.values():
            if p.status in ("ISSUED", "ACTIVE"):
                assert p.expires_on is not None and p.expires_on >= today, p.number
            if p.status == "EXPIRED":
                assert p.expires_on is not None and p.expires_on < today, p.number
        open_per_permit: dict[int, int] = {}
        for i in inspections:
            permit = permits[i.permit_id]
            done = passed.get(i.permit_id, set())
            if i.status in OPEN:
                open_per_permit[i.permit_id] = open_per_permit.get(i.permit_id, 0) + 1
                assert i.requested_date >= today and i.slot_id is not None
                assert permit.status in ("ISSUED", "ACTIVE") and not permit.on_hold
                assert prerequisites.get(i.inspection_type_id, set()) <= done, permit.number
                assert i.inspection_type_id not in done
                if i.inspection_type_id in finals:
                    assert _due(s, permit.id) == 0, permit.number  # type: ignore[arg-type]
                if i.status == "SCHEDULED":
                    assert i.inspector_id is not None
            else:
                assert i.requested_date < today
        assert max(open_per_permit.values()) == 1


def test_every_slot_has_booked_exactly_its_open_inspections(any_db: Database) -> None:
    build_demo(any_db)
    capacity = any_db.jurisdiction.slot_capacity
    with any_db.read() as s:
        slots = s.execute(select(InspectionSlot)).scalars().all()
        open_counts: dict[int, int] = {}
        for slot_id in s.execute(
            select(Inspection.slot_id).where(col(Inspection.status).in_(OPEN))
        ).scalars():
            open_counts[slot_id] = open_counts.get(slot_id, 0) + 1
        assert sum(open_counts.values()) > 50
        for slot in slots:
            assert slot.booked == open_counts.get(slot.id, 0), (
                slot.district,
                slot.day,
                slot.period,
            )
            assert slot.booked <= slot.capacity == capacity
        assert any(slot.booked == capacity for slot in slots)  # a full slot to try


def test_demo_dates_follow_the_clock(
    db: Database, tmp_path: Path, migrated_sqlite_template: Path
) -> None:
    build_demo(db)
    later_path = tmp_path / "later.db"
    shutil.copyfile(migrated_sqlite_template, later_path)
    a_year_later = FixedClock(datetime(2027, 11, 17, 18, 0, tzinfo=UTC))  # a Wednesday
    later = Database.open(f"sqlite:///{later_path}", clock=a_year_later)
    try:
        build_demo(later)
        finals = []
        for database in (db, later):
            today = local_today(database.jurisdiction, database.now())
            with database.read() as s:
                plan_check = _permit(s, "A1806-065")
                day = s.execute(
                    select(Inspection.requested_date).where(
                        Inspection.permit_id == plan_check.id, col(Inspection.status).in_(OPEN)
                    )
                ).scalar_one()
                assert day == next_business_day(database.jurisdiction, today)
                assert plan_check.applied_on == date(2018, 6, 27)  # the guide's date stays
                newest = s.execute(select(func.max(Permit.applied_on))).scalar_one()
                assert newest <= today and (today - newest).days < 30
                finals.append(day)
        assert (finals[1] - finals[0]).days in range(360, 372)
    finally:
        later.dispose()


def test_the_demo_needs_an_empty_database_and_ids_continue_after_it(any_db: Database) -> None:
    build_demo(any_db)
    with pytest.raises(EtrakitError, match="empty database"):
        build_demo(any_db)
    with any_db.write() as s:  # the id sequences were moved past the demo's rows
        s.add(Company(name="NEW CONTRACTOR INC", license_no="999999", created_at=any_db.now()))
        s.add(Parcel(apn="999-999-999", address="1 NEW ST", district="NORTH"))
    with any_db.read() as s:
        assert s.execute(select(func.count()).select_from(Company)).scalar_one() >= 46

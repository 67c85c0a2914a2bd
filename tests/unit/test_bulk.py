"""``etrakit-tui demo-data``: bulk realistic permits, the same for the same seed, on top of
whatever the database holds, keeping the portal's invariants."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import col

from etrakit_tui.domain import catalog
from etrakit_tui.domain.bulk import generate
from etrakit_tui.domain.db import Database, FixedClock
from etrakit_tui.domain.demo import build_demo
from etrakit_tui.domain.models import (
    Company,
    Inspection,
    InspectionSlot,
    Parcel,
    Permit,
    PermitContact,
)

OPEN = ("REQUESTED", "SCHEDULED")


def _second_db(tmp_path: Path, template: Path, clock: FixedClock) -> Database:
    path = tmp_path / "second.db"
    shutil.copyfile(template, path)
    return Database.open(f"sqlite:///{path}", clock=clock)


def _count(db: Database, model: type) -> int:
    with db.read() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def _numbers(db: Database) -> list[str]:
    with db.read() as s:
        return list(s.execute(select(Permit.number).order_by(Permit.id)).scalars())


def _slots_match_open_inspections(db: Database) -> None:
    with db.read() as s:
        open_counts: dict[int, int] = {}
        for slot_id in s.execute(
            select(Inspection.slot_id).where(col(Inspection.status).in_(OPEN))
        ).scalars():
            open_counts[slot_id] = open_counts.get(slot_id, 0) + 1
        for slot in s.execute(select(InspectionSlot)).scalars():
            assert slot.booked == open_counts.get(slot.id, 0) <= slot.capacity


def test_the_same_seed_gives_the_same_city(
    db: Database, tmp_path: Path, migrated_sqlite_template: Path, clock: FixedClock
) -> None:
    other = _second_db(tmp_path, migrated_sqlite_template, clock)
    try:
        first = generate(db, permits=1000, seed=7)
        second = generate(other, permits=1000, seed=7)
        assert _numbers(db) == _numbers(other)
        assert (first.permits, first.companies, first.parcels, first.inspections) == (
            second.permits,
            second.companies,
            second.parcels,
            second.inspections,
        )
        assert first.permits == 1000 and first.companies == 10
        assert all(catalog.is_permit_number(n) for n in _numbers(db))
    finally:
        other.dispose()


def test_a_different_seed_gives_a_different_city(
    db: Database, tmp_path: Path, migrated_sqlite_template: Path, clock: FixedClock
) -> None:
    other = _second_db(tmp_path, migrated_sqlite_template, clock)
    try:
        generate(db, permits=300, seed=7)
        generate(other, permits=300, seed=8)
        with db.read() as s, other.read() as t:
            mine = set(s.execute(select(Parcel.apn)).scalars())
            theirs = set(t.execute(select(Parcel.apn)).scalars())
        assert mine != theirs
    finally:
        other.dispose()


def test_bulk_data_goes_on_top_of_the_demo_city_without_collisions(any_db: Database) -> None:
    build_demo(any_db)
    before = {m: _count(any_db, m) for m in (Permit, Company, Parcel)}
    first = generate(any_db, permits=600, seed=7)
    second = generate(any_db, permits=600, seed=7)  # the same seed again: new rows, no clash
    assert first.permits == second.permits == 600
    assert _count(any_db, Permit) == before[Permit] + 1200
    assert _count(any_db, Company) == before[Company] + 20
    numbers = _numbers(any_db)
    assert len(set(numbers)) == len(numbers) and "A1806-065" in numbers and "B1906-174" in numbers
    _slots_match_open_inspections(any_db)
    with any_db.write() as s:  # ids keep working for the services after a bulk load
        s.add(Company(name="AFTER BULK INC", license_no="A-1", created_at=any_db.now()))


def test_about_three_inspections_per_permit_and_one_big_company(db: Database) -> None:
    summary = generate(db, permits=1000, seed=3)
    assert 2.5 <= summary.inspections / summary.permits <= 3.6
    assert summary.reviews > 0 and summary.fees > summary.permits
    with db.read() as s:
        per_company = s.execute(
            select(PermitContact.company_id, func.count())
            .where(PermitContact.role == "CONTRACTOR")
            .group_by(PermitContact.company_id)
            .order_by(func.count().desc())
        ).all()
        statuses = set(s.execute(select(Permit.status).distinct()).scalars())
    assert per_company[0][1] >= 1000 // 20  # the "big" company
    assert {"ACTIVE", "FINALED", "EXPIRED"} <= statuses
    _slots_match_open_inspections(db)

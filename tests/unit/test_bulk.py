"""``etrakit-tui demo-data``: bulk realistic permits, the same for the same seed, on top of
whatever the database holds, keeping the portal's invariants."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from etrakit_tui.democity import bulk
from etrakit_tui.democity.bulk import generate
from etrakit_tui.democity.citybuilder import CityBuilder
from etrakit_tui.democity.citygen import PermitSpec
from etrakit_tui.democity.demo import build_demo
from etrakit_tui.domain.permits import catalog
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import (
    Company,
    Inspection,
    InspectionSlot,
    Parcel,
    Permit,
    PermitContact,
    metadata,
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


def _contents(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables the generator writes, by id (salted hashes aside)."""
    names = ("company", "staff_user", "parcel", "permit", "permit_contact",
             "inspection_slot", "inspection_request", "inspection", "review", "fee",
             "payment", "condition")  # fmt: skip
    with db.read() as s:
        out = {}
        for name in names:
            table = metadata.tables[name]
            columns = [c for c in table.c if not c.name.endswith("_hash")]
            out[name] = [tuple(r) for r in s.execute(select(*columns).order_by(table.c.id))]
        return out


def test_rows_made_in_a_child_process_are_the_rows_made_in_process(
    db: Database, tmp_path: Path, migrated_sqlite_template: Path, clock: FixedClock
) -> None:
    other = _second_db(tmp_path, migrated_sqlite_template, clock)
    try:
        generate(db, permits=700, seed=5, parallel=True)
        generate(other, permits=700, seed=5, parallel=False)
        mine, theirs = _contents(db), _contents(other)
        assert len(mine["permit"]) == 700 and len(mine["inspection"]) > 1000
        assert mine == theirs
    finally:
        other.dispose()


@pytest.mark.postgres
def test_postgresql_copy_stores_the_same_city_as_sqlite(db: Database, pg_db: Database) -> None:
    for database in (db, pg_db):
        build_demo(database)
        generate(database, permits=400, seed=9)
    on_sqlite, on_postgres = _contents(db), _contents(pg_db)
    assert len(on_postgres["permit"]) > 400 and len(on_postgres["payment"]) > 100
    assert on_sqlite == on_postgres  # dates, UTC times, flags and money survive COPY
    _slots_match_open_inspections(pg_db)


def test_a_failure_while_generating_leaves_only_whole_batches(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = 0
    original = CityBuilder.permit

    def permit_that_breaks(self: CityBuilder, spec: PermitSpec, t: object = None) -> object:
        nonlocal made
        made += 1
        if made == 250:
            raise RuntimeError("disk on fire")
        return original(self, spec)

    monkeypatch.setattr(bulk, "BATCH_PERMITS", 100)
    monkeypatch.setattr(CityBuilder, "permit", permit_that_breaks)
    with pytest.raises(RuntimeError, match="disk on fire"):
        generate(db, permits=1000, seed=4)  # the child makes the rows: its error comes here
    with db.read() as s:
        contractors = s.execute(
            select(func.count())
            .select_from(PermitContact)
            .where(PermitContact.role == "CONTRACTOR")
        ).scalar_one()
    assert _count(db, Permit) == 200 == contractors  # two whole batches, no half of the third
    _slots_match_open_inspections(db)

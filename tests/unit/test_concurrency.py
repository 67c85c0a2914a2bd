"""Concurrent requests never overbook a slot (SPEC §7 "Nothing lost").

Eight processes (spawned, each with its own engine) make 100 request attempts each, all for
the SAME slot of capacity 5, on a SQLite file and on a real PostgreSQL server. Every attempt
is on a different permit, so the only possible refusal is "slot full". Exactly five places
are taken and five inspections saved; every other attempt ends in :class:`SlotFull` — never
a leaked "database is locked", a serialization failure or a CHECK violation.
"""

from __future__ import annotations

import multiprocessing
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import select

from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.errors import SlotFull
from etrakit_tui.domain.inspections.requests import ContactInfo, RequestedItem, request_inspections
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import Inspection, InspectionSlot
from etrakit_tui.settings import Jurisdiction
from tests.support.factories import make_company, make_inspection_types, make_parcel, make_permit

PROCESSES = 8
ATTEMPTS = 100
CAPACITY = 5
NOW = datetime(2026, 11, 18, 18, 0, tzinfo=UTC)  # Wed 11/18/2026 10:00 in Hemet
DAY = date(2026, 11, 19)
CONTACT = ContactInfo("Pat Sparks", "(951) 555-0199", "pat@acme.test", "1 MAIN ST")


def _number(worker: int, attempt: int) -> str:
    return f"B26{worker:02d}-{attempt:03d}"


def _jurisdiction() -> Jurisdiction:
    return Jurisdiction(slot_capacity=CAPACITY)


def _worker(url: str, company_id: int, worker: int, barrier: Any, results: Any) -> None:
    """One process: ATTEMPTS requests for the same slot, each on its own permit."""
    db = Database.open(url, jurisdiction=_jurisdiction(), clock=FixedClock(NOW))
    actor = Actor(ActorKind.COMPANY, company_id, "ACME ELECTRIC INC")
    booked, full, other = 0, 0, []
    barrier.wait()
    for attempt in range(ATTEMPTS):
        try:
            request_inspections(
                db, actor, _number(worker, attempt), CONTACT, [RequestedItem("ROUGH", DAY, "AM")]
            )
            booked += 1
        except SlotFull:
            full += 1
        except Exception as exc:  # anything else is the bug this test looks for
            other.append(f"{type(exc).__name__}: {exc}")
    db.dispose()
    results.put((booked, full, other))


def _scene(db: Database) -> int:
    """One company, one parcel in NORTH and PROCESSES x ATTEMPTS issued permits on it."""
    with db.write() as s:
        company = make_company(s, "ACME ELECTRIC INC")
        make_inspection_types(s, "ELECTRICAL", [("ROUGH", "Rough electrical")])
        parcel = make_parcel(s, district="NORTH")
        for worker in range(PROCESSES):
            for attempt in range(ATTEMPTS):
                make_permit(s, _number(worker, attempt), company=company, parcel=parcel)
        assert company.id is not None
        return company.id


def _race(url: str) -> None:
    setup = Database.open(url, jurisdiction=_jurisdiction(), clock=FixedClock(NOW))
    company_id = _scene(setup)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(url, company_id, w, barrier, results))
        for w in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    booked = sum(o[0] for o in outcomes)
    full = sum(o[1] for o in outcomes)
    other = [message for o in outcomes for message in o[2]]
    assert other == []
    assert (booked, full) == (CAPACITY, PROCESSES * ATTEMPTS - CAPACITY)
    with setup.read() as s:
        (slot,) = s.exec(select(InspectionSlot)).all()
        saved = s.exec(select(Inspection)).all()
    assert (slot.day, slot.period, slot.booked, slot.capacity) == (DAY, "AM", CAPACITY, CAPACITY)
    assert len(saved) == CAPACITY
    assert {i.slot_id for i in saved} == {slot.id}
    setup.dispose()


@pytest.mark.slow
def test_eight_processes_never_overbook_a_sqlite_slot(sqlite_url: str) -> None:
    _race(sqlite_url)


@pytest.mark.slow
@pytest.mark.postgres
def test_eight_processes_never_overbook_a_postgres_slot(pg_url: str) -> None:
    _race(pg_url)

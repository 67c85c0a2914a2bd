"""A killed process leaves no half-written request (SPEC §7 "Nothing lost").

A child process requests inspections in a loop (two per request, all-or-nothing) and
writes each inspection id to a pipe right after its transaction commits. The test SIGKILLs
it right after a random number of acknowledged requests, so the kill lands inside a later
one, again and again. Afterwards: every acknowledged id is in the database, every request has
both its inspections, every slot counts exactly its open inspections, and SQLite's
``PRAGMA integrity_check`` says ``ok``. Rounds are bounded by count, never by time: a child
makes at most ``PER_ROUND`` requests, then waits for its kill, so however fast or slow the
machine, the permits never run out and every child is killed.

The child is forked (``multiprocessing`` "fork") from a parent that holds no database
connection, so each round starts in milliseconds; it opens its own engine.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import select as io_select
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.errors import RuleViolation
from etrakit_tui.domain.inspections.calendar import requestable_dates
from etrakit_tui.domain.inspections.requests import ContactInfo, RequestedItem, request_inspections
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import Inspection, InspectionRequest, InspectionSlot, Permit
from etrakit_tui.settings import Jurisdiction
from tests.support.factories import make_company, make_inspection_types, make_parcel, make_permit

ROUNDS = 25
PER_ROUND = 30  # requests one child makes at most
PERMITS = ROUNDS * PER_ROUND
NOW = datetime(2026, 11, 18, 18, 0, tzinfo=UTC)  # Wed 11/18/2026 10:00 in Hemet
RULES = Jurisdiction(slot_capacity=1000)
CONTACT = ContactInfo("Pat Sparks", "(951) 555-0199", "pat@acme.test", "1 MAIN ST")


def _child(url: str, company_id: int, out: int, hold: tuple[int, int]) -> None:
    """Request ROUGH + SERVICE on up to PER_ROUND untouched permits; write each id once
    committed; then wait (on ``hold``, a pipe nobody writes to) for the kill."""
    os.close(hold[1])
    db = Database.open(url, jurisdiction=RULES, clock=FixedClock(NOW))
    actor = Actor(ActorKind.COMPANY, company_id, "ACME ELECTRIC INC")
    days = requestable_dates(RULES, NOW)
    with db.read() as s:
        untouched = s.exec(
            select(Permit.number)
            .where(~col(Permit.id).in_(select(Inspection.permit_id)))
            .order_by(col(Permit.number))
        ).all()
    assert len(untouched) >= PER_ROUND
    os.write(out, b"ready\n")
    for n, number in enumerate(untouched[:PER_ROUND]):
        items = [
            RequestedItem("ROUGH", days[n % len(days)], "AM"),
            RequestedItem("SERVICE", days[(n + 1) % len(days)], "PM"),
        ]
        try:
            made = request_inspections(db, actor, number, CONTACT, items)
        except RuleViolation:  # committed just before an earlier kill, never acknowledged
            continue
        os.write(out, "".join(f"{v.id}\n" for v in made).encode())
    os.read(hold[0], 1)  # the kill comes first (or the end of file, should the test die)


def _scene(db: Database) -> int:
    with db.write() as s:
        company = make_company(s, "ACME ELECTRIC INC")
        make_inspection_types(s, "ELECTRICAL", [("ROUGH", "Rough"), ("SERVICE", "Service")])
        parcel = make_parcel(s, district="NORTH")
        for i in range(PERMITS):
            make_permit(s, f"B2611-{i:03d}", company=company, parcel=parcel)
        assert company.id is not None
        return company.id


def _drain(fd: int) -> bytes:
    """Read what the (killed) child wrote, to the end of file."""
    data = b""
    while chunk := os.read(fd, 65536):
        data += chunk
    return data


def _acknowledged(data: bytes) -> int:
    """Inspection ids acknowledged in ``data`` (a line without its newline is not)."""
    return sum(line.isdigit() for line in data.decode().split("\n")[:-1])


def _round(ctx: Any, url: str, company_id: int, rng: random.Random) -> tuple[list[int], bool]:
    """One child, killed right after a random number (1 .. PER_ROUND - 1) of acknowledged
    requests. Returns the acknowledged ids and whether it was killed (not ended on its own)."""
    read_end, write_end = os.pipe()
    hold = os.pipe()
    child = ctx.Process(target=_child, args=(url, company_id, write_end, hold))
    child.start()
    os.close(write_end)
    os.close(hold[0])
    kill_after = rng.randint(1, PER_ROUND - 1)
    data = b""
    while b"ready\n" not in data or _acknowledged(data) < 2 * kill_after:
        # a guard against a hung child only: a round waits for counts, not for time
        ready, _, _ = io_select.select([read_end], [], [], 120)
        assert ready, "the child stopped making requests"
        chunk = os.read(read_end, 65536)
        assert chunk, f"the child ended early (exit code {child.exitcode})"
        data += chunk
    child.kill()  # SIGKILL: no cleanup, no rollback, no flush
    child.join(10)
    os.close(hold[1])
    data += _drain(read_end)
    os.close(read_end)
    lines = data.decode().split("\n")[:-1]  # a line cut by the kill is not acknowledged
    return [int(line) for line in lines if line.isdigit()], child.exitcode == -9


def test_sigkill_loses_no_acknowledged_request(sqlite_url: str) -> None:
    setup = Database.open(sqlite_url, jurisdiction=RULES, clock=FixedClock(NOW))
    company_id = _scene(setup)
    setup.dispose()  # the parent holds no connection while children are forked
    ctx = multiprocessing.get_context("fork")
    rng = random.Random(20261118)
    acknowledged: list[int] = []
    killed = 0
    for _ in range(ROUNDS):
        ids, was_killed = _round(ctx, sqlite_url, company_id, rng)
        acknowledged += ids
        killed += was_killed
    assert killed == ROUNDS
    assert len(acknowledged) >= 2 * ROUNDS  # each round acknowledged one or more requests

    db = Database.open(sqlite_url, jurisdiction=RULES, clock=FixedClock(NOW))
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    with db.read() as s:
        saved = set(s.exec(select(Inspection.id)).all())
        per_request = s.exec(
            select(func.count()).select_from(Inspection).group_by(col(Inspection.request_id))
        ).all()
        requests = s.exec(select(func.count()).select_from(InspectionRequest)).one()
        slots = s.exec(select(InspectionSlot)).all()
        open_by_slot = dict(
            s.exec(select(Inspection.slot_id, func.count()).group_by(col(Inspection.slot_id))).all()
        )
    db.dispose()
    assert set(acknowledged) <= saved
    assert len(acknowledged) == len(set(acknowledged))
    assert set(per_request) == {2} and len(per_request) == requests
    assert all(slot.booked == open_by_slot.get(slot.id, 0) for slot in slots)

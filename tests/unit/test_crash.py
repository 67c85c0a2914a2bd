"""A killed process leaves no half-written request (SPEC §7 "Nothing lost").

A child process requests inspections in a loop (two per request, all-or-nothing) and
writes each inspection id to a pipe right after its transaction commits. The test SIGKILLs
it at a random moment, again and again. Afterwards: every acknowledged id is in the
database, every request has both its inspections, every slot counts exactly its open
inspections, and SQLite's ``PRAGMA integrity_check`` says ``ok``.

The child is forked (``multiprocessing`` "fork") from a parent that holds no database
connection, so each round starts in milliseconds; it opens its own engine.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import select as io_select
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from etrakit_tui.domain.actors import Actor, ActorKind
from etrakit_tui.domain.calendar import requestable_dates
from etrakit_tui.domain.db import Database, FixedClock
from etrakit_tui.domain.errors import RuleViolation
from etrakit_tui.domain.inspections import ContactInfo, RequestedItem, request_inspections
from etrakit_tui.domain.models import Inspection, InspectionRequest, InspectionSlot, Permit
from etrakit_tui.settings import Jurisdiction
from tests.support.factories import make_company, make_inspection_types, make_parcel, make_permit

ROUNDS = 25
PERMITS = 800
NOW = datetime(2026, 11, 18, 18, 0, tzinfo=UTC)  # Wed 11/18/2026 10:00 in Hemet
RULES = Jurisdiction(slot_capacity=1000)
CONTACT = ContactInfo("Pat Sparks", "(951) 555-0199", "pat@acme.test", "1 MAIN ST")


def _child(url: str, company_id: int, out: int) -> None:
    """Request ROUGH + SERVICE on each untouched permit; write each id once committed."""
    db = Database.open(url, jurisdiction=RULES, clock=FixedClock(NOW))
    actor = Actor(ActorKind.COMPANY, company_id, "ACME ELECTRIC INC")
    days = requestable_dates(RULES, NOW)
    with db.read() as s:
        untouched = s.exec(
            select(Permit.number)
            .where(~col(Permit.id).in_(select(Inspection.permit_id)))
            .order_by(col(Permit.number))
        ).all()
    os.write(out, b"ready\n")
    for n, number in enumerate(untouched):
        items = [
            RequestedItem("ROUGH", days[n % len(days)], "AM"),
            RequestedItem("SERVICE", days[(n + 1) % len(days)], "PM"),
        ]
        try:
            made = request_inspections(db, actor, number, CONTACT, items)
        except RuleViolation:  # committed just before an earlier kill, never acknowledged
            continue
        os.write(out, "".join(f"{v.id}\n" for v in made).encode())
    os.write(out, b"done\n")


def _scene(db: Database) -> int:
    with db.write() as s:
        company = make_company(s, "ACME ELECTRIC INC")
        make_inspection_types(s, "ELECTRICAL", [("ROUGH", "Rough"), ("SERVICE", "Service")])
        parcel = make_parcel(s, district="NORTH")
        for i in range(PERMITS):
            make_permit(s, f"B2611-{i:03d}", company=company, parcel=parcel)
        assert company.id is not None
        return company.id


def _drain(fd: int, deadline: float | None) -> bytes:
    """Read what the child wrote, until ``deadline`` (or end of file when ``None``)."""
    data = b""
    while True:
        timeout = None if deadline is None else max(deadline - time.monotonic(), 0)
        ready, _, _ = io_select.select([fd], [], [], timeout)
        if not ready:
            return data
        chunk = os.read(fd, 65536)
        if not chunk:
            return data
        data += chunk


def _round(ctx: Any, url: str, company_id: int, rng: random.Random) -> tuple[list[int], bool]:
    """One child, killed at a random moment after it is ready. Returns the acknowledged
    ids and whether it got killed before finishing."""
    read_end, write_end = os.pipe()
    child = ctx.Process(target=_child, args=(url, company_id, write_end))
    child.start()
    os.close(write_end)
    data = b""
    started = time.monotonic()
    while b"ready\n" not in data:
        ready, _, _ = io_select.select([read_end], [], [], 30)
        assert ready and time.monotonic() - started < 30, "the child did not start"
        data += os.read(read_end, 65536)
    # the kill lands at a random moment after the round's first acknowledged request (on a
    # loaded machine one request can take longer than the whole random window)
    while not any(line.isdigit() for line in data.decode().split("\n")[:-1]):
        ready, _, _ = io_select.select([read_end], [], [], 30)
        assert ready and time.monotonic() - started < 60, "no request was acknowledged"
        data += os.read(read_end, 65536)
    data += _drain(read_end, time.monotonic() + rng.uniform(0.0, 0.4))
    child.kill()  # SIGKILL: no cleanup, no rollback, no flush
    child.join(10)
    data += _drain(read_end, None)
    os.close(read_end)
    lines = data.decode().split("\n")
    complete = lines[:-1]  # a line without its newline was cut by the kill: not acknowledged
    assert "done" not in complete, "the child ran out of permits: raise PERMITS"
    return [int(line) for line in complete if line.isdigit()], child.exitcode == -9


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
    assert len(acknowledged) >= ROUNDS  # each round acknowledged at least one before its kill

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

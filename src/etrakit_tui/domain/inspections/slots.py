"""Slot capacity: how many inspections a district takes per day and AM/PM.

One :class:`InspectionSlot` per (district, day, AM/PM), created on demand by an insert that
tolerates a concurrent one, and taken ONLY by the conditional
``UPDATE ... SET booked = booked + 1 WHERE booked < capacity`` (rowcount 1, or the slot is
full). ``booked`` counts the slot's open (REQUESTED/SCHEDULED) inspections: a cancellation
or a result gives the place back.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from etrakit_tui.domain.errors import SlotFull
from etrakit_tui.domain.inspections.calendar import (
    format_day,
    requestable_slots,
)
from etrakit_tui.domain.inspections.schedule import fetch
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import (
    InspectionSlot,
    Period,
)

# --------------------------------------------------------------------------- capacity


def _slot_key(district: str, day: date, period: Period) -> tuple[Any, ...]:
    return (
        col(InspectionSlot.district) == district,
        col(InspectionSlot.day) == day,
        col(InspectionSlot.period) == period.value,
    )


def slot_id(s: Session, db: Database, district: str, day: date, period: Period) -> int:
    """The slot's id, creating it (capacity from the jurisdiction) if it does not exist.
    A concurrent creation is tolerated: INSERT ... ON CONFLICT DO NOTHING, then read back."""
    found = s.exec(select(InspectionSlot.id).where(*_slot_key(district, day, period))).first()
    if found is not None:
        return found
    values = {
        "district": district,
        "day": day,
        "period": period.value,
        "capacity": db.jurisdiction.slot_capacity,
        "booked": 0,
    }
    keys = ["district", "day", "period"]
    if s.get_bind().dialect.name == "postgresql":
        pg = postgresql.insert(InspectionSlot).values(values)
        s.exec(pg.on_conflict_do_nothing(index_elements=keys))
    else:
        lite = sqlite.insert(InspectionSlot).values(values)
        s.exec(lite.on_conflict_do_nothing(index_elements=keys))
    created = s.exec(select(InspectionSlot.id).where(*_slot_key(district, day, period))).one()
    assert created is not None
    return created


def next_free(
    s: Session, db: Database, district: str, day: date, period: Period
) -> tuple[date, Period] | None:
    """The first requestable (date, AM/PM) after the given one that has room."""
    later = [
        (d, p)
        for d, p in requestable_slots(db.jurisdiction, db.now())
        if (d, p.value) > (day, period.value)
    ]
    rows = fetch(
        s,
        sa_select(
            col(InspectionSlot.day),
            col(InspectionSlot.period),
            col(InspectionSlot.booked),
            col(InspectionSlot.capacity),
        ).where(
            col(InspectionSlot.district) == district,
            col(InspectionSlot.day).in_({d for d, _ in later}),
        ),
    )
    room = {(d, p): booked < capacity for d, p, booked, capacity in rows}
    for d, p in later:
        if room.get((d, p.value), db.jurisdiction.slot_capacity > 0):
            return d, p
    return None


def take_place(s: Session, db: Database, district: str, day: date, period: Period) -> int:
    """Take one place in the slot with the conditional UPDATE, or raise :class:`SlotFull`
    naming the next free slot. Returns the slot's id."""
    target = slot_id(s, db, district, day, period)
    taken = s.exec(
        update(InspectionSlot)
        .where(
            col(InspectionSlot.id) == target,
            col(InspectionSlot.booked) < col(InspectionSlot.capacity),
        )
        .values(booked=col(InspectionSlot.booked) + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise slot_full(s, db, district, day, period)
    return target


def slot_full(s: Session, db: Database, district: str, day: date, period: Period) -> SlotFull:
    """The refusal of a full slot, naming the next free one."""
    nxt = next_free(s, db, district, day, period)
    tail = f"next free: {format_day(nxt[0])} {nxt[1].value}" if nxt else "no later slot is free"
    return SlotFull(
        f"The {period.value} slot on {format_day(day)} is full; {tail}.", field="requested_date"
    )


def places_left(s: Session, db: Database, district: str, day: date, period: Period) -> int:
    """How many places the slot has left (read only: a slot not made yet is all free)."""
    row = s.exec(
        select(InspectionSlot.booked, InspectionSlot.capacity).where(
            *_slot_key(district, day, period)
        )
    ).first()
    if row is None:
        return db.jurisdiction.slot_capacity
    booked, capacity = row
    return max(capacity - booked, 0)


def free_place(s: Session, slot: int | None) -> None:
    """Give back the place an open inspection held (``booked >= 0`` is the backstop)."""
    if slot is None:
        return
    s.exec(
        update(InspectionSlot)
        .where(col(InspectionSlot.id) == slot, col(InspectionSlot.booked) > 0)
        .values(booked=col(InspectionSlot.booked) - 1)
        .execution_options(synchronize_session=False)
    )

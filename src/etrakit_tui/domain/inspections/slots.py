"""Slot capacity: how many inspections a district takes per day and AM/PM.

One :class:`InspectionSlot` per (district, day, AM/PM), created on demand by an insert that
tolerates a concurrent one, and taken ONLY by the conditional
``UPDATE ... SET booked = booked + 1 WHERE booked < capacity`` (a row back, or the slot is
full). ``booked`` counts the slot's open (REQUESTED/SCHEDULED) inspections: a cancellation
or a result gives the place back.

Statements are built once (Core, bound parameters) and run on the caller's connection or
session, inside its transaction.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Connection, Date, Integer, String, bindparam, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from etrakit_tui.domain.errors import SlotFull
from etrakit_tui.domain.inspections.calendar import format_day, requestable_slots
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.direct import Direct, Runner
from etrakit_tui.domain.store.models import InspectionSlot, Period

Source = Connection | Session | Direct
"""Where a statement runs: a Core connection (straight on the driver or not) or a session,
in the caller's transaction."""


class _Statements(NamedTuple):
    take: Any
    room: Any
    later: Any
    free: Any


@functools.cache
def _statements() -> _Statements:
    booked, capacity = col(InspectionSlot.booked), col(InspectionSlot.capacity)
    key = (
        col(InspectionSlot.district) == bindparam("slot_district", type_=String),
        col(InspectionSlot.day) == bindparam("slot_day", type_=Date),
        col(InspectionSlot.period) == bindparam("slot_period", type_=String),
    )
    return _Statements(
        take=update(InspectionSlot)
        .where(*key, booked < capacity)
        .values(booked=booked + 1)
        .returning(col(InspectionSlot.id)),
        room=sa_select(booked, capacity).where(*key),
        later=sa_select(col(InspectionSlot.day), col(InspectionSlot.period), booked, capacity)
        .where(col(InspectionSlot.district) == bindparam("slot_district", type_=String))
        .where(col(InspectionSlot.day).in_(bindparam("days", expanding=True))),
        free=update(InspectionSlot)
        .where(col(InspectionSlot.id) == bindparam("slot", type_=Integer), booked > 0)
        .values(booked=booked - 1),
    )


@functools.cache
def _create(dialect: str) -> Any:
    """INSERT of a new slot (bound key and capacity), doing nothing if it exists."""
    values = {
        "district": bindparam("slot_district", type_=String),
        "day": bindparam("slot_day", type_=Date),
        "period": bindparam("slot_period", type_=String),
        "capacity": bindparam("slot_capacity", type_=Integer),
        "booked": 0,
    }
    keys = ["district", "day", "period"]
    if dialect == "postgresql":
        return (
            postgresql.insert(InspectionSlot)
            .values(values)
            .on_conflict_do_nothing(index_elements=keys)
        )
    return sqlite.insert(InspectionSlot).values(values).on_conflict_do_nothing(index_elements=keys)


def _conn(source: Source) -> Runner:
    """The connection to run on; a session's pending changes go first (as its autoflush)."""
    if isinstance(source, Session):
        source.flush()
        return source.connection()
    return source


def _key(district: str, day: date, period: Period) -> dict[str, Any]:
    return {"slot_district": district, "slot_day": day, "slot_period": period.value}


# --------------------------------------------------------------------------- capacity


def take_place(source: Source, db: Database, district: str, day: date, period: Period) -> int:
    """Take one place in the slot with the conditional UPDATE (creating the slot, capacity
    from the jurisdiction, if it does not exist yet), or raise :class:`SlotFull` naming the
    next free slot. Returns the slot's id."""
    conn, key = _conn(source), _key(district, day, period)
    taken = conn.execute(_statements().take, key).scalar()
    if taken is None:  # full, or not made yet: make it (a concurrent insert is tolerated)
        capacity = {"slot_capacity": db.jurisdiction.slot_capacity}
        conn.execute(_create(conn.dialect.name), {**key, **capacity})
        taken = conn.execute(_statements().take, key).scalar()
    if taken is None:
        raise slot_full(conn, db, district, day, period)
    return int(taken)


def next_free(
    source: Source, db: Database, district: str, day: date, period: Period
) -> tuple[date, Period] | None:
    """The first requestable (date, AM/PM) after the given one that has room."""
    later = [
        (d, p)
        for d, p in requestable_slots(db.jurisdiction, db.now())
        if (d, p.value) > (day, period.value)
    ]
    params = {"slot_district": district, "days": sorted({d for d, _ in later})}
    rows = _conn(source).execute(_statements().later, params)
    room = {(d, p): booked < capacity for d, p, booked, capacity in rows}
    for d, p in later:
        if room.get((d, p.value), db.jurisdiction.slot_capacity > 0):
            return d, p
    return None


def slot_full(source: Source, db: Database, district: str, day: date, period: Period) -> SlotFull:
    """The refusal of a full slot, naming the next free one."""
    nxt = next_free(source, db, district, day, period)
    tail = f"next free: {format_day(nxt[0])} {nxt[1].value}" if nxt else "no later slot is free"
    return SlotFull(
        f"The {period.value} slot on {format_day(day)} is full; {tail}.", field="requested_date"
    )


def places_left(source: Source, db: Database, district: str, day: date, period: Period) -> int:
    """How many places the slot has left (read only: a slot not made yet is all free)."""
    row = _conn(source).execute(_statements().room, _key(district, day, period)).first()
    if row is None:
        return db.jurisdiction.slot_capacity
    booked, capacity = row
    return max(int(capacity) - int(booked), 0)


def free_place(source: Source, slot: int | None) -> None:
    """Give back the place an open inspection held (``booked >= 0`` is the backstop)."""
    if slot is None:
        return
    _conn(source).execute(_statements().free, {"slot": slot})

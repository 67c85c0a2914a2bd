"""What the inspection services share: read models, refusal auditing, row locks, the
inspection view query, and slot capacity.

The public face is :mod:`etrakit_tui.domain.inspections` (which re-exports the read models);
this module exists so that module and :mod:`etrakit_tui.domain.inspection_work` stay small.

Capacity: one :class:`InspectionSlot` per (district, day, AM/PM), created on demand by an
insert that tolerates a concurrent one, and taken ONLY by the conditional
``UPDATE ... SET booked = booked + 1 WHERE booked < capacity`` (rowcount 1, or the slot is
full). ``booked`` counts the slot's open (REQUESTED/SCHEDULED) inspections: a cancellation
or a result gives the place back.

Lock order, so PostgreSQL transactions never deadlock: permit, then inspection, then slot
(SQLite's ``BEGIN IMMEDIATE`` serialises writers anyway).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from etrakit_tui.domain import audit
from etrakit_tui.domain.access import AccessDenied, audit_denial
from etrakit_tui.domain.actors import Actor
from etrakit_tui.domain.calendar import (
    can_cancel_online,
    cancel_deadline,
    format_day,
    requestable_slots,
)
from etrakit_tui.domain.db import Database
from etrakit_tui.domain.errors import DatabaseError, EtrakitError, NotFound, SlotFull
from etrakit_tui.domain.models import (
    OPEN_INSPECTION_STATUSES,
    Inspection,
    InspectionSlot,
    InspectionType,
    Parcel,
    Period,
    Permit,
    StaffUser,
)

OPEN = tuple(s.value for s in OPEN_INSPECTION_STATUSES)
"""Statuses of an inspection that still holds its place (REQUESTED, SCHEDULED)."""


# --------------------------------------------------------------------------- read models


@dataclass(frozen=True, slots=True)
class ContactInfo:
    """The contact block of the request form (name, phone, email, site address required)."""

    name: str
    phone: str
    email: str
    site_address: str
    notes: str = ""


@dataclass(frozen=True, slots=True)
class RequestedItem:
    """One line of the request list: inspection type code, date, AM/PM."""

    inspection_type: str
    requested_date: date
    period: Period | str


@dataclass(frozen=True, slots=True)
class InspectionTypeOption:
    """An inspection type valid for the permit; ``reason`` says why it cannot be requested."""

    code: str
    name: str
    is_final: bool
    requestable: bool
    reason: str | None


@dataclass(frozen=True, slots=True)
class InspectionView:
    """An inspection as the contractor and staff screens show it. ``can_cancel``: a company
    may still cancel it online (open, and before the cutoff on its day)."""

    id: int
    permit_number: str
    permit_type: str
    address: str
    district: str
    type_code: str
    type_name: str
    requested_date: date
    period: str
    status: str
    inspector_name: str
    comments: str
    cancel_deadline: datetime
    can_cancel: bool


@dataclass(frozen=True, slots=True)
class RouteStop:
    """One stop of an inspector's day, with what the inspector needs on site."""

    inspection_id: int
    period: str
    window: str
    address: str
    permit_number: str
    permit_type: str
    type_code: str
    type_name: str
    status: str
    contact_name: str
    contact_phone: str
    notes: str
    comments: str


@dataclass(frozen=True, slots=True)
class Assignment:
    """One inspection given to an inspector by the daily job."""

    inspection_id: int
    permit_number: str
    district: str
    period: str
    inspector: str


@dataclass(frozen=True, slots=True)
class AssignmentReport:
    """What the daily assignment did; ``unassigned`` stay REQUESTED (no active inspector)."""

    day: date
    assigned: tuple[Assignment, ...]
    unassigned: tuple[int, ...]

    def __str__(self) -> str:
        return (
            f"{format_day(self.day)}: {len(self.assigned)} inspection(s) assigned, "
            f"{len(self.unassigned)} left without an inspector"
        )


# --------------------------------------------------------------------------- helpers


@contextmanager
def audited_refusals(db: Database, actor: Actor, action: str, target: str) -> Iterator[None]:
    """Audit a refusal raised inside, in its own transaction (the refused change has
    already rolled back), then let it out. Access refusals get the ``access_denied`` line."""
    try:
        yield
    except AccessDenied as denied:
        if not denied.audited:
            audit_denial(db, denied)
        raise
    except DatabaseError:
        raise
    except EtrakitError as refused:
        outcome = "not_found" if isinstance(refused, NotFound) else "refused"
        with db.write() as s:
            audit.record(
                s, actor, action, at=db.now(), target=target, outcome=outcome, detail=str(refused)
            )
        raise


def deny(actor: Actor, target: str, detail: str) -> AccessDenied:
    """A refusal that reads exactly like "inspection not found"."""
    return AccessDenied("inspection", actor=actor, target=target, detail=detail)


def lock_inspection(s: Session, inspection_id: int) -> Inspection:
    """The inspection row, fresh from the database and locked (PostgreSQL) for this change."""
    query = select(Inspection).where(Inspection.id == inspection_id).with_for_update()
    return s.exec(query.execution_options(populate_existing=True)).one()


def lock_permit(s: Session, permit_id: int) -> Permit:
    """The permit row, fresh and locked (PostgreSQL) for this change."""
    query = select(Permit).where(Permit.id == permit_id).with_for_update()
    return s.exec(query.execution_options(populate_existing=True)).one()


def fetch(s: Session, statement: Any) -> list[Any]:
    """Rows of a select wider than SQLModel's typed ``select`` (at most four columns)."""
    return list(s.exec(statement).all())


def views(s: Session, db: Database, *where: Any, limit: int | None = None) -> list[InspectionView]:
    """Inspection views matching ``where``, in date, AM/PM, permit order (at most ``limit``)."""
    j, now = db.jurisdiction, db.now()
    query = (
        sa_select(
            col(Inspection.id),
            col(Permit.number),
            col(Permit.permit_type),
            col(Parcel.address),
            col(Parcel.district),
            col(InspectionType.code),
            col(InspectionType.name),
            col(Inspection.requested_date),
            col(Inspection.period),
            col(Inspection.status),
            col(StaffUser.full_name),
            col(Inspection.comments),
        )
        .join(Permit, col(Permit.id) == col(Inspection.permit_id))
        .join(InspectionType, col(InspectionType.id) == col(Inspection.inspection_type_id))
        .outerjoin(Parcel, col(Parcel.id) == col(Permit.parcel_id))
        .outerjoin(StaffUser, col(StaffUser.id) == col(Inspection.inspector_id))
        .where(*where)
        .order_by(
            col(Inspection.requested_date),
            col(Inspection.period),
            col(Permit.number),
            col(Inspection.id),
        )
        .limit(limit)
    )
    found = []
    for row in fetch(s, query):
        iid, number, ptype, address, district, code, name, day, period, status = row[:10]
        inspector, comments = row[10:]
        found.append(
            InspectionView(
                id=iid,
                permit_number=number,
                permit_type=ptype,
                address=address or "",
                district=district or "",
                type_code=code,
                type_name=name,
                requested_date=day,
                period=period,
                status=status,
                inspector_name=inspector or "",
                comments=comments,
                cancel_deadline=cancel_deadline(j, day),
                can_cancel=status in OPEN and can_cancel_online(j, day, now),
            )
        )
    return found


def view_of(s: Session, db: Database, inspection_id: int) -> InspectionView:
    """The view of one inspection (after the caller's change, flushed)."""
    s.flush()
    return views(s, db, col(Inspection.id) == inspection_id)[0]


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

"""Inspection read models and the one query that builds them (date, AM/PM, permit order)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.errors import AccessDenied
from etrakit_tui.domain.inspections.calendar import (
    can_cancel_online,
    cancel_deadline,
    format_day,
)
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import (
    OPEN_INSPECTION_STATUSES,
    Inspection,
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


def deny(actor: Actor, target: str, detail: str) -> AccessDenied:
    """A refusal that reads exactly like "inspection not found"."""
    return AccessDenied("inspection", actor=actor, target=target, detail=detail)


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

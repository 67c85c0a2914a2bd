"""The inspection schedule: which inspections are open, and the one query that lists
inspections as :class:`~etrakit_tui.domain.inspections.views.InspectionView` (date, AM/PM,
permit order) for the upcoming list, the route, the desk and each change's answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from etrakit_tui.domain.inspections.calendar import (
    can_cancel_online,
    cancel_deadline,
)
from etrakit_tui.domain.inspections.views import InspectionView
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import (
    OPEN_INSPECTION_STATUSES,
    Inspection,
    InspectionType,
    Parcel,
    Permit,
    StaffUser,
)

OPEN = tuple(s.value for s in OPEN_INSPECTION_STATUSES)


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

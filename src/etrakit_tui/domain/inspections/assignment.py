"""Who inspects what (SPEC §3, §4): the daily assignment, assigning by hand, the inspectors
staff may choose from, a day's open inspections (keyset paged) and the inspector's route.

Only staff (and the SYSTEM actor) may assign; anyone else gets ``NotFound`` and the
refusal is audited (``access_denied``). An inspector sees only their own route.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, tuple_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.audit import audited_refusals, require_staff
from etrakit_tui.domain.errors import NotFound, RuleViolation
from etrakit_tui.domain.inspections.calendar import format_day, local_today, window_for
from etrakit_tui.domain.inspections.schedule import OPEN, fetch, view_of, views
from etrakit_tui.domain.inspections.views import (
    Assignment,
    AssignmentReport,
    InspectionView,
    InspectorOption,
    RouteStop,
)
from etrakit_tui.domain.permits.access import deny, permit_scoped, scoped_row
from etrakit_tui.domain.permits.views import Page
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.locks import lock_inspection
from etrakit_tui.domain.store.models import (
    ContactRole,
    Inspection,
    InspectionRequest,
    InspectionStatus,
    InspectionType,
    Parcel,
    Permit,
    PermitContact,
    StaffRole,
    StaffUser,
)

# --------------------------------------------------------------------------- assignment


def _active_inspectors(s: Session) -> list[tuple[int, str, str | None]]:
    rows = s.exec(
        select(StaffUser.id, StaffUser.username, StaffUser.district)
        .where(StaffUser.role == StaffRole.INSPECTOR.value, col(StaffUser.disabled).is_(False))
        .order_by(col(StaffUser.username))
    ).all()
    return [(i, name, district) for i, name, district in rows if i is not None]


def assign_inspections(db: Database, actor: Actor, day: date | None = None) -> AssignmentReport:
    """The daily job: each REQUESTED inspection of ``day`` (default: local today) becomes
    SCHEDULED with an inspector, round-robin within its district: the active inspectors of
    the district take turns, the one with the fewest inspections that day going next; a
    district without its own inspector is served last, by the least busy of all.
    Idempotent: a second run finds nothing to assign. Inspections left without an
    inspector (nobody active) stay REQUESTED and are reported."""
    now = db.now()
    when = day or local_today(db.jurisdiction, now)
    with audited_refusals(db, actor, "inspections_assigned", format_day(when)):
        if not actor.is_staff:
            raise deny(actor, "inspection", "assign-inspections", "daily assignment")
        with db.write() as s:
            inspectors = _active_inspectors(s)
            load = {iid: 0 for iid, _, _ in inspectors}
            for iid, count in s.exec(
                select(Inspection.inspector_id, func.count())
                .where(Inspection.requested_date == when, col(Inspection.status).in_(OPEN))
                .group_by(col(Inspection.inspector_id))
            ):
                if iid in load:
                    load[iid] = count
            pending = fetch(
                s,
                sa_select(
                    col(Inspection.id),
                    col(Permit.number),
                    col(Parcel.district),
                    col(Inspection.period),
                )
                .join(Permit, col(Permit.id) == col(Inspection.permit_id))
                .outerjoin(Parcel, col(Parcel.id) == col(Permit.parcel_id))
                .where(
                    col(Inspection.requested_date) == when,
                    col(Inspection.status) == InspectionStatus.REQUESTED.value,
                )
                .order_by(
                    col(Parcel.district),
                    col(Inspection.period),
                    col(Inspection.requested_at),
                    col(Inspection.id),
                ),
            )
            staffed = {district for _, _, district in inspectors if district}
            # Districts with their own inspectors first; the others then go to whoever is
            # least busy. ``sorted`` is stable, so each keeps its AM-first order.
            pending.sort(key=lambda row: row[2] not in staffed)
            assigned: list[Assignment] = []
            unassigned: list[int] = []
            for iid, number, district, period in pending:
                local = [i for i in inspectors if district in staffed and i[2] == district]
                candidates = local or inspectors
                if not candidates:
                    unassigned.append(iid)
                    continue
                pick_id, pick_name, _ = min(candidates, key=lambda i: load[i[0]])
                done = s.exec(
                    update(Inspection)
                    .where(
                        col(Inspection.id) == iid,
                        col(Inspection.status) == InspectionStatus.REQUESTED.value,
                    )
                    .values(
                        status=InspectionStatus.SCHEDULED.value,
                        inspector_id=pick_id,
                        scheduled_at=now,
                    )
                    .execution_options(synchronize_session=False)
                )
                if done.rowcount == 1:
                    load[pick_id] += 1
                    assigned.append(Assignment(iid, number, district or "", period, pick_name))
                    audit.record(
                        s,
                        actor,
                        "inspector_assigned",
                        at=now,
                        target=number,
                        detail=f"inspection {iid} -> {pick_name}",
                    )
            report = AssignmentReport(when, tuple(assigned), tuple(unassigned))
            audit.record(
                s,
                actor,
                "inspections_assigned",
                at=now,
                target=format_day(when),
                detail=str(report),
            )
    return report


@permit_scoped
def assign_inspector(
    db: Database, actor: Actor, inspection_id: int, username: str
) -> InspectionView:
    """Staff: give an open inspection to an active inspector by hand (it becomes SCHEDULED)."""
    now = db.now()
    with (
        audited_refusals(db, actor, "inspector_assigned", f"inspection {inspection_id}"),
        db.write() as s,
    ):
        _, permit = scoped_row(s, actor, Inspection, inspection_id, what="inspection")
        if not actor.is_staff:
            raise deny(actor, "inspection", permit.number, f"assign inspection {inspection_id}")
        inspection = lock_inspection(s, inspection_id)
        if inspection.status not in OPEN:
            raise RuleViolation(
                f"This inspection is already {inspection.status}.", field="inspection"
            )
        wanted = username.strip()
        user = s.exec(select(StaffUser).where(StaffUser.username == wanted)).first()
        if user is None or user.role != StaffRole.INSPECTOR.value or user.disabled:
            raise RuleViolation(f"{wanted[:64]!r} is not an active inspector.", field="inspector")
        inspection.status = InspectionStatus.SCHEDULED.value
        inspection.inspector_id = user.id
        inspection.scheduled_at = now
        s.add(inspection)
        audit.record(
            s,
            actor,
            "inspector_assigned",
            at=now,
            target=permit.number,
            detail=f"inspection {inspection_id} -> {user.username}",
        )
        return view_of(s, db, inspection_id)


# --------------------------------------------------------------------------- route


def _route_inspector(s: Session, actor: Actor, inspector: str | None, target: str) -> int:
    """Whose route: an inspector's own; staff must name one."""
    found = None
    if inspector:
        found = s.exec(select(StaffUser.id).where(StaffUser.username == inspector.strip())).first()
    if actor.kind is ActorKind.INSPECTOR and actor.id is not None:
        if inspector is None or found == actor.id:
            return actor.id
        raise deny(actor, "inspection", target, "another inspector's route")
    if actor.is_staff and inspector:
        if found is None:
            raise NotFound("inspector")
        return found
    raise deny(actor, "inspection", target, "route")


def route_for(
    db: Database, actor: Actor, day: date | None = None, *, inspector: str | None = None
) -> list[RouteStop]:
    """An inspector's inspections of ``day`` (default: local today), AM first, then by
    address, with the contact's name and phone (from the request, else the permit's
    contractor contact) and the request's notes. An inspector sees their own route
    (``inspector`` may name them); staff name the inspector by ``inspector`` username."""
    when = day or local_today(db.jurisdiction, db.now())
    target = f"route {inspector or actor.name} {format_day(when)}"
    with audited_refusals(db, actor, "route_viewed", target), db.read() as s:
        inspector_id = _route_inspector(s, actor, inspector, target)
        contractor = (
            sa_select(col(PermitContact.name))
            .where(
                col(PermitContact.permit_id) == col(Inspection.permit_id),
                col(PermitContact.role) == ContactRole.CONTRACTOR.value,
            )
            .order_by(col(PermitContact.id))
            .limit(1)
        )
        query = (
            sa_select(
                col(Inspection.id),
                col(Inspection.period),
                col(Parcel.address),
                col(Permit.number),
                col(Permit.permit_type),
                col(InspectionType.code),
                col(InspectionType.name),
                col(Inspection.status),
                func.coalesce(col(InspectionRequest.contact_name), contractor.scalar_subquery()),
                func.coalesce(
                    col(InspectionRequest.contact_phone),
                    contractor.with_only_columns(col(PermitContact.phone)).scalar_subquery(),
                ),
                col(InspectionRequest.notes),
                col(Inspection.comments),
            )
            .join(Permit, col(Permit.id) == col(Inspection.permit_id))
            .join(InspectionType, col(InspectionType.id) == col(Inspection.inspection_type_id))
            .outerjoin(Parcel, col(Parcel.id) == col(Permit.parcel_id))
            .outerjoin(InspectionRequest, col(InspectionRequest.id) == col(Inspection.request_id))
            .where(
                col(Inspection.inspector_id) == inspector_id, col(Inspection.requested_date) == when
            )
            .order_by(col(Inspection.period), col(Parcel.address), col(Inspection.id))
        )
        stops = []
        for row in fetch(s, query):
            iid, period, address, number, ptype, code, name, status = row[:8]
            cname, cphone, notes, comments = row[8:]
            stops.append(
                RouteStop(
                    inspection_id=iid,
                    period=period,
                    window=window_for(db.jurisdiction, period).describe(),
                    address=address or "",
                    permit_number=number,
                    permit_type=ptype,
                    type_code=code,
                    type_name=name,
                    status=status,
                    contact_name=cname or "",
                    contact_phone=cphone or "",
                    notes=notes or "",
                    comments=comments,
                )
            )
        return stops


MAX_PAGE = 200


OpenInspectionKey = tuple[str, str, int]
"""Keyset position in a day's open inspections: (AM/PM, permit number, inspection id)."""


# --------------------------------------------------------------------------- inspections


def list_inspectors(db: Database, actor: Actor) -> list[InspectorOption]:
    """The active inspectors, by user name (whom staff may assign)."""
    require_staff(db, actor, "inspector", "inspectors", "list inspectors")
    with db.read() as s:
        rows = s.exec(
            select(StaffUser.username, StaffUser.full_name, StaffUser.district)
            .where(StaffUser.role == StaffRole.INSPECTOR.value, col(StaffUser.disabled).is_(False))
            .order_by(col(StaffUser.username))
        ).all()
    return [InspectorOption(u, n, d or "") for u, n, d in rows]


def open_inspections_page(
    db: Database,
    actor: Actor,
    day: date,
    after: OpenInspectionKey | None = None,
    limit: int = 50,
) -> Page[InspectionView, OpenInspectionKey]:
    """The open (REQUESTED or SCHEDULED) inspections of ``day``, AM first, by permit; one
    keyset page, with the day's total."""
    require_staff(db, actor, "inspection", f"open inspections {day}", "list inspections")
    limit = max(1, min(limit, MAX_PAGE))
    where = [col(Inspection.requested_date) == day, col(Inspection.status).in_(OPEN)]
    with db.read() as s:
        total = s.exec(select(func.count()).select_from(Inspection).where(*where)).one()
        if after is not None:
            key = tuple_(col(Inspection.period), col(Permit.number), col(Inspection.id))
            where.append(key > tuple_(*after))
        found = views(s, db, *where, limit=limit + 1)
    items = tuple(found[:limit])
    last = items[-1] if items else None
    more = len(found) > limit and last is not None
    next_key = (last.period, last.permit_number, last.id) if more and last else None
    return Page(items, next_key, int(total))

"""Inspections, the division's side: the daily assignment, assigning by hand, recording
results (with the failed-inspection email) and the inspector's route (SPEC §3, §4).

Import these from :mod:`etrakit_tui.domain.inspections`, the public face.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from etrakit_tui.domain import audit
from etrakit_tui.domain.access import permit_scoped, scoped_row
from etrakit_tui.domain.actors import Actor, ActorKind
from etrakit_tui.domain.calendar import format_day, local_today, window_for
from etrakit_tui.domain.db import Database
from etrakit_tui.domain.errors import NotFound, RuleViolation
from etrakit_tui.domain.inspection_common import (
    OPEN,
    Assignment,
    AssignmentReport,
    InspectionView,
    RouteStop,
    audited_refusals,
    deny,
    fetch,
    free_place,
    lock_inspection,
    lock_permit,
    view_of,
)
from etrakit_tui.domain.models import (
    RESULT_STATUSES,
    Company,
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
from etrakit_tui.domain.notify import failed_inspection_email, queue_email
from etrakit_tui.domain.validation import clean_text

NOTIFIED_RESULTS = (InspectionStatus.FAILED, InspectionStatus.CORRECTION)
MAX_COMMENTS = 4000


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
            raise deny(actor, "assign-inspections", "daily assignment")
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
            raise deny(actor, permit.number, f"assign inspection {inspection_id}")
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


# --------------------------------------------------------------------------- results


def _result(value: InspectionStatus | str) -> InspectionStatus:
    allowed = {s.value: s for s in RESULT_STATUSES}
    found = allowed.get(str(value).strip().upper())
    if found is None:
        raise RuleViolation(f"Choose a result: {', '.join(allowed)}.", field="status")
    return found


def _notify_failure(
    s: Session, db: Database, inspection: Inspection, permit: Permit, result: InspectionStatus
) -> int:
    """Queue the failed-inspection email for each contractor company on the permit that
    asked for it in its profile and has an email address. Returns how many were queued."""
    companies = s.exec(
        select(Company)
        .join(PermitContact, col(PermitContact.company_id) == col(Company.id))
        .where(
            PermitContact.permit_id == permit.id,
            PermitContact.role == ContactRole.CONTRACTOR.value,
            col(Company.notify_failed_inspection).is_(True),
            Company.email != "",
        )
        .distinct()
    ).all()
    if not companies:
        return 0
    address = s.exec(select(Parcel.address).where(Parcel.id == permit.parcel_id)).first()
    type_name = s.exec(
        select(InspectionType.name).where(InspectionType.id == inspection.inspection_type_id)
    ).one()
    inspector = s.get(StaffUser, inspection.inspector_id) if inspection.inspector_id else None
    for company in companies:
        draft = failed_inspection_email(
            db.jurisdiction,
            to=company.email,
            company_name=company.name,
            permit_number=permit.number,
            address=address or "",
            inspection_type=type_name,
            result=result.value,
            comments=inspection.comments,
            inspector_name=inspector.full_name if inspector else "",
            inspection_date=inspection.requested_date,
            period=inspection.period,
        )
        queue_email(s, draft, at=db.now())
    return len(companies)


@permit_scoped
def record_result(
    db: Database,
    actor: Actor,
    inspection_id: int,
    status: InspectionStatus | str,
    comments: str = "",
) -> InspectionView:
    """The assigned inspector (or staff) records the result of an open inspection.

    PASSED restarts the permit's expiry (local today + ``expiry_days``). FAILED and
    CORRECTION queue the failed-inspection email in this same transaction. The result
    gives the slot's place back. Anyone else: ``NotFound``. Before the inspection's day
    (in the jurisdiction's time zone) only CANCELLED may be recorded.
    """
    j, now = db.jurisdiction, db.now()
    with (
        audited_refusals(db, actor, "inspection_resulted", f"inspection {inspection_id}"),
        db.write() as s,
    ):
        row, permit = scoped_row(s, actor, Inspection, inspection_id, what="inspection")
        mine = actor.kind is ActorKind.INSPECTOR and row.inspector_id == actor.id
        if not (actor.is_staff or mine):
            raise deny(actor, permit.number, f"result inspection {inspection_id}")
        result = _result(status)
        text = clean_text(comments, "comments", max_len=MAX_COMMENTS, multiline=True)
        assert permit.id is not None
        permit = lock_permit(s, permit.id)
        inspection = lock_inspection(s, inspection_id)
        if not actor.is_staff and inspection.inspector_id != actor.id:
            raise deny(actor, permit.number, f"result inspection {inspection_id}")
        if inspection.status not in OPEN:
            raise RuleViolation(
                f"A result is already recorded for this inspection ({inspection.status}).",
                field="status",
            )
        day = inspection.requested_date
        if result is not InspectionStatus.CANCELLED and day > local_today(j, now):
            raise RuleViolation(
                f"This inspection is scheduled for {format_day(day)}; "
                "record its result on or after that day.",
                field="status",
            )
        inspection.status = result.value
        inspection.comments = text
        inspection.resulted_at = now
        if result is InspectionStatus.CANCELLED:
            inspection.cancelled_at = now
        s.add(inspection)
        free_place(s, inspection.slot_id)
        detail = f"inspection {inspection_id}: {result.value}"
        if result is InspectionStatus.PASSED:
            permit.expires_on = local_today(j, now) + timedelta(days=j.expiry_days)
            s.add(permit)
            detail += f"; permit now expires {format_day(permit.expires_on)}"
        if result in NOTIFIED_RESULTS:
            queued = _notify_failure(s, db, inspection, permit, result)
            detail += f"; {queued} email(s) queued"
        audit.record(s, actor, "inspection_resulted", at=now, target=permit.number, detail=detail)
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
        raise deny(actor, target, "another inspector's route")
    if actor.is_staff and inspector:
        if found is None:
            raise NotFound("inspector")
        return found
    raise deny(actor, target, "route")


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

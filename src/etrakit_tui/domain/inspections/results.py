"""Recording an inspection's result (SPEC §3): by its inspector or staff, never before the
inspection day; a failed (or partial/"not ready") result queues the email to the permit's
contacts in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.audit import audited_refusals
from etrakit_tui.domain.errors import RuleViolation
from etrakit_tui.domain.inspections.calendar import format_day, local_today
from etrakit_tui.domain.inspections.schedule import OPEN, view_of
from etrakit_tui.domain.inspections.slots import free_place
from etrakit_tui.domain.inspections.views import InspectionView
from etrakit_tui.domain.notify.outbox import failed_inspection_email, queue_email
from etrakit_tui.domain.permits.access import deny, permit_scoped, scoped_row
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.locks import lock_inspection, lock_permit
from etrakit_tui.domain.store.models import (
    RESULT_STATUSES,
    Company,
    ContactRole,
    Inspection,
    InspectionStatus,
    InspectionType,
    Parcel,
    Permit,
    PermitContact,
    StaffUser,
)
from etrakit_tui.domain.validation import clean_text

NOTIFIED_RESULTS = (InspectionStatus.FAILED, InspectionStatus.CORRECTION)
MAX_COMMENTS = 4000


# --------------------------------------------------------------------------- results


def result_status(value: InspectionStatus | str) -> InspectionStatus:
    """The result named by ``value`` (any case), or the refusal shown at the status field."""
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
    with (
        audited_refusals(db, actor, "inspection_resulted", f"inspection {inspection_id}"),
        db.write() as s,
    ):
        _apply_result(s, db, actor, inspection_id, status, comments)
        return view_of(s, db, inspection_id)


def _apply_result(
    s: Session,
    db: Database,
    actor: Actor,
    inspection_id: int,
    status: InspectionStatus | str,
    comments: str,
    *,
    performed_at: datetime | None = None,
    note: str = "",
) -> None:
    """The rules and effects of :func:`record_result` inside the caller's open write
    session ``s`` (online: its own transaction; a field sync: the submission's, inside a
    savepoint: :mod:`etrakit_tui.domain.field.submission`). Not a service (no transaction,
    no audit of a refusal): only those two call it. Locks the permit, then the inspection.
    Raises ``NotFound`` / ``AccessDenied`` / :class:`RuleViolation` with nothing changed;
    the caller rolls back and audits the refusal.

    ``performed_at`` (default: now) is when the inspector did the inspection: the day
    rule and a PASSED result's new expiry count from it, so a result synced the next
    morning does not move the expiry by a day; ``resulted_at`` and the audit line are the
    city's now. ``note`` ends the audit line's detail (e.g. where the result came from).
    """
    j, now = db.jurisdiction, db.now()
    performed = performed_at or now
    row, permit = scoped_row(s, actor, Inspection, inspection_id, what="inspection")
    mine = actor.kind is ActorKind.INSPECTOR and row.inspector_id == actor.id
    if not (actor.is_staff or mine):
        raise deny(actor, "inspection", permit.number, f"result inspection {inspection_id}")
    result = result_status(status)
    text = clean_text(comments, "comments", max_len=MAX_COMMENTS, multiline=True)
    assert permit.id is not None
    permit = lock_permit(s, permit.id)
    inspection = lock_inspection(s, inspection_id)
    if not actor.is_staff and inspection.inspector_id != actor.id:
        raise deny(actor, "inspection", permit.number, f"result inspection {inspection_id}")
    if inspection.status not in OPEN:
        raise RuleViolation(
            f"A result is already recorded for this inspection ({inspection.status}).",
            field="status",
        )
    day = inspection.requested_date
    if result is not InspectionStatus.CANCELLED and day > local_today(j, performed):
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
        permit.expires_on = local_today(j, performed) + timedelta(days=j.expiry_days)
        s.add(permit)
        detail += f"; permit now expires {format_day(permit.expires_on)}"
    if result in NOTIFIED_RESULTS:
        queued = _notify_failure(s, db, inspection, permit, result)
        detail += f"; {queued} email(s) queued"
    if note:
        detail += f"; {note}"
    audit.record(s, actor, "inspection_resulted", at=now, target=permit.number, detail=detail)

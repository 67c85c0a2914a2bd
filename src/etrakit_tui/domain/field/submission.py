"""The city's side of a field sync: each result sent from a laptop is applied exactly once,
or kept as a conflict with its reason, in ONE central transaction.

The submission row goes in first (``INSERT ... ON CONFLICT (uuid) DO NOTHING``: no unique
violation, which would abort a PostgreSQL transaction). If the uuid was already there, the
result was answered before (a sync cut off before the laptop noted the answer): the STORED
outcome is returned and nothing is applied again. Otherwise the rules of online recording
(:func:`etrakit_tui.domain.inspections.results._apply_result`: row locks, the expiry, the
failed-inspection email in the outbox, the audit line) run inside a SAVEPOINT; a refusal
rolls back to it and the submission is stored as a CONFLICT with its reason and an audit
line. The email, the expiry and the audit line therefore commit with the submission: once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, Table, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.audit import require_staff
from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.domain.field.fieldfile import DAYS_VALID, FieldFileError, with_inspection_place
from etrakit_tui.domain.field.views import ConflictReason, FieldConflictView
from etrakit_tui.domain.inspections.calendar import format_day, format_moment, local_today
from etrakit_tui.domain.inspections.results import _apply_result
from etrakit_tui.domain.inspections.schedule import OPEN
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import (
    InspectionStatus,
    StaffRole,
    SubmissionOutcome,
    metadata,
)

SUBMISSION: Table = metadata.tables["field_submission"]
CHECKOUT: Table = metadata.tables["field_checkout"]
STAFF: Table = metadata.tables["staff_user"]
INSPECTION: Table = metadata.tables["inspection"]
AUDIT: Table = metadata.tables["audit_event"]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CentralCheckout:
    """A checkout as the city knows it (found by its sync token's hash)."""

    id: int
    actor: Actor
    day: date
    checked_out_at: datetime


@dataclass(frozen=True, slots=True)
class Submission:
    """One result as the laptop sends it."""

    uuid: str
    inspection_id: int
    status: str
    comments: str
    recorded_at: datetime
    """The laptop's clock (UTC)."""
    clock_offset_s: float


@dataclass(frozen=True, slots=True)
class Answer:
    """What the city did with a submission (``replayed``: answered by an earlier sync)."""

    outcome: SubmissionOutcome
    reason: str
    reason_text: str
    status_now: str
    received_at: datetime
    replayed: bool


def find_checkout(city: Database, token: str) -> CentralCheckout:
    """The checkout a field file's token belongs to, if its inspector may still sync."""
    query = (
        select(CHECKOUT, STAFF.c.username, STAFF.c.role, STAFF.c.disabled)
        .join(STAFF, STAFF.c.id == CHECKOUT.c.inspector_id)
        .where(CHECKOUT.c.token_hash == token_hash(token))
    )
    with city.read_conn() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise FieldFileError(
            "the city does not know this field file's checkout: check out again "
            "(results waiting in it are kept)"
        )
    if row.disabled or row.role != StaffRole.INSPECTOR.value:
        raise FieldFileError(f"{row.username} is no longer an active inspector at the city")
    actor = Actor(ActorKind.INSPECTOR, row.inspector_id, row.username)
    return CentralCheckout(row.id, actor, row.day, row.created_at)


def _insert_once(conn: Connection, values: dict[str, object]) -> bool:
    """Insert the submission unless its uuid is there; True when this call inserted it."""
    dialect = conn.dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = make(SUBMISSION).values(**values).on_conflict_do_nothing(index_elements=["uuid"])
    return conn.execute(stmt.returning(SUBMISSION.c.id)).first() is not None


def _stored(conn: Connection, uuid: str) -> Answer:
    row = conn.execute(select(SUBMISSION).where(SUBMISSION.c.uuid == uuid)).one()
    return Answer(
        SubmissionOutcome(row.outcome),
        row.reason,
        row.detail,
        row.status_at_sync,
        row.received_at,
        replayed=True,
    )


def _inspection_now(conn: Connection, inspection_id: int) -> tuple[str, int | None] | None:
    row = conn.execute(
        select(INSPECTION.c.status, INSPECTION.c.inspector_id).where(
            INSPECTION.c.id == inspection_id
        )
    ).first()
    return None if row is None else (row.status, row.inspector_id)


def _full_name(conn: Connection, staff_id: int | None) -> str:
    if staff_id is None:
        return ""
    name = conn.execute(select(STAFF.c.full_name).where(STAFF.c.id == staff_id)).scalar()
    return str(name or "")


def _who_cancelled(conn: Connection, inspection_id: int) -> str:
    """ "cancelled by the contractor" / "... by the building division", from the audit line
    of the cancel service (an inspector's CANCELLED result has none)."""
    kind = conn.execute(
        select(AUDIT.c.actor_kind)
        .where(
            AUDIT.c.action == "inspection_cancelled",
            AUDIT.c.detail == f"inspection {inspection_id}",
            AUDIT.c.outcome == "ok",
        )
        .order_by(AUDIT.c.id.desc())
        .limit(1)
    ).scalar()
    if kind == ActorKind.COMPANY.value:
        return "cancelled by the contractor"
    if kind in (ActorKind.STAFF.value, ActorKind.SYSTEM.value):
        return "cancelled by the building division"
    return "already cancelled at the city"


def _classify(
    conn: Connection, actor: Actor, inspection_id: int, refused: EtrakitError
) -> tuple[ConflictReason, str]:
    """Why the city refused a result, read from the inspection as it is now."""
    row = conn.execute(
        select(INSPECTION.c.status, INSPECTION.c.inspector_id, INSPECTION.c.resulted_at).where(
            INSPECTION.c.id == inspection_id
        )
    ).first()
    if row is None:
        return ConflictReason.NOT_FOUND, "the inspection is no longer at the city"
    if row.status == InspectionStatus.CANCELLED.value:
        return ConflictReason.CANCELLED, _who_cancelled(conn, inspection_id)
    if row.status not in OPEN:
        return ConflictReason.ALREADY_RESULTED, f"already resulted at the city ({row.status})"
    if row.inspector_id != actor.id:
        who = _full_name(conn, row.inspector_id)
        text = f"reassigned to {who}" if who else "no longer assigned to you"
        return ConflictReason.REASSIGNED, text
    return ConflictReason.REFUSED, str(refused)


def _performed_at(checkout: CentralCheckout, sub: Submission, now: datetime) -> datetime:
    """The laptop's time in the city's clock, kept between the checkout and now."""
    shifted = sub.recorded_at + timedelta(seconds=sub.clock_offset_s)
    return max(checkout.checked_out_at, min(shifted, now))


def apply_submission(city: Database, checkout: CentralCheckout, sub: Submission) -> Answer:
    """Apply one result sent from the field, exactly once (see the module's doc)."""
    actor = checkout.actor
    with city.write() as s:
        now = city.now()
        performed = _performed_at(checkout, sub, now)
        conn = s.connection()
        values: dict[str, object] = {
            "uuid": sub.uuid,
            "checkout_id": checkout.id,
            "inspection_id": sub.inspection_id,
            "inspector_id": actor.id,
            "status": sub.status[:16],
            "comments": sub.comments,
            "recorded_at": sub.recorded_at,
            "performed_at": performed,
            "received_at": now,
            "outcome": SubmissionOutcome.APPLIED.value,
            "reason": "",
            "detail": "",
            "status_at_sync": "",
        }
        if not _insert_once(conn, values):
            return _stored(conn, sub.uuid)
        before = _inspection_now(conn, sub.inspection_id)
        reason, text = _apply_in_savepoint(s, city, checkout, sub, performed)
        outcome = SubmissionOutcome.APPLIED if reason is None else SubmissionOutcome.CONFLICT
        if reason is not None:  # what stood in the way, as the refusal saw it
            before = _inspection_now(conn, sub.inspection_id)
        status_before, inspector_before = before if before is not None else ("", None)
        conn.execute(
            update(SUBMISSION)
            .where(SUBMISSION.c.uuid == sub.uuid)
            .values(
                outcome=outcome.value,
                reason=reason.value if reason is not None else "",
                detail=text,
                status_at_sync=status_before,
                inspector_at_sync_id=inspector_before,
            )
        )
        if reason is not None:
            audit.record(
                s,
                actor,
                "field_result_conflict",
                at=now,
                target=f"inspection {sub.inspection_id}",
                outcome="conflict",
                detail=f"{sub.status} recorded {format_moment(city.jurisdiction, performed)} "
                f"in the field not applied: {text} (submission {sub.uuid})",
            )
        return Answer(outcome, reason.value if reason else "", text, status_before, now, False)


def _apply_in_savepoint(
    s: Session,
    city: Database,
    checkout: CentralCheckout,
    sub: Submission,
    performed: datetime,
) -> tuple[ConflictReason | None, str]:
    """Run the online rules in a savepoint; (None, "") when applied, else the reason."""
    j = city.jurisdiction
    if local_today(j, performed) > checkout.day + timedelta(days=DAYS_VALID):
        return ConflictReason.TOO_OLD, (
            f"recorded after the checkout's last day ({format_day(checkout.day)} + {DAYS_VALID})"
        )
    note = f"sent from the field (submission {sub.uuid})"
    try:
        with s.begin_nested():
            _apply_result(
                s,
                city,
                checkout.actor,
                sub.inspection_id,
                sub.status,
                sub.comments,
                performed_at=performed,
                note=note,
            )
    except EtrakitError as refused:
        return _classify(s.connection(), checkout.actor, sub.inspection_id, refused)
    return None, ""


# --------------------------------------------------------------------------- staff desk


def field_conflicts(city: Database, actor: Actor, *, limit: int = 200) -> list[FieldConflictView]:
    """Results sent from the field that the city did not apply, newest first (staff only)."""
    require_staff(city, actor, "field conflict", "field conflicts", "list field conflicts")
    query = (
        with_inspection_place(
            select(SUBMISSION, STAFF.c.username, STAFF.c.full_name).join(
                STAFF, STAFF.c.id == SUBMISSION.c.inspector_id
            ),
            SUBMISSION.c.inspection_id,
        )
        .where(SUBMISSION.c.outcome == SubmissionOutcome.CONFLICT.value)
        .order_by(SUBMISSION.c.received_at.desc(), SUBMISSION.c.id.desc())
        .limit(max(1, min(limit, 1000)))
    )
    with city.read_conn() as conn:
        rows = conn.execute(query).all()
    return [
        FieldConflictView(
            uuid=r.uuid,
            inspection_id=r.inspection_id,
            permit_number=r.number or "",
            address=r.address or "",
            type_name=r.type_name or "",
            username=r.username,
            inspector_name=r.full_name,
            status=r.status,
            comments=r.comments,
            recorded_at=r.recorded_at,
            received_at=r.received_at,
            reason=r.reason,
            reason_text=r.detail,
            status_now=r.status_at_sync,
        )
        for r in rows
    ]

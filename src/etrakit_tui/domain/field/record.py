"""Recording results on the laptop (the field file), and what the field screens show about
them: one local transaction writes the result into the laptop's outbox (``field_result``,
WAITING, keyed by a new uuid) AND onto the local copy of the inspection, so the route shows
it at once and a closed lid or a killed process loses nothing.

The checks are online recording's (a valid result, comments cleaned, the assigned
inspector, not already resulted, not before the inspection's day except CANCELLED), plus
field mode's own: no new result past the checkout day + 1 (sync still works).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, func, select

from etrakit_tui.domain.errors import NotFound, RuleViolation
from etrakit_tui.domain.field.fieldfile import (
    FIELD_RESULT,
    RECORD_ORDER,
    FieldSession,
    laptop_now_at_city,
    read_info,
    too_old,
    too_old_message,
    with_inspection_place,
)
from etrakit_tui.domain.field.views import (
    FieldConflictView,
    FieldResultView,
    FieldStatus,
    ResultState,
)
from etrakit_tui.domain.inspections.calendar import format_day, local_today
from etrakit_tui.domain.inspections.results import MAX_COMMENTS, result_status
from etrakit_tui.domain.inspections.schedule import OPEN
from etrakit_tui.domain.store.models import InspectionStatus, metadata
from etrakit_tui.domain.validation import clean_text

INSPECTION = metadata.tables["inspection"]


def record_offline(
    field: FieldSession,
    inspection_id: int,
    status: InspectionStatus | str,
    comments: str = "",
) -> FieldResultView:
    """Record a result on the laptop (see the module's doc); it waits there to be sent."""
    if too_old(field):
        raise RuleViolation(too_old_message(field.info), field="status")
    result = result_status(status)
    text = clean_text(comments, "comments", max_len=MAX_COMMENTS, multiline=True)
    laptop_now = field.db.now()
    at_city = laptop_now_at_city(field)
    with field.db.write() as s:
        conn = s.connection()
        row = conn.execute(select(INSPECTION).where(INSPECTION.c.id == inspection_id)).first()
        if row is None or row.inspector_id != field.actor.id:
            raise NotFound("inspection")
        if row.status not in OPEN:
            raise RuleViolation(
                f"A result is already recorded for this inspection ({row.status}).",
                field="status",
            )
        today = local_today(field.db.jurisdiction, at_city)
        if result is not InspectionStatus.CANCELLED and row.requested_date > today:
            raise RuleViolation(
                f"This inspection is scheduled for {format_day(row.requested_date)}; "
                "record its result on or after that day.",
                field="status",
            )
        changes: dict[str, Any] = {"status": result.value, "comments": text, "resulted_at": at_city}
        if result is InspectionStatus.CANCELLED:
            changes["cancelled_at"] = at_city
        conn.execute(INSPECTION.update().where(INSPECTION.c.id == inspection_id).values(changes))
        key = uuid.uuid4().hex
        conn.execute(
            FIELD_RESULT.insert().values(
                uuid=key,
                inspection_id=inspection_id,
                status=result.value,
                comments=text,
                recorded_at=laptop_now,
                state=ResultState.WAITING.value,
                reason="",
                reason_text="",
                status_now="",
            )
        )
        return _results(conn, FIELD_RESULT.c.uuid == key)[0]


def _results_query() -> Any:
    return with_inspection_place(select(FIELD_RESULT), FIELD_RESULT.c.inspection_id)


def _view(r: Any) -> FieldResultView:
    return FieldResultView(
        uuid=r.uuid,
        inspection_id=r.inspection_id,
        permit_number=r.number or "",
        address=r.address or "",
        type_name=r.type_name or "",
        status=r.status,
        comments=r.comments,
        recorded_at=r.recorded_at,
        state=ResultState(r.state),
        reason=r.reason,
        reason_text=r.reason_text,
        synced_at=r.synced_at,
    )


def _results(conn: Connection, *where: Any) -> list[FieldResultView]:
    query = _results_query().where(*where)
    query = query.order_by(*(c.desc() for c in RECORD_ORDER))
    return [_view(r) for r in conn.execute(query)]


def local_results(field: FieldSession) -> list[FieldResultView]:
    """Every result recorded on this laptop, newest first."""
    with field.db.read_conn() as conn:
        return _results(conn)


def local_conflicts(field: FieldSession) -> list[FieldConflictView]:
    """The results the city did not apply, newest first, with their reason (kept)."""
    info = field.info
    with field.db.read_conn() as conn:
        query = _results_query().where(FIELD_RESULT.c.state == ResultState.CONFLICT.value)
        rows = conn.execute(query.order_by(*(c.desc() for c in RECORD_ORDER))).all()
    return [
        FieldConflictView(
            uuid=r.uuid,
            inspection_id=r.inspection_id,
            permit_number=r.number or "",
            address=r.address or "",
            type_name=r.type_name or "",
            username=info.username,
            inspector_name=info.full_name,
            status=r.status,
            comments=r.comments,
            recorded_at=r.recorded_at,
            received_at=r.received_at,
            reason=r.reason,
            reason_text=r.reason_text,
            status_now=r.status_now,
        )
        for r in rows
    ]


def field_status(field: FieldSession) -> FieldStatus:
    """The status line's figures, read fresh from the file."""
    info = read_info(field.db)
    with field.db.read_conn() as conn:
        query = select(FIELD_RESULT.c.state, func.count()).group_by(FIELD_RESULT.c.state)
        counts = {str(state): int(n) for state, n in conn.execute(query).all()}
    return FieldStatus(
        username=info.username,
        day=info.day,
        waiting=counts.get(ResultState.WAITING.value, 0),
        applied=counts.get(ResultState.APPLIED.value, 0),
        conflicts=counts.get(ResultState.CONFLICT.value, 0),
        last_sync_at=info.last_sync_at,
        last_sync_error=info.last_sync_error,
        too_old=too_old(field),
    )

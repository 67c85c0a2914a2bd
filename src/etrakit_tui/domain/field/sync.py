"""Sync: send the laptop's waiting results to the city, each exactly once, then refresh
the route.

Results go oldest first, one central transaction each (:func:`.submission.apply_submission`);
the laptop marks a result APPLIED or CONFLICT only after the city has committed its answer,
so a sync cut off anywhere (network, lid, SIGKILL) leaves a clean prefix, and the next sync
re-sends the rest with the same uuids: the city answers those it had already applied with
the stored outcome. Then the route is copied again (a cancelled, reassigned or added
inspection comes down), leaving alone any inspection whose result still waits.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from etrakit_tui.domain.errors import DatabaseUnavailable
from etrakit_tui.domain.field.fieldfile import (
    CHECKOUT_INFO,
    FIELD_RESULT,
    RECORD_ORDER,
    FieldSession,
)
from etrakit_tui.domain.field.record import INSPECTION, local_results
from etrakit_tui.domain.field.routecopy import read_route, write_route
from etrakit_tui.domain.field.submission import (
    Answer,
    Submission,
    apply_submission,
    find_checkout,
)
from etrakit_tui.domain.field.views import FieldResultView, ResultState, SyncReport
from etrakit_tui.domain.store.db import Database


def _token(field: FieldSession) -> str:
    with field.db.read_conn() as conn:
        return str(conn.execute(select(CHECKOUT_INFO.c.sync_token)).scalar_one())


def _waiting(field: FieldSession) -> list[Submission]:
    query = (
        select(FIELD_RESULT)
        .where(FIELD_RESULT.c.state == ResultState.WAITING.value)
        .order_by(*RECORD_ORDER)
    )
    offset = field.info.clock_offset_s
    with field.db.read_conn() as conn:
        return [
            Submission(r.uuid, r.inspection_id, r.status, r.comments, r.recorded_at, offset)
            for r in conn.execute(query)
        ]


def _note(field: FieldSession, sub: Submission, answer: Answer) -> None:
    """The city's answer, noted on the laptop (only a row still WAITING changes)."""
    state = ResultState(answer.outcome.value)
    with field.db.write() as s:
        s.connection().execute(
            FIELD_RESULT.update()
            .where(
                FIELD_RESULT.c.uuid == sub.uuid,
                FIELD_RESULT.c.state == ResultState.WAITING.value,
            )
            .values(
                state=state.value,
                reason=answer.reason,
                reason_text=answer.reason_text,
                status_now=answer.status_now,
                received_at=answer.received_at,
                synced_at=field.db.now(),
            )
        )


def _route_ids(conn: Connection, field: FieldSession) -> set[int]:
    """The inspections the laptop's route holds (to bring their changes down)."""
    query = select(INSPECTION.c.id).where(
        INSPECTION.c.inspector_id == field.actor.id, INSPECTION.c.requested_date == field.day
    )
    ids = set(conn.execute(query).scalars())
    return ids | set(conn.execute(select(FIELD_RESULT.c.inspection_id)).scalars())


def _refresh(field: FieldSession, city: Database) -> tuple[int, int, int]:
    """Copy the route again; (stops, added, changed)."""
    assert field.actor.id is not None
    with field.db.read_conn() as conn:
        known = _route_ids(conn, field)
        before = {
            r.id: (r.status, r.inspector_id)
            for r in conn.execute(
                select(INSPECTION.c.id, INSPECTION.c.status, INSPECTION.c.inspector_id)
            )
        }
    with city.read_conn() as conn:
        rows = read_route(conn, field.actor.id, field.day, known)
    with field.db.write() as s:
        conn = s.connection()
        keep = set(
            conn.execute(
                select(FIELD_RESULT.c.inspection_id).where(
                    FIELD_RESULT.c.state == ResultState.WAITING.value
                )
            ).scalars()
        )
        write_route(conn, rows, keep=keep)
        conn.execute(CHECKOUT_INFO.update().values(last_sync_at=field.db.now(), last_sync_error=""))
    added = sum(1 for i in rows.route_ids if i not in before)
    changed = sum(
        1
        for r in rows.of("inspection")
        if r["id"] in before
        and r["id"] not in keep
        and before[r["id"]] != (r["status"], r["inspector_id"])
    )
    return len(rows.route_ids), added, changed


def _note_error(field: FieldSession, error: str) -> None:
    with field.db.write() as s:
        s.connection().execute(CHECKOUT_INFO.update().values(last_sync_error=error[:500]))


def sync(field: FieldSession, city: Database) -> SyncReport:
    """Send the waiting results, then refresh the route (see the module's doc). The city
    unreachable: :class:`DatabaseUnavailable` (the error is noted in the file; nothing
    local is lost)."""
    sent = applied = conflicts = replayed = 0
    uuids: list[str] = []
    try:
        checkout = find_checkout(city, _token(field))
        for sub in _waiting(field):
            answer = apply_submission(city, checkout, sub)
            _note(field, sub, answer)
            sent += 1
            uuids.append(sub.uuid)
            replayed += answer.replayed
            if answer.outcome.value == ResultState.APPLIED.value:
                applied += 1
            else:
                conflicts += 1
        stops, added, changed = _refresh(field, city)
    except DatabaseUnavailable as exc:
        _note_error(field, str(exc))
        raise
    by_uuid = {v.uuid: v for v in local_results(field)}
    outcomes: tuple[FieldResultView, ...] = tuple(by_uuid[u] for u in uuids if u in by_uuid)
    return SyncReport(
        sent=sent,
        applied=applied,
        conflicts=conflicts,
        replayed=replayed,
        route_stops=stops,
        added=added,
        changed=changed,
        outcomes=outcomes,
    )

"""The audit trail: who did what, when, and how it ended — and the one way a refusal is audited.

``record`` adds the event to the caller's session, so it commits (or not) with the change
it describes. A refusal changes nothing, so :func:`record_refusal` writes its line in its
own small transaction, after the refused change has rolled back; every service refuses
through it (directly, through :func:`audited_refusals` around a whole service, or through
:func:`refuse` / :func:`require_staff` for the staff-only services, whose refusal reads
exactly like "not found"). The audit log (staff only) reads the trail back, newest first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.errors import AccessDenied, DatabaseError, EtrakitError, NotFound
from etrakit_tui.domain.permits.views import Page
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import AuditEvent

MAX_DETAIL = 2000
MAX_PAGE = 200


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    at: datetime,
    target: str = "",
    outcome: str = "ok",
    detail: str = "",
) -> None:
    session.add(AuditEvent(**event_values(actor, action, at, target, outcome, detail)))


def event_values(
    actor: Actor, action: str, at: datetime, target: str = "", outcome: str = "ok", detail: str = ""
) -> dict[str, Any]:
    """The audit line's columns, cut to their lengths: what :func:`record` adds, for a
    change written with Core statements (``insert(AuditEvent).values(...)``)."""
    return {
        "at": at,
        "actor_kind": actor.kind.value,
        "actor_id": actor.id,
        "actor_name": actor.name[:120],
        "action": action[:40],
        "target": target[:120],
        "outcome": outcome[:16],
        "detail": detail[:MAX_DETAIL],
    }


def record_refusal(
    db: Database,
    actor: Actor,
    action: str,
    target: str,
    detail: str,
    *,
    outcome: str = "refused",
) -> None:
    """The one refuse-and-audit helper: write the line of a refusal in its own transaction."""
    with db.write() as s:
        record(s, actor, action, at=db.now(), target=target, outcome=outcome, detail=detail)


def audit_denial(db: Database, denied: AccessDenied) -> None:
    """Write the ``access_denied`` line of a refused access (once per refusal)."""
    if denied.audited:
        return
    record_refusal(
        db, denied.actor, "access_denied", denied.target, denied.detail, outcome="denied"
    )
    denied.audited = True


@contextmanager
def audited_refusals(db: Database, actor: Actor, action: str, target: str) -> Iterator[None]:
    """Audit a refusal raised inside (the refused change has already rolled back), then let
    it out. Access refusals get the ``access_denied`` line; a database failure is no refusal."""
    try:
        yield
    except AccessDenied as denied:
        audit_denial(db, denied)
        raise
    except DatabaseError:
        raise
    except EtrakitError as refused:
        outcome = "not_found" if isinstance(refused, NotFound) else "refused"
        record_refusal(db, actor, action, target, str(refused), outcome=outcome)
        raise


def refuse(db: Database, actor: Actor, what: str, target: str, detail: str) -> AccessDenied:
    """Audit a caller refused a staff-only service; return the refusal to raise (it reads
    exactly like ``<what> not found``)."""
    denied = AccessDenied(what, actor=actor, target=target[:120], detail=detail)
    audit_denial(db, denied)
    return denied


def require_staff(db: Database, actor: Actor, what: str, target: str, detail: str) -> None:
    """Refuse (see :func:`refuse`) anyone but staff and the system."""
    if not actor.is_staff:
        raise refuse(db, actor, what, target, detail)


# --------------------------------------------------------------------------- audit log


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One line of the audit log."""

    id: int
    at: datetime
    actor_kind: str
    actor_name: str
    action: str
    target: str
    outcome: str
    detail: str


def audit_log(
    db: Database,
    actor: Actor,
    *,
    action: str | None = None,
    actor_name: str | None = None,
    target: str | None = None,
    since: date | None = None,
    until: date | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Page[AuditRow, int]:
    """The audit log, newest first, one keyset page (``after``: the last id seen).

    Filters: ``action`` exactly, ``actor_name`` and ``target`` by prefix (ignoring case),
    ``since``/``until`` by local calendar day (both included)."""
    require_staff(db, actor, "audit log", "audit log", "read the audit log")
    zone = db.jurisdiction.zone
    where = []
    if action:
        where.append(col(AuditEvent.action) == action.strip())
    if actor_name:
        where.append(func.lower(col(AuditEvent.actor_name)).startswith(actor_name.strip().lower()))
    if target:
        where.append(func.lower(col(AuditEvent.target)).startswith(target.strip().lower()))
    if since is not None:
        where.append(col(AuditEvent.at) >= datetime.combine(since, time(), zone))
    if until is not None:
        where.append(col(AuditEvent.at) < datetime.combine(until + timedelta(days=1), time(), zone))
    if after is not None:
        where.append(col(AuditEvent.id) < after)
    limit = max(1, min(limit, MAX_PAGE))
    with db.read() as s:
        rows = s.exec(
            select(AuditEvent).where(*where).order_by(col(AuditEvent.id).desc()).limit(limit + 1)
        ).all()
    items = tuple(
        AuditRow(
            r.id or 0, r.at, r.actor_kind, r.actor_name, r.action, r.target, r.outcome, r.detail
        )
        for r in rows[:limit]
    )
    next_key = items[-1].id if len(rows) > limit and items else None
    return Page(items, next_key)


def audit_actions(db: Database, actor: Actor) -> list[str]:
    """Every action name the log holds (for the filter's choices)."""
    require_staff(db, actor, "audit log", "audit log", "read the audit log")
    with db.read() as s:
        return list(s.exec(select(AuditEvent.action).distinct().order_by(col(AuditEvent.action))))

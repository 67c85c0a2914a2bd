"""The audit trail: who did what, when, and how it ended.

``record`` adds the event to the caller's session, so it commits (or not) with the change
it describes. Refusals that change nothing are recorded in their own small transaction by
the service that refuses (``Database.write()`` around a single ``record``).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from etrakit_tui.domain.actors import Actor
from etrakit_tui.domain.models import AuditEvent

MAX_DETAIL = 2000


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
    session.add(
        AuditEvent(
            at=at,
            actor_kind=actor.kind.value,
            actor_id=actor.id,
            actor_name=actor.name[:120],
            action=action[:40],
            target=target[:120],
            outcome=outcome[:16],
            detail=detail[:MAX_DETAIL],
        )
    )

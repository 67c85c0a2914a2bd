"""Cancelling a requested inspection (SPEC §4): online only until the jurisdiction's cutoff
before the inspection day; the slot's place is given back in the same transaction.
"""

from __future__ import annotations

from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.audit import audited_refusals
from etrakit_tui.domain.errors import RuleViolation
from etrakit_tui.domain.inspections.calendar import (
    can_cancel_online,
    format_time,
)
from etrakit_tui.domain.inspections.schedule import OPEN, view_of
from etrakit_tui.domain.inspections.slots import free_place
from etrakit_tui.domain.inspections.views import InspectionView
from etrakit_tui.domain.permits.access import (
    deny,
    permit_scoped,
    scoped_row,
)
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.locks import lock_inspection
from etrakit_tui.domain.store.models import (
    Inspection,
    InspectionStatus,
)


@permit_scoped
def cancel_inspection(db: Database, actor: Actor, inspection_id: int) -> InspectionView:
    """Cancel an open inspection and give back its place.

    A company (a contact on the permit) may cancel until the cutoff (07:00 local on the
    inspection's day); at or after it, the refusal tells it to call the division. Staff,
    who take that call, may cancel at any time. Anyone else: ``NotFound``.
    """
    j, now = db.jurisdiction, db.now()
    with (
        audited_refusals(db, actor, "inspection_cancelled", f"inspection {inspection_id}"),
        db.write() as s,
    ):
        _, permit = scoped_row(s, actor, Inspection, inspection_id, what="inspection")
        if not (actor.is_staff or actor.is_company):
            raise deny(actor, "inspection", permit.number, f"cancel inspection {inspection_id}")
        inspection = lock_inspection(s, inspection_id)
        if inspection.status not in OPEN:
            raise RuleViolation(
                f"This inspection is already {inspection.status}; it cannot be cancelled.",
                field="inspection",
            )
        if not actor.is_staff and not can_cancel_online(j, inspection.requested_date, now):
            raise RuleViolation(
                f"Inspections can be cancelled online only until {format_time(j.cancel_cutoff)} "
                f"on the day of the inspection. To cancel this one, please {j.cancel_refusal()}.",
                field="inspection",
            )
        inspection.status = InspectionStatus.CANCELLED.value
        inspection.cancelled_at = now
        s.add(inspection)
        free_place(s, inspection.slot_id)
        audit.record(
            s,
            actor,
            "inspection_cancelled",
            at=now,
            target=permit.number,
            detail=f"inspection {inspection_id}",
        )
        return view_of(s, db, inspection_id)

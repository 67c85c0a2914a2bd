"""Which of an actor's permits can get an inspection request now: the rows of *My Active
Permits* that offer *Request* (the schedule screen's list), one keyset page by permit number
in one query.

It joins two rules, each kept in its own home: the list rule of
:mod:`etrakit_tui.domain.permits.dashboard` (:func:`active_condition`) and the request rule
of :mod:`etrakit_tui.domain.inspections.requests` (:func:`can_request_expr`). It is a module
of its own because ``permits.dashboard`` imports ``requests`` (for ``can_request``), so
``requests`` cannot import ``permits.dashboard`` back without an import cycle.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.inspections.calendar import local_today
from etrakit_tui.domain.inspections.requests import can_request_expr
from etrakit_tui.domain.permits.access import private_scope
from etrakit_tui.domain.permits.dashboard import active_condition
from etrakit_tui.domain.permits.fees import fees_due_expr
from etrakit_tui.domain.permits.views import ActivePermitRow, Page
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import Parcel, Permit

MAX_LIMIT = 500
"""The most rows one page holds, as for the dashboard's lists."""


def requestable_permits(
    db: Database, actor: Actor, after: str | None = None, limit: int = 50
) -> Page[ActivePermitRow, str]:
    """One page of the permits ``actor`` may request inspections on now (a company: those
    it is a contact of; staff: every one), by permit number after ``after``: the rows of
    *My Active Permits* whose *Request* shows. ``next_key`` is the last number shown when
    more exist; the list is not counted (``total`` is ``None``)."""
    on = local_today(db.jurisdiction, db.now())
    size = max(1, min(limit, MAX_LIMIT))
    query = (
        select(
            col(Permit.number),
            col(Parcel.address),
            col(Permit.permit_type),
            col(Permit.status),
            col(Permit.expires_on),
            fees_due_expr().label("fees_due"),
        )
        .outerjoin(Parcel, col(Parcel.id) == col(Permit.parcel_id))
        .where(private_scope(actor), active_condition(on), can_request_expr(on))
        .order_by(col(Permit.number))
        .limit(size + 1)
    )
    if after is not None:
        query = query.where(col(Permit.number) > after)
    with db.read_conn() as conn:
        found = conn.execute(query).all()
    items = tuple(
        ActivePermitRow(
            number=number,
            address=address or "",
            permit_type=permit_type,
            status=status,
            expires_on=expires_on,
            can_request=True,
            fees_due_cents=int(due),
        )
        for number, address, permit_type, status, expires_on, due in found[:size]
    )
    next_key = items[-1].number if len(found) > size else None
    return Page(items=items, next_key=next_key)

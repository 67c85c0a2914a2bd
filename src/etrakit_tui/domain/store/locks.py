"""Row locks for a change, in the one lock order, so PostgreSQL transactions never deadlock:
permit, then inspection, then slot; permits, then their payment order (SQLite's
``BEGIN IMMEDIATE`` serialises writers anyway).
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import String, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from etrakit_tui.domain.store.direct import Runner
from etrakit_tui.domain.store.models import Inspection, PaymentOrder, Permit


def lock_inspection(s: Session, inspection_id: int) -> Inspection:
    """The inspection row, fresh from the database and locked (PostgreSQL) for this change."""
    query = select(Inspection).where(Inspection.id == inspection_id).with_for_update()
    return s.exec(query.execution_options(populate_existing=True)).one()


def lock_permit(s: Session, permit_id: int) -> Permit:
    """The permit row, fresh and locked (PostgreSQL) for this change."""
    query = select(Permit).where(Permit.id == permit_id).with_for_update()
    return s.exec(query.execution_options(populate_existing=True)).one()


def lock_order(s: Session, order_id: int) -> PaymentOrder:
    """The payment order row, fresh and locked (PostgreSQL) for this change: after its
    permits."""
    query = select(PaymentOrder).where(PaymentOrder.id == order_id).with_for_update()
    return s.exec(query.execution_options(populate_existing=True)).one()


@functools.cache
def _permit_number_lock() -> Any:
    number = bindparam("number", type_=String)
    return sa_select(col(Permit.id)).where(col(Permit.number) == number).with_for_update()


def lock_permit_number(conn: Runner, number: str) -> None:
    """:func:`lock_permit` on a Core connection, by number, reading nothing: the statements
    after it see what the transactions that held the row committed (none such: nothing
    locked). Nothing to do on SQLite, whose write transactions are exclusive."""
    if conn.dialect.name == "postgresql":
        conn.execute(_permit_number_lock(), {"number": number})

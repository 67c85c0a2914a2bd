"""Payment orders: a company picks the due fees of some of its permits and gets an order.

An order is immutable once made: its number (``PO-YYMM-seq``, the month in the
jurisdiction's time), each permit's amount due at that moment (its items), the total and
how long it is valid (``payment_order_days``). It is paid online on the city's processor
page (``payment_url`` filled in with the order number and the amount) or in person, by
phone or by mail (``payment_instructions``); the settlement import marks it PAID. A permit
is on at most one open, unexpired order at a time. An order is valid up to and including
its ``expires_at``; past it, an OPEN order reads as EXPIRED.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, ScalarSelect, func
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.errors import AccessDenied, NotFound, RuleViolation, ValidationFailed
from etrakit_tui.domain.inspections.calendar import local_now
from etrakit_tui.domain.payments.views import (
    OrderItem,
    OrderState,
    PayablePermit,
    PaymentOrderView,
)
from etrakit_tui.domain.permits.access import (
    contact_exists,
    normalise_number,
    permit_for,
    permit_scoped,
    private_scope,
)
from etrakit_tui.domain.permits.fees import amount_due, fees_due_expr, format_cents
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.locks import lock_order, lock_permit
from etrakit_tui.domain.store.models import (
    OrderStatus,
    Parcel,
    PaymentOrder,
    PaymentOrderItem,
    Permit,
)
from etrakit_tui.settings import Jurisdiction

MAX_PERMITS = 50
"""The most permits one order may hold."""

MAX_ORDER_NUMBER = 20
NUMBER_ATTEMPTS = 5
"""Two orders made at once may draw the same number: the loser tries again."""


def format_amount(cents: int) -> str:
    """Cents as the processor's amount: ``11600`` -> ``"116.00"``."""
    return f"{cents // 100}.{cents % 100:02d}"


def pay_url(jurisdiction: Jurisdiction, order_number: str, total_cents: int) -> str | None:
    """The city's payment page for the order (``None`` when the city has none)."""
    if not jurisdiction.payment_url:
        return None
    return jurisdiction.payment_url.format(
        order=quote(order_number, safe=""), amount=format_amount(total_cents)
    )


def order_state(status: str, expires_at: datetime, now: datetime) -> OrderState:
    """What an order is at ``now``: an OPEN one past ``expires_at`` is EXPIRED."""
    if status == OrderStatus.OPEN and now > expires_at:
        return OrderState.EXPIRED
    return OrderState(status)


def normalise_order_number(text: str) -> str:
    """Order numbers are stored uppercase; users and files write them any way."""
    return text.strip().upper()


# --------------------------------------------------------------------------- reading


def order_items(conn: Connection, order_id: int, actor: Actor | None = None) -> list[OrderItem]:
    """The order's items by permit number (only the permits ``actor`` may see, if given)."""
    query = (
        sa_select(
            col(Permit.number),
            func.coalesce(col(Parcel.address), ""),
            col(PaymentOrderItem.amount_cents),
        )
        .join(Permit, col(Permit.id) == col(PaymentOrderItem.permit_id))
        .outerjoin(Parcel, col(Parcel.id) == col(Permit.parcel_id))
        .where(col(PaymentOrderItem.order_id) == order_id)
        .order_by(col(Permit.number))
    )
    if actor is not None:
        query = query.where(private_scope(actor, col(PaymentOrderItem.permit_id)))
    return [OrderItem(str(n), str(a), int(c)) for n, a, c in conn.execute(query)]


def order_view(
    conn: Connection, db: Database, order: PaymentOrder, actor: Actor | None = None
) -> PaymentOrderView:
    """The read model of ``order`` (its items read on ``conn``)."""
    assert order.id is not None
    j = db.jurisdiction
    return PaymentOrderView(
        number=order.number,
        state=order_state(order.status, order.expires_at, db.now()),
        total_cents=order.total_cents,
        created_at=order.created_at,
        expires_at=order.expires_at,
        items=tuple(order_items(conn, order.id, actor)),
        pay_url=pay_url(j, order.number, order.total_cents),
        instructions=j.payment_instructions,
        paid_at=order.paid_at,
        transaction_id=order.transaction_id,
    )


def open_order_number(permit_id: Any, now: datetime) -> ScalarSelect[str]:
    """SQL: the number of the open, unexpired order holding permit ``permit_id`` (a value
    or a column of the enclosing query), the newest if several; NULL if none."""
    return (
        select(PaymentOrder.number)
        .join(PaymentOrderItem, col(PaymentOrderItem.order_id) == col(PaymentOrder.id))
        .where(
            col(PaymentOrderItem.permit_id) == permit_id,
            PaymentOrder.status == OrderStatus.OPEN.value,
            col(PaymentOrder.expires_at) >= now,
        )
        .order_by(col(PaymentOrder.id).desc())
        .limit(1)
        .scalar_subquery()
    )


def payable_permits(db: Database, actor: Actor) -> list[PayablePermit]:
    """The company's own permits with an amount due, by number, each with the open order
    already holding it (a company only; anyone else gets ``[]``)."""
    if actor.kind is not ActorKind.COMPANY or actor.id is None:
        return []
    now = db.now()
    open_order = open_order_number(col(Permit.id), now)
    due = fees_due_expr()
    query = (
        sa_select(col(Permit.number), func.coalesce(col(Parcel.address), ""), due, open_order)
        .outerjoin(Parcel, col(Parcel.id) == col(Permit.parcel_id))
        .where(contact_exists(actor.id), due > 0)
        .order_by(col(Permit.number))
    )
    with db.read_conn() as conn:
        return [
            PayablePermit(str(number), str(address), int(cents), order)
            for number, address, cents, order in conn.execute(query)
        ]


@permit_scoped
def orders_for_permit(db: Database, actor: Actor, permit_number: str) -> list[PaymentOrderView]:
    """The payment orders holding the permit, newest first: open, paid (the receipts),
    expired and cancelled. Same access as the permit's Fees tab; a company sees the orders
    it made, with only the permits it may see."""
    with db.read() as s:
        permit = permit_for(s, actor, permit_number, private=True)
        query = (
            select(PaymentOrder)
            .join(PaymentOrderItem, col(PaymentOrderItem.order_id) == col(PaymentOrder.id))
            .where(PaymentOrderItem.permit_id == permit.id)
            .order_by(col(PaymentOrder.created_at).desc(), col(PaymentOrder.id).desc())
        )
        if actor.kind is ActorKind.COMPANY:
            query = query.where(PaymentOrder.company_id == actor.id)
        orders = s.exec(query).all()
        conn = s.connection()
        return [order_view(conn, db, order, actor) for order in orders]


# --------------------------------------------------------------------------- changing


def _clean_numbers(permit_numbers: Sequence[str]) -> list[str]:
    if isinstance(permit_numbers, str):
        permit_numbers = [permit_numbers]
    wanted = list(dict.fromkeys(n for n in map(normalise_number, permit_numbers) if n))
    if not wanted:
        raise ValidationFailed({"permits": "Pick at least one permit to pay."})
    if len(wanted) > MAX_PERMITS:
        raise ValidationFailed({"permits": f"Pick at most {MAX_PERMITS} permits in one order."})
    return wanted


def _next_number(session: Session, db: Database, now: datetime) -> str:
    local = local_now(db.jurisdiction, now)
    prefix = f"PO-{local:%y%m}-"
    last = session.exec(
        select(func.max(PaymentOrder.number)).where(
            col(PaymentOrder.number) >= prefix, col(PaymentOrder.number) < prefix[:-1] + "."
        )
    ).one()
    seq = int(str(last)[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def _make_order(db: Database, actor: Actor, wanted: list[str]) -> PaymentOrderView:
    now = db.now()
    assert actor.id is not None
    with db.write() as s:
        permits = [permit_for(s, actor, n, private=True) for n in wanted]
        items: list[tuple[Permit, int]] = []
        for permit in sorted(permits, key=lambda p: p.id or 0):  # one lock order
            assert permit.id is not None
            lock_permit(s, permit.id)
        for permit in permits:
            assert permit.id is not None
            due = amount_due(s, permit.id)
            if due <= 0:
                raise RuleViolation(f"{permit.number} has no fees due.", field="permits")
            held = s.exec(select(open_order_number(permit.id, now))).one()
            if held is not None:
                raise RuleViolation(f"{permit.number} is already on order {held}.", field="permits")
            items.append((permit, due))
        total = sum(due for _, due in items)
        order = PaymentOrder(
            number=_next_number(s, db, now),
            company_id=actor.id,
            created_at=now,
            expires_at=now + timedelta(days=db.jurisdiction.payment_order_days),
            total_cents=total,
            status=OrderStatus.OPEN.value,
            created_by=actor.name[:120],
        )
        s.add(order)
        s.flush()
        assert order.id is not None
        for permit, due in items:
            assert permit.id is not None
            s.add(PaymentOrderItem(order_id=order.id, permit_id=permit.id, amount_cents=due))
        audit.record(
            s,
            actor,
            "payment_order_created",
            at=now,
            target=order.number,
            detail=f"{format_cents(total)} for " + ", ".join(p.number for p, _ in items),
        )
        s.flush()
        return order_view(s.connection(), db, order)


def create_order(db: Database, actor: Actor, permit_numbers: Sequence[str]) -> PaymentOrderView:
    """Make a payment order for the fees due on the company's permits ``permit_numbers``.

    One transaction with its audit line. Refused (and audited): anyone but a company
    (:class:`RuleViolation`); nothing picked (:class:`ValidationFailed` on ``permits``); a
    permit that is not the company's (``NotFound``, like any refused access); a permit with
    nothing due or already on an open, unexpired order (:class:`RuleViolation`)."""
    target = ",".join(normalise_number(n) for n in permit_numbers)[:120] or "(none)"
    with audit.audited_refusals(db, actor, "payment_order_created", target):
        if actor.kind is not ActorKind.COMPANY or actor.id is None:
            raise RuleViolation("Only a contractor company may make a payment order.")
        wanted = _clean_numbers(permit_numbers)
        for attempt in range(NUMBER_ATTEMPTS):
            try:
                return _make_order(db, actor, wanted)
            except IntegrityError:  # another order drew the same number at once
                if attempt == NUMBER_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover


def cancel_order(db: Database, actor: Actor, order_number: str) -> PaymentOrderView:
    """Cancel an OPEN order (expired or not): the company that made it, or staff.
    Audited; refused: another company or an inspector (``NotFound``, like a missing
    order), a paid or already cancelled order (:class:`RuleViolation`)."""
    number = normalise_order_number(order_number)[:MAX_ORDER_NUMBER]
    target = number or "(none)"
    with audit.audited_refusals(db, actor, "payment_order_cancelled", target), db.write() as s:
        order = s.exec(select(PaymentOrder).where(PaymentOrder.number == number)).first()
        if order is None or not number:
            raise NotFound("payment order")
        mine = actor.kind is ActorKind.COMPANY and order.company_id == actor.id
        if not (mine or actor.is_staff):
            raise AccessDenied("payment order", actor=actor, target=number, detail="cancel")
        assert order.id is not None
        permit_ids = s.exec(
            select(PaymentOrderItem.permit_id)
            .where(PaymentOrderItem.order_id == order.id)
            .order_by(col(PaymentOrderItem.permit_id))
        ).all()
        for permit_id in permit_ids:  # lock order: permits, then the order
            lock_permit(s, permit_id)
        order = lock_order(s, order.id)
        if order.status == OrderStatus.PAID:
            raise RuleViolation(f"Order {number} is paid: it cannot be cancelled.")
        if order.status == OrderStatus.CANCELLED:
            raise RuleViolation(f"Order {number} is already cancelled.")
        order.status = OrderStatus.CANCELLED.value
        s.add(order)
        audit.record(
            s,
            actor,
            "payment_order_cancelled",
            at=db.now(),
            target=number,
            detail=format_cents(order.total_cents),
        )
        s.flush()
        return order_view(s.connection(), db, order)

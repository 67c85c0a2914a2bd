"""Fees: what a permit owes, what was paid, staff recording payments, and reading what staff
type for fees (amounts, ``CODE AMOUNT`` lines, a type's fee schedule).

The amount due of a permit is ``sum(fees) - sum(payments)``; :func:`fees_due_expr` is that
rule as one SQL expression (the dashboard and any list use it), :func:`amount_due` the same
for one permit. Payments may never exceed the amount due, so it never goes below zero.
The parsers raise :class:`ValidationFailed` with a message fit for the form field.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Integer, bindparam, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.errors import RuleViolation, ValidationFailed
from etrakit_tui.domain.permits import catalog
from etrakit_tui.domain.permits.access import (
    PermitFacts,
    permit_facts,
    permit_for,
    permit_scoped,
)
from etrakit_tui.domain.permits.views import FeeBreakdown, FeeRow, PaymentRow
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import Fee, Payment, Permit
from etrakit_tui.domain.validation import FormErrors, clean_text

PAYMENT_METHODS = ("CHECK", "CASH", "CARD", "ACH")
"""How the division takes money."""

MAX_REFERENCE = 60


def format_cents(cents: int) -> str:
    """``123456`` -> ``"$1,234.56"`` (the portal's money format)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{part:02d}"


def _sum_for(amount: Any, owner: Any, permit_id: Any) -> ColumnElement[int]:
    target = col(Permit.id) if permit_id is None else permit_id
    subquery: ColumnElement[int] = (
        select(func.coalesce(func.sum(amount), 0)).where(owner == target).scalar_subquery()
    )
    return subquery


def fees_total_expr(permit_id: Any = None) -> ColumnElement[int]:
    """SQL: the total assessed on the permit ``permit_id`` (default: the enclosing query's
    ``permit.id``), in cents."""
    return _sum_for(col(Fee.amount_cents), col(Fee.permit_id), permit_id)


def paid_total_expr(permit_id: Any = None) -> ColumnElement[int]:
    """SQL: the total paid on the permit, in cents."""
    return _sum_for(col(Payment.amount_cents), col(Payment.permit_id), permit_id)


def fees_due_expr(permit_id: Any = None) -> ColumnElement[int]:
    """SQL: the amount due on the permit ``permit_id`` (default: the enclosing query's
    ``permit.id``), in cents. Use as a column: ``select(Permit.number, fees_due_expr())``."""
    due: ColumnElement[int] = fees_total_expr(permit_id) - paid_total_expr(permit_id)
    return due


def amount_due(session: Session, permit_id: int) -> int:
    """The amount due on one permit, in cents."""
    return int(session.exec(select(fees_due_expr(permit_id))).one())


@functools.cache
def _breakdown_statements() -> tuple[Any, Any]:
    """The fees and the payments of one permit (bound ``permit``), oldest first."""
    permit = bindparam("permit", type_=Integer)
    fees = (
        sa_select(col(Fee.code), col(Fee.description), col(Fee.amount_cents), col(Fee.assessed_on))
        .where(col(Fee.permit_id) == permit)
        .order_by(col(Fee.assessed_on), col(Fee.id))
    )
    payments = (
        sa_select(
            col(Payment.amount_cents),
            col(Payment.method),
            col(Payment.reference),
            col(Payment.paid_at),
        )
        .where(col(Payment.permit_id) == permit)
        .order_by(col(Payment.paid_at), col(Payment.id))
    )
    return fees, payments


def breakdown_of(conn: Connection, permit: PermitFacts | Permit) -> FeeBreakdown:
    """The fee breakdown of ``permit``, already authorized by the caller: each fee and
    payment, oldest first, and the totals. Two statements built once, on the caller's
    connection (a read's, or a write's after it recorded a payment)."""
    fees_statement, payments_statement = _breakdown_statements()
    params = {"permit": permit.id}
    fees = tuple(FeeRow(*row) for row in conn.execute(fees_statement, params))
    payments = tuple(PaymentRow(*row) for row in conn.execute(payments_statement, params))
    total = sum(f.amount_cents for f in fees)
    paid = sum(p.amount_cents for p in payments)
    return FeeBreakdown(
        permit_number=permit.number,
        fees=fees,
        payments=payments,
        total_fees_cents=total,
        total_paid_cents=paid,
        amount_due_cents=total - paid,
    )


@permit_scoped
def fee_breakdown(db: Database, actor: Actor, number: str) -> FeeBreakdown:
    """Each fee, each payment, and the amount due of permit ``number``."""
    with db.read_conn() as conn:
        permit = permit_facts(conn, actor, number)
        return breakdown_of(conn, permit)


def _clean_payment(amount_cents: int, method: str, reference: str) -> tuple[str, str]:
    form = FormErrors()
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        form.add("amount", "Enter an amount greater than zero.")
    clean_method = (form.run(clean_text, method, "method", max_len=20) or "").upper()
    if "method" not in form.errors and clean_method not in PAYMENT_METHODS:
        form.add("method", f"Choose one of {', '.join(PAYMENT_METHODS)}.")
    clean_reference = form.run(clean_text, reference, "reference", max_len=MAX_REFERENCE)
    form.raise_if_any()
    return clean_method, clean_reference or ""


@permit_scoped
def record_payment(
    db: Database,
    actor: Actor,
    number: str,
    amount_cents: int,
    method: str = "CHECK",
    reference: str = "",
) -> FeeBreakdown:
    """Record a payment on permit ``number`` (staff only) and return the new breakdown.

    Refused: a company or inspector (``NotFound`` where they may not see the permit,
    :class:`RuleViolation` where they may); an amount that is not positive
    (:class:`ValidationFailed` on ``amount``) or exceeds the amount due
    (:class:`RuleViolation` on ``amount``). Every outcome is audited.
    """
    try:
        with db.write() as session:
            permit = permit_for(session, actor, number, private=True, lock=True)
            assert permit.id is not None
            if not actor.is_staff:
                raise RuleViolation("Only building-division staff may record payments.")
            clean_method, clean_reference = _clean_payment(amount_cents, method, reference)
            due = amount_due(session, permit.id)
            if amount_cents > due:
                raise RuleViolation(
                    f"The payment exceeds the amount due ({format_cents(due)}).", field="amount"
                )
            session.add(
                Payment(
                    permit_id=permit.id,
                    amount_cents=amount_cents,
                    method=clean_method,
                    reference=clean_reference,
                    paid_at=db.now(),
                    recorded_by_id=actor.id if actor.kind is ActorKind.STAFF else None,
                )
            )
            audit.record(
                session,
                actor,
                "payment_recorded",
                at=db.now(),
                target=permit.number,
                detail=f"{format_cents(amount_cents)} {clean_method} {clean_reference}".strip(),
            )
            session.flush()
            session.flush()  # the new payment, for the breakdown read on the same connection
            return breakdown_of(session.connection(), permit)
    except (RuleViolation, ValidationFailed) as refused:
        with db.write() as session:
            audit.record(
                session,
                actor,
                "payment_recorded",
                at=db.now(),
                target=number.strip().upper()[:120],
                outcome="refused",
                detail=str(refused),
            )
        raise


@dataclass(frozen=True, slots=True)
class FeeInput:
    """A fee to assess: a code (``ELEC``), its amount in cents, and a description (default:
    the fee schedule's)."""

    code: str
    amount_cents: int
    description: str = ""


_MONEY = re.compile(r"\$?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?")


def parse_cents(text: str, field: str = "amount") -> int:
    """``$1,234.56`` / ``1234.5`` / ``12`` -> cents."""
    match = _MONEY.fullmatch(text.strip())
    if match is None:
        raise ValidationFailed({field: "Enter an amount like 125.00."})
    whole, part = match.groups()
    return int(whole.replace(",", "")) * 100 + int((part or "0").ljust(2, "0"))


def parse_fee_lines(text: str, field: str = "fees") -> list[FeeInput]:
    """``ELEC 95.00, ISSUE 55`` -> fees (a code and an amount, separated by commas or
    semicolons)."""
    fees = []
    for chunk in re.split(r"[,;\n]+", text):
        parts = chunk.split()
        if not parts:
            continue
        if len(parts) != 2:
            raise ValidationFailed({field: "Write each fee as CODE AMOUNT, e.g. ELEC 95.00."})
        fees.append(FeeInput(parts[0].upper(), parse_cents(parts[1], field)))
    return fees


def standard_fees(permit_type: str, *, plan_check: bool = False) -> list[FeeInput]:
    """The fee schedule's lines for a permit type, at their base amounts."""
    codes = ("PLANCHK",) if plan_check else catalog.PERMIT_FEES.get(permit_type.upper(), ())
    return [
        FeeInput(code, catalog.FEE_SCHEDULE[code].low_cents, catalog.FEE_SCHEDULE[code].description)
        for code in codes
    ]


def fee_lines_text(fees: Sequence[FeeInput]) -> str:
    """Fees written the way :func:`parse_fee_lines` reads them."""
    return ", ".join(f"{f.code} {f.amount_cents // 100}.{f.amount_cents % 100:02d}" for f in fees)

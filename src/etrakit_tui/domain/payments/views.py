"""Read models of payment orders and settlement imports (frozen, slotted dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class OrderState(StrEnum):
    """What a payment order is now: EXPIRED is an OPEN order past its validity."""

    OPEN = "OPEN"
    PAID = "PAID"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One permit on an order and its amount due when the order was made."""

    permit_number: str
    address: str
    amount_cents: int


@dataclass(frozen=True, slots=True)
class PaymentOrderView:
    """A payment order: what it pays, how to pay it and, once PAID, its receipt."""

    number: str
    state: OrderState
    total_cents: int
    created_at: datetime
    expires_at: datetime
    items: tuple[OrderItem, ...]
    pay_url: str | None
    """The jurisdiction's payment page for this order; ``None`` when the city has none."""
    instructions: str
    """The jurisdiction's words on paying in person, by phone or by mail."""
    paid_at: datetime | None
    transaction_id: str | None


@dataclass(frozen=True, slots=True)
class PayablePermit:
    """A company's permit with fees due, and the open order already holding it (if any)."""

    number: str
    address: str
    amount_due_cents: int
    open_order: str | None


@dataclass(frozen=True, slots=True)
class SettlementLine:
    """One row of a settlement file and what the import did with it."""

    line: int
    order: str
    transaction: str
    amount_cents: int | None
    outcome: str
    """``"applied"``, ``"already applied"`` or ``"not applied"``."""
    reason: str
    """Empty when applied without remark; else one plain sentence."""


@dataclass(frozen=True, slots=True)
class SettlementReport:
    """A settlement import: each row's outcome, the counts, or a whole-file problem."""

    lines: tuple[SettlementLine, ...]
    applied: int
    not_applied: int
    problem: str | None
    """A problem with the whole file (encoding, missing columns): then nothing was applied."""

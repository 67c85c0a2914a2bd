"""The processor's settlement file: staff import it, and each row pays one payment order.

The file is CSV text in UTF-8 (a byte-order mark is fine) whose header names the columns
of ``settlement_columns`` (order number, amount, paid at, transaction id; other columns are
ignored). A problem with the whole file (not UTF-8, no header, a missing column) applies
nothing. Otherwise every row is checked and applied in its own transaction, so a bad row
never blocks the good ones and nothing is ever half-applied:

* a transaction id is applied once (it is unique on the orders): importing the same file
  again reports its rows "already applied" and changes nothing;
* not applied, with the reason: a malformed row, a transaction id appearing twice in the
  file, an unknown, cancelled or otherwise paid order, an order that expired before it was
  paid, an amount that is not a positive number or differs from the order's total, a bad
  ``paid at``, a permit whose amount due is now smaller than its item (fees paid at the
  counter meanwhile);
* applied: one ``Payment`` per item (``ONLINE``, the transaction id as reference), the
  order PAID, the audit line and the receipt email to the company's profile address,
  queued in the same transaction (so sent exactly once).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.notify.outbox import queue_email, receipt_email
from etrakit_tui.domain.payments.orders import (
    MAX_ORDER_NUMBER,
    format_amount,
    normalise_order_number,
    order_items,
)
from etrakit_tui.domain.payments.views import SettlementLine, SettlementReport
from etrakit_tui.domain.permits.fees import amount_due, format_cents
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.locks import lock_order, lock_permit
from etrakit_tui.domain.store.models import (
    Company,
    OrderStatus,
    Payment,
    PaymentOrder,
    PaymentOrderItem,
    Permit,
)

APPLIED = "applied"
ALREADY_APPLIED = "already applied"
NOT_APPLIED = "not applied"
NO_EMAIL = "no receipt email: the company has no email address"
MAX_TRANSACTION = 80
ONLINE = "ONLINE"

_AMOUNT = re.compile(r"\$?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?")


class RowRefused(Exception):
    """A row that is not applied; ``str()`` is the reason (one plain sentence)."""


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    order: str
    transaction: str
    amount_cents: int | None
    paid_at: datetime | None
    problem: str | None


# --------------------------------------------------------------------------- reading the file


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RowRefused(
            f"The file is not UTF-8 text (byte {exc.start + 1} cannot be read): "
            "save it as UTF-8 (CSV) and import it again."
        ) from exc


def parse_amount(text: str) -> int:
    """``116.00`` / ``$1,116.5`` -> cents; refuses a negative, zero or non-numeric amount."""
    value = text.strip()
    if value.startswith("-"):
        raise RowRefused(f"the amount {value} is negative")
    match = _AMOUNT.fullmatch(value)
    if match is None:
        raise RowRefused(f"the amount {value!r} is not a number like 116.00")
    whole, part = match.groups()
    cents = int(whole.replace(",", "")) * 100 + int((part or "0").ljust(2, "0"))
    if cents <= 0:
        raise RowRefused("the amount is zero")
    return cents


def parse_paid_at(text: str, db: Database) -> datetime:
    """ISO 8601 (``2026-11-18T10:15:00-08:00``, ``...Z``); a naive time is local."""
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise RowRefused(
            f"the paid-at time {value!r} is not a time like 2026-11-18T10:15:00-08:00"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=db.jurisdiction.zone)
    return moment


def _rows(text: str, db: Database) -> list[_Row]:
    """Every data row of the file, read and checked on its own."""
    names = db.jurisdiction.settlement_columns
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise RowRefused("The file is empty: it has no header line.") from None
    except csv.Error as exc:
        raise RowRefused(f"The header line is not CSV ({exc}).") from exc
    where = {name.strip().casefold(): i for i, name in enumerate(header)}
    wanted = (names.order, names.amount, names.paid_at, names.transaction)
    missing = [n for n in wanted if n.strip().casefold() not in where]
    if missing:
        listed = ", ".join(f'"{n}"' for n in missing)
        noun = "column" if len(missing) == 1 else "columns"
        raise RowRefused(
            f"The file has no {listed} {noun} (the header line must name "
            + ", ".join(f'"{n}"' for n in wanted)
            + ")."
        )
    at = [where[n.strip().casefold()] for n in wanted]
    rows: list[_Row] = []
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows.append(_Row(reader.line_num, "", "", None, None, f"malformed CSV ({exc})"))
            continue
        if not any(f.strip() for f in fields):
            continue  # a blank line
        rows.append(_row(reader.line_num, fields, len(header), at, db))
    return rows


def _row(line: int, fields: list[str], width: int, at: list[int], db: Database) -> _Row:
    order = normalise_order_number(fields[at[0]]) if at[0] < len(fields) else ""
    transaction = fields[at[3]].strip() if at[3] < len(fields) else ""
    if len(fields) != width:
        return _Row(
            line,
            order[:MAX_ORDER_NUMBER],
            transaction[:MAX_TRANSACTION],
            None,
            None,
            f"malformed CSV: the row has {len(fields)} fields, the header {width}",
        )
    amount: int | None = None
    try:
        if not order:
            raise RowRefused("the order number is empty")
        if not transaction:
            raise RowRefused("the transaction id is empty")
        if len(transaction) > MAX_TRANSACTION:
            raise RowRefused(f"the transaction id is longer than {MAX_TRANSACTION} characters")
        amount = parse_amount(fields[at[1]])
        paid_at = parse_paid_at(fields[at[2]], db)
    except RowRefused as refused:
        return _Row(line, order[:40], transaction[:MAX_TRANSACTION], amount, None, str(refused))
    return _Row(line, order, transaction, amount, paid_at, None)


# --------------------------------------------------------------------------- applying a row


def _apply(db: Database, actor: Actor, row: _Row) -> tuple[str, str]:
    """Apply one checked row in its own transaction: (outcome, reason)."""
    assert row.amount_cents is not None and row.paid_at is not None
    with db.write() as s:
        found = s.exec(select(PaymentOrder).where(PaymentOrder.number == row.order)).first()
        if found is None or found.id is None:
            raise RowRefused(f"there is no order {row.order}")
        items = s.exec(
            select(PaymentOrderItem)
            .where(PaymentOrderItem.order_id == found.id)
            .order_by(col(PaymentOrderItem.permit_id))
        ).all()
        for item in items:  # lock order: permits, then the order
            lock_permit(s, item.permit_id)
        order = lock_order(s, found.id)
        done = _already(s, row, order)
        if done is not None:
            return done
        _check(s, db, row, order, items)
        return APPLIED, _pay(s, db, actor, row, order, items)


def _already(s: Session, row: _Row, order: PaymentOrder) -> tuple[str, str] | None:
    """The row's transaction has been applied before (this order: nothing to do)."""
    paid = s.exec(
        select(PaymentOrder.number).where(PaymentOrder.transaction_id == row.transaction)
    ).first()
    if paid is None:
        return None
    if paid == order.number:
        return ALREADY_APPLIED, ""
    raise RowRefused(f"transaction {row.transaction} already paid order {paid}")


def _check(
    s: Session, db: Database, row: _Row, order: PaymentOrder, items: Sequence[PaymentOrderItem]
) -> None:
    number = order.number
    if order.status == OrderStatus.CANCELLED:
        raise RowRefused(f"order {number} was cancelled")
    if order.status == OrderStatus.PAID:
        raise RowRefused(f"order {number} was already paid by transaction {order.transaction_id}")
    assert row.paid_at is not None and row.amount_cents is not None
    if row.paid_at > order.expires_at:
        when = order.expires_at.astimezone(db.jurisdiction.zone)
        raise RowRefused(f"order {number} expired ({when:%Y-%m-%d %H:%M}) before it was paid")
    if row.amount_cents != order.total_cents:
        raise RowRefused(
            f"the amount {format_amount(row.amount_cents)} differs from the order's total "
            f"{format_amount(order.total_cents)}"
        )
    for item in items:
        due = amount_due(s, item.permit_id)
        if due < item.amount_cents:
            permit = s.get(Permit, item.permit_id)
            name = permit.number if permit is not None else str(item.permit_id)
            raise RowRefused(
                f"fees already paid at the counter: {name} now owes {format_cents(due)}, "
                f"the order {format_cents(item.amount_cents)}"
            )


def _pay(
    s: Session,
    db: Database,
    actor: Actor,
    row: _Row,
    order: PaymentOrder,
    items: Sequence[PaymentOrderItem],
) -> str:
    """Pay the order: its payments, its receipt (returned: the remark for the report)."""
    assert row.paid_at is not None and order.id is not None
    for item in items:
        s.add(
            Payment(
                permit_id=item.permit_id,
                amount_cents=item.amount_cents,
                method=ONLINE,
                reference=row.transaction[:60],
                paid_at=row.paid_at,
            )
        )
    order.status = OrderStatus.PAID.value
    order.paid_at = row.paid_at
    order.transaction_id = row.transaction
    s.add(order)
    audit.record(
        s,
        actor,
        "payment_order_paid",
        at=db.now(),
        target=order.number,
        detail=f"{format_cents(order.total_cents)} transaction {row.transaction}",
    )
    s.flush()
    company = s.get(Company, order.company_id)
    if company is None or not company.email.strip():
        return NO_EMAIL
    draft = receipt_email(
        db.jurisdiction,
        to=company.email,
        company_name=company.name,
        order_number=order.number,
        transaction_id=row.transaction,
        paid_at=row.paid_at,
        items=order_items(s.connection(), order.id),
        total_cents=order.total_cents,
    )
    queue_email(s, draft, at=db.now())
    return ""


# --------------------------------------------------------------------------- the import


def import_settlement(db: Database, actor: Actor, data: bytes) -> SettlementReport:
    """Import the processor's settlement file ``data`` (staff or the system only; anyone
    else gets ``NotFound``, audited). See the module's docstring for the rules."""
    audit.require_staff(db, actor, "settlement import", "settlement", "import a settlement")
    try:
        rows = _rows(_text(data), db)
    except RowRefused as problem:
        audit.record_refusal(db, actor, "settlement_imported", "settlement", str(problem))
        return SettlementReport((), 0, 0, str(problem))
    times = Counter(row.transaction for row in rows if row.transaction)
    lines = []
    for row in rows:
        count = times[row.transaction]
        if row.problem is not None:
            outcome, reason = NOT_APPLIED, row.problem
        elif count > 1:
            outcome = NOT_APPLIED
            reason = f"transaction {row.transaction} appears {_times(count)} in this file"
        else:
            try:
                outcome, reason = _apply(db, actor, row)
            except RowRefused as refused:
                outcome, reason = NOT_APPLIED, str(refused)
        lines.append(
            SettlementLine(row.line, row.order, row.transaction, row.amount_cents, outcome, reason)
        )
    applied = sum(line.outcome == APPLIED for line in lines)
    not_applied = sum(line.outcome == NOT_APPLIED for line in lines)
    already = len(lines) - applied - not_applied
    with db.write() as s:
        audit.record(
            s,
            actor,
            "settlement_imported",
            at=db.now(),
            target="settlement",
            outcome="ok" if not_applied == 0 else "partial",
            detail=f"{applied} applied, {already} already applied, {not_applied} not applied",
        )
    return SettlementReport(tuple(lines), applied, not_applied, None)


def _times(n: int) -> str:
    return "twice" if n == 2 else f"{n} times"

"""Email notifications, queued in the Outbox.

A change that should send an email adds an :class:`~etrakit_tui.domain.store.models.Outbox` row
in the SAME transaction, so the email exists exactly when the change does. A separate sender
(``mailer``) delivers pending rows. A row may carry an attachment (``attachment_id``): the
sender reads its bytes from the attachment table when it sends.

Everything in an email is plain text. Header values (the subject, the address) are made
single-line here so stored data can never inject headers; the body drops control
characters other than newlines and tabs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from etrakit_tui.domain.inspections.calendar import (
    format_day,
    format_moment,
)
from etrakit_tui.domain.payments.views import OrderItem
from etrakit_tui.domain.permits.fees import format_cents
from etrakit_tui.domain.store.models import Outbox, OutboxStatus
from etrakit_tui.settings import Jurisdiction

MAX_SUBJECT = 200
MAX_ADDRESS = 254

_LINE_BREAKS = re.compile(r"[\r\n\u0085\u2028\u2029]+")


@dataclass(frozen=True, slots=True)
class EmailDraft:
    """An email ready to queue."""

    to: str
    subject: str
    body: str


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf")


def header_text(value: str, limit: int) -> str:
    """One line, no control or format characters, at most ``limit`` characters."""
    flat = _LINE_BREAKS.sub(" ", value)
    return "".join(" " if _is_control(ch) else ch for ch in flat).strip()[:limit]


def body_text(value: str) -> str:
    """Plain text with newlines and tabs kept and every other control character removed."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or not _is_control(ch))


def queue_email(
    session: Session, draft: EmailDraft, *, at: datetime, attachment_id: int | None = None
) -> Outbox:
    """Add ``draft`` to the Outbox in the caller's transaction; returns the (flushed) row.
    ``attachment_id``: the attachment the email carries (read when it is sent)."""
    row = Outbox(
        created_at=at,
        attachment_id=attachment_id,
        to_addr=header_text(draft.to, MAX_ADDRESS),
        subject=header_text(draft.subject, MAX_SUBJECT),
        body=body_text(draft.body),
        status=OutboxStatus.PENDING.value,
        attempts=0,
        next_attempt_at=at,
    )
    session.add(row)
    session.flush()
    return row


def failed_inspection_email(
    j: Jurisdiction,
    *,
    to: str,
    company_name: str,
    permit_number: str,
    address: str,
    inspection_type: str,
    result: str,
    comments: str,
    inspector_name: str,
    inspection_date: date,
    period: str,
) -> EmailDraft:
    """The "failed inspection notification" a company asks for in its profile."""
    subject = f"Inspection {result}: permit {permit_number}, {inspection_type} at {address}"
    lines = [
        f"Dear {company_name},",
        "",
        f"The {inspection_type} inspection on permit {permit_number} did not pass.",
        "",
        f"Permit:      {permit_number}",
        f"Address:     {address}",
        f"Inspection:  {inspection_type}",
        f"Date:        {format_day(inspection_date)} {period}",
        f"Result:      {result}",
        f"Inspector:   {inspector_name or '-'}",
        "",
        "Inspector comments:",
        comments.strip() or "(none)",
        "",
        "Please correct the items above before requesting the inspection again.",
        f"Questions? Call the {j.name} {j.division} at {j.phone} or write to {j.email}.",
        "",
        "You receive this email because failed inspection notification is on in your",
        "profile. Turn it off there to stop these emails.",
    ]
    return EmailDraft(to=to, subject=subject, body="\n".join(lines))


def attachment_email(
    j: Jurisdiction,
    *,
    to: str,
    company_name: str,
    permit_number: str,
    address: str,
    filename: str,
    size: int,
) -> EmailDraft:
    """The email carrying a permit's attachment to the company that asked for it (the file
    itself is attached by the sender)."""
    subject = f"Permit {permit_number}: {filename}"
    lines = [
        f"Dear {company_name},",
        "",
        f"Attached is {filename}, a file on permit {permit_number}, as requested in the",
        f"{j.name} permit portal.",
        "",
        f"Permit:      {permit_number}",
        f"Address:     {address or '-'}",
        f"File:        {filename} ({size} bytes)",
        "",
        f"You receive this email because someone signed in as {company_name} asked the",
        "portal to send this file to the company's profile address.",
        f"Questions? Call the {j.name} {j.division} at {j.phone} or write to {j.email}.",
    ]
    return EmailDraft(to=to, subject=subject, body="\n".join(lines))


def receipt_email(
    j: Jurisdiction,
    *,
    to: str,
    company_name: str,
    order_number: str,
    transaction_id: str,
    paid_at: datetime,
    items: Sequence[OrderItem],
    total_cents: int,
) -> EmailDraft:
    """The receipt of a payment order paid online (sent once, when the settlement file
    that pays it is imported)."""
    subject = f"Receipt: payment order {order_number}, {format_cents(total_cents)}"
    lines = [
        f"Dear {company_name},",
        "",
        f"The {j.name} {j.division} has received your payment of payment order",
        f"{order_number}. The fees below are paid.",
        "",
        f"Order:        {order_number}",
        f"Transaction:  {transaction_id}",
        f"Paid:         {format_moment(j, paid_at, weekday=True)}",
        "",
    ]
    for item in items:
        amount = format_cents(item.amount_cents)
        lines.append(f"  {item.permit_number:<12} {item.address[:40]:<40} {amount:>12}")
    lines += [
        f"  {'TOTAL PAID':<53} {format_cents(total_cents):>12}",
        "",
        "Keep this email as your receipt. The permits' Fees tabs in the portal show it too.",
        f"Questions? Call the {j.name} {j.division} at {j.phone} or write to {j.email}.",
    ]
    return EmailDraft(to=to, subject=subject, body="\n".join(lines))

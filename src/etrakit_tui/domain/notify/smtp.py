"""The outbox sender: delivers queued emails over SMTP, each exactly once.

Rows are queued by the change that caused them, in the same transaction (see ``notify``).
This sender:

1. *claims* a due row with a conditional UPDATE (status PENDING and due) that also pushes
   ``next_attempt_at`` a lease ahead — so two senders never send the same row;
2. sends it over SMTP outside any transaction;
3. marks it SENT only after the server accepted it; on failure, records the error and
   schedules the next attempt with exponential backoff (FAILED after ``MAX_ATTEMPTS``).

Each message carries ``Message-ID: <outbox-N@...>`` so a receiving system can drop a
duplicate should a crash fall between the server's acceptance and our commit.

A row with ``attachment_id`` carries that attachment: its bytes are read from the attachment
table when the row is sent, and attached (base64) under its sanitised name and content type.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlmodel import col

from etrakit_tui.domain.notify.views import DeliveryReport
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import Attachment, Outbox, OutboxStatus
from etrakit_tui.filenames import safe_filename
from etrakit_tui.settings import SmtpSettings

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 10
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
_MIME_TOKEN = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}")


@dataclass(frozen=True, slots=True)
class MailAttachment:
    """A file to attach: its name as stored, its content type and its bytes."""

    filename: str
    content_type: str
    data: bytes


class AttachmentMissing(LookupError):
    """The row's attachment is no longer in the database: the row cannot be sent."""


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: 30 s, 1 min, 2 min ... capped at an hour."""
    wait: timedelta = BACKOFF_BASE * (2 ** max(attempts - 1, 0))
    return min(wait, BACKOFF_CAP)


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        col(Outbox.status) == OutboxStatus.PENDING.value,
        or_(col(Outbox.next_attempt_at).is_(None), col(Outbox.next_attempt_at) <= now),
    )


def _claim(db: Database, outbox_id: int) -> Outbox | None:
    now = db.now()
    with db.write() as session:
        claimed = session.execute(
            update(Outbox)
            .where(col(Outbox.id) == outbox_id, _due(now))
            .values(next_attempt_at=now + LEASE, attempts=Outbox.attempts + 1)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return session.get(Outbox, outbox_id)


def mime_type(content_type: str) -> tuple[str, str]:
    """``(maintype, subtype)`` of a stored content type; ``application/octet-stream`` for
    anything that is not a plain, well-formed type."""
    kind = content_type.split(";", 1)[0].strip().lower()
    main, slash, sub = kind.partition("/")
    plain = main not in ("multipart", "message")
    if slash and plain and _MIME_TOKEN.fullmatch(main) and _MIME_TOKEN.fullmatch(sub):
        return main, sub
    return "application", "octet-stream"


def build_message(
    row: Outbox, sender: str, attachment: MailAttachment | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_addr
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    domain = sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<outbox-{row.id}@{domain}>"
    message.set_content(row.body)
    if attachment is not None:
        maintype, subtype = mime_type(attachment.content_type)
        message.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=safe_filename(attachment.filename),
        )
    return message


def load_attachment(db: Database, attachment_id: int) -> MailAttachment:
    """The attachment of an outbox row, read now (raises :class:`AttachmentMissing`)."""
    with db.read() as session:
        found = session.get(Attachment, attachment_id)
        if found is None:
            raise AttachmentMissing(f"attachment {attachment_id} no longer exists")
        return MailAttachment(found.filename, found.content_type, found.data or b"")


def send_message(smtp: SmtpSettings, message: EmailMessage) -> None:
    """One SMTP conversation; raises on anything but acceptance."""
    if not smtp.host:
        raise ConnectionError("no SMTP host configured (ETRAKIT_SMTP_HOST)")
    client: smtplib.SMTP
    if smtp.security == "tls":
        client = smtplib.SMTP_SSL(
            smtp.host,
            smtp.port,
            timeout=smtp.timeout_seconds,
            context=ssl.create_default_context(),
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
    with client:
        if smtp.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        client.send_message(message)


def deliver_pending(db: Database, smtp: SmtpSettings, *, limit: int = 100) -> DeliveryReport:
    """One pass over the due rows of the outbox."""
    now = db.now()
    with db.read() as session:
        due_ids = list(
            session.scalars(
                select(col(Outbox.id)).where(_due(now)).order_by(col(Outbox.id)).limit(limit)
            )
        )
    sent = failed = 0
    for outbox_id in due_ids:
        assert outbox_id is not None
        row = _claim(db, outbox_id)
        if row is None:
            continue  # another sender has it
        try:
            attached = load_attachment(db, row.attachment_id) if row.attachment_id else None
        except AttachmentMissing as exc:  # nothing to retry: give up on the row at once
            failed += 1
            _record_failure(db, outbox_id, MAX_ATTEMPTS, f"{type(exc).__name__}: {exc}")
            continue
        try:
            send_message(smtp, build_message(row, smtp.sender, attached))
        except (OSError, smtplib.SMTPException) as exc:
            failed += 1
            _record_failure(db, outbox_id, row.attempts, f"{type(exc).__name__}: {exc}")
            continue
        with db.write() as session:
            session.execute(
                update(Outbox)
                .where(col(Outbox.id) == outbox_id)
                .values(status=OutboxStatus.SENT.value, sent_at=db.now(), last_error="")
            )
        sent += 1
    with db.read() as session:
        pending = session.scalar(
            select(func.count())
            .select_from(Outbox)
            .where(col(Outbox.status) == OutboxStatus.PENDING.value)
        )
    return DeliveryReport(sent=sent, failed=failed, pending=pending or 0)


def _record_failure(db: Database, outbox_id: int, attempts: int, error: str) -> None:
    status = OutboxStatus.FAILED if attempts >= MAX_ATTEMPTS else OutboxStatus.PENDING
    with db.write() as session:
        session.execute(
            update(Outbox)
            .where(col(Outbox.id) == outbox_id)
            .values(
                status=status.value,
                next_attempt_at=db.now() + backoff(attempts),
                last_error=error[:2000],
            )
        )

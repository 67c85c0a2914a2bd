"""Outbox emails go over real SMTP (aiosmtpd on loopback), each exactly once."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.errors import RuleViolation
from etrakit_tui.domain.notify.smtp import backoff, deliver_pending
from etrakit_tui.domain.permits.attachments import email_attachment
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import Company, Outbox, OutboxStatus
from etrakit_tui.settings import SmtpSettings
from tests.support.readside import Builder


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def smtp(port: int) -> SmtpSettings:
    return SmtpSettings(
        host="127.0.0.1", port=port, sender="permits@hemet.example", timeout_seconds=5
    )


@pytest.fixture
def inbox(port: int) -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler
    controller.stop()


def queue(db: Database, to: str = "pm@acme.example") -> int:
    with db.write() as session:
        row = Outbox(
            created_at=db.now(),
            to_addr=to,
            subject="Inspection FAILED - B2611-001",
            body="Permit B2611-001 at 100 MAIN ST\nFAILED\nCall (951) 765-2475",
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def outbox_row(db: Database, outbox_id: int) -> Outbox:
    with db.read() as session:
        row = session.get(Outbox, outbox_id)
        assert row is not None
        return row


def test_queued_email_is_delivered_with_headers_and_marked_sent(
    db: Database, smtp: SmtpSettings, inbox: Inbox
) -> None:
    outbox_id = queue(db)
    report = deliver_pending(db, smtp)
    assert (report.sent, report.pending) == (1, 0)
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == "pm@acme.example"
    assert mail["From"] == "permits@hemet.example"
    assert mail["Subject"] == "Inspection FAILED - B2611-001"
    assert mail["Message-ID"] == f"<outbox-{outbox_id}@hemet.example>"
    assert "Call (951) 765-2475" in mail.get_payload(decode=True).decode()
    assert outbox_row(db, outbox_id).status == OutboxStatus.SENT.value


def test_server_down_keeps_row_pending_then_delivers_exactly_once(
    db: Database, smtp: SmtpSettings, port: int, clock: FixedClock
) -> None:
    outbox_id = queue(db)
    down = deliver_pending(db, smtp)
    assert (down.sent, down.failed, down.pending) == (0, 1, 1)
    row = outbox_row(db, outbox_id)
    assert row.status == OutboxStatus.PENDING.value
    assert row.attempts == 1
    assert row.last_error
    assert row.next_attempt_at == clock.now() + backoff(1)

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        # Not yet due: the backoff holds it back.
        assert deliver_pending(db, smtp).sent == 0
        clock.set(clock.now() + timedelta(minutes=5))
        assert deliver_pending(db, smtp).sent == 1
        clock.set(clock.now() + timedelta(hours=2))
        assert deliver_pending(db, smtp).sent == 0
    finally:
        controller.stop()
    assert len(handler.messages) == 1
    assert outbox_row(db, outbox_id).status == OutboxStatus.SENT.value


def test_backoff_grows_and_is_capped() -> None:
    assert backoff(1) == timedelta(seconds=30)
    assert backoff(2) == timedelta(minutes=1)
    assert backoff(3) == timedelta(minutes=2)
    assert backoff(20) == timedelta(hours=1)


def test_no_smtp_host_leaves_rows_pending(db: Database) -> None:
    queue(db)
    report = deliver_pending(db, SmtpSettings(host=None))
    assert (report.sent, report.pending) == (0, 1)
    with db.read() as session:
        (row,) = session.exec(select(Outbox)).all()
    assert "no SMTP host configured" in row.last_error


# --------------------------------------------------------------------------- attachments


def emailed_plan(
    db: Database, data: bytes, content_type: str, filename: str
) -> tuple[int, Actor, int]:
    """ACME asks for a file of its permit by email: the outbox row's id, ACME, the file's id."""
    build = Builder(db)
    acme = build.company("ACME ELECTRIC INC")
    with db.write() as session:
        company = session.get(Company, acme.id)
        assert company is not None
        company.email = "office@acme.example"
        session.add(company)
    pid = build.permit("B2611-100", companies=(acme,), address="3800 THORN ST")
    attachment = build.attachment(pid, filename, data, content_type)
    assert email_attachment(db, acme, attachment) == "office@acme.example"
    with db.read() as session:
        (row,) = session.exec(select(Outbox)).all()
    assert row.id is not None
    return row.id, acme, attachment


def attached(mail: Message) -> list[Message]:
    assert mail.is_multipart()
    return [part for part in mail.walk() if part.get_filename()]


def test_an_attachment_email_carries_the_file_bytes_intact_once(
    db: Database, smtp: SmtpSettings, inbox: Inbox
) -> None:
    data = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\r\n.\r\n\x00end"
    outbox_id, _, _ = emailed_plan(db, data, "application/pdf", "..\\..\\site\x1b]0;x plan.pdf")

    assert deliver_pending(db, smtp).sent == 1
    assert deliver_pending(db, smtp).sent == 0

    (mail,) = inbox.messages
    assert mail["To"] == "office@acme.example"
    assert mail["Message-ID"] == f"<outbox-{outbox_id}@hemet.example>"
    body = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    assert "Dear ACME ELECTRIC INC," in body.get_payload(decode=True).decode()
    (part,) = attached(mail)
    assert part.get_content_type() == "application/pdf"
    assert part.get_filename() == "site_0_x plan.pdf"  # no folders, no escape sequence
    assert part.get_payload(decode=True) == data
    assert outbox_row(db, outbox_id).status == OutboxStatus.SENT.value


def test_an_odd_content_type_goes_as_plain_bytes(
    db: Database, smtp: SmtpSettings, inbox: Inbox
) -> None:
    emailed_plan(db, b"<html>not for a mail reader</html>", "multipart/mixed; x", "page.htm")
    assert deliver_pending(db, smtp).sent == 1
    (part,) = attached(inbox.messages[0])
    assert part.get_content_type() == "application/octet-stream"
    assert part.get_payload(decode=True) == b"<html>not for a mail reader</html>"


def test_once_sent_the_same_file_can_be_asked_for_again(
    db: Database, smtp: SmtpSettings, inbox: Inbox
) -> None:
    _, acme, plan = emailed_plan(db, b"plan", "text/plain", "plan.txt")
    with pytest.raises(RuleViolation, match="already waiting"):
        email_attachment(db, acme, plan)
    assert deliver_pending(db, smtp).sent == 1
    assert email_attachment(db, acme, plan) == "office@acme.example"
    assert deliver_pending(db, smtp).sent == 1
    assert len(inbox.messages) == 2

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

from etrakit_tui.domain.db import Database, FixedClock
from etrakit_tui.domain.mailer import backoff, deliver_pending
from etrakit_tui.domain.models import Outbox, OutboxStatus
from etrakit_tui.settings import SmtpSettings


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

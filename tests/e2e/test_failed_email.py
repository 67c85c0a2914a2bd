"""The failed-inspection email, end to end over real SMTP (aiosmtpd on loopback).

An inspector records FAILED; the email was queued in the same transaction; the sender
(``deliver_pending``) hands it to a real SMTP server, which receives it with the right
headers and body. With the server down the email waits (PENDING) and arrives exactly once
when the server is back. A company that did not ask for the notification gets nothing. And
the inspector's screen sends it at once after the result when SMTP is configured."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from etrakit_tui.domain.accounts import auth
from etrakit_tui.domain.inspections.assignment import assign_inspector
from etrakit_tui.domain.inspections.results import record_result
from etrakit_tui.domain.notify.smtp import deliver_pending
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import Outbox, OutboxStatus
from etrakit_tui.settings import SmtpSettings
from tests.support.inspection_scene import (
    ADDRESS,
    PERMIT,
    THU,
    Scene,
    build_scene,
    hemet,
    request,
)
from tests.tui.conftest import make_demo_app, until
from tests.tui.forms_support import on_screen
from tests.tui.test_inspector import enter_as, highlight, route_loaded

COMMENTS = "Missing bonding jumper at the main panel.\nGFCI required at the garage outlets."
SENDER = "permits@hemet.example"


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(message_from_bytes(envelope.content))  # type: ignore[attr-defined]
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
    return SmtpSettings(host="127.0.0.1", port=port, sender=SENDER, timeout_seconds=5)


def start_server(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


@pytest.fixture
def inbox(port: int) -> Iterator[Inbox]:
    controller, handler = start_server(port)
    yield handler
    controller.stop()


def fail_an_inspection(db: Database, scene: Scene) -> int:
    """Request ROUGH for Thursday, give it to Ana, and have Ana record FAILED."""
    (iid,) = request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    assign_inspector(db, scene.clerk, iid, "ana")
    assert isinstance(db.clock, FixedClock)
    db.clock.set(hemet(2026, 11, 19, 9))  # Thursday: a result waits for the inspection's day
    view = record_result(db, scene.ana, iid, "FAILED", COMMENTS)
    assert view.status == "FAILED"
    return iid


def outbox(db: Database) -> list[Outbox]:
    with db.read() as s:
        return list(s.exec(select(Outbox)).all())


def body_of(mail: Message) -> str:
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def test_the_company_receives_the_failed_inspection_email(
    db: Database, smtp: SmtpSettings, inbox: Inbox
) -> None:
    scene = build_scene(db, notify=True, email="office@acme.test")
    fail_an_inspection(db, scene)
    assert [row.status for row in outbox(db)] == [OutboxStatus.PENDING.value]

    report = deliver_pending(db, smtp)

    assert (report.sent, report.failed, report.pending) == (1, 0, 0)
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == "office@acme.test"
    assert mail["From"] == SENDER
    subject = str(mail["Subject"])
    assert PERMIT in subject and "FAILED" in subject
    body = body_of(mail)
    j = db.jurisdiction
    assert "Dear ACME ELECTRIC INC," in body
    assert f"Permit:      {PERMIT}" in body
    assert f"Address:     {ADDRESS}" in body
    assert "Inspection:  Rough electrical" in body
    assert "Date:        Thu 11/19/2026 AM" in body
    assert "Result:      FAILED" in body
    assert "Inspector:   Ana Ruiz" in body
    assert COMMENTS in body.replace("\r\n", "\n")
    assert j.phone in body and j.phone == "(951) 765-2475"
    assert [row.status for row in outbox(db)] == [OutboxStatus.SENT.value]


def test_server_down_then_back_delivers_exactly_once(
    db: Database, smtp: SmtpSettings, port: int, clock: FixedClock
) -> None:
    scene = build_scene(db, notify=True, email="office@acme.test")
    fail_an_inspection(db, scene)

    down = deliver_pending(db, smtp)  # nobody listens on the port
    assert (down.sent, down.failed, down.pending) == (0, 1, 1)
    (row,) = outbox(db)
    assert row.status == OutboxStatus.PENDING.value and row.attempts == 1 and row.last_error

    controller, inbox = start_server(port)
    try:
        clock.set(clock.now() + timedelta(minutes=5))  # past the backoff
        assert deliver_pending(db, smtp).sent == 1
        clock.set(clock.now() + timedelta(hours=3))
        assert deliver_pending(db, smtp).sent == 0  # never twice
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    assert PERMIT in str(inbox.messages[0]["Subject"])
    assert [r.status for r in outbox(db)] == [OutboxStatus.SENT.value]


def test_a_company_that_did_not_opt_in_gets_nothing(
    db: Database, smtp: SmtpSettings, inbox: Inbox
) -> None:
    scene = build_scene(db, notify=False, email="office@acme.test")
    fail_an_inspection(db, scene)

    report = deliver_pending(db, smtp)

    assert outbox(db) == []
    assert (report.sent, report.pending) == (0, 0)
    assert inbox.messages == []


async def test_the_inspector_screen_sends_the_email_right_after_the_result(
    tmp_path: Path, clock: FixedClock, port: int, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TUI kicks the sender once after a FAILED result: with SMTP configured
    (``ETRAKIT_SMTP_*``) the company's email arrives without waiting for the notify job."""
    monkeypatch.setenv("ETRAKIT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ETRAKIT_SMTP_PORT", str(port))
    monkeypatch.setenv("ETRAKIT_SMTP_SENDER", SENDER)
    app = make_demo_app(tmp_path, clock)
    clock.set(hemet(2026, 11, 19, 9))  # Thursday: the day of the demo's A1806-065 inspection
    async with app.run_test(size=(80, 24)) as pilot:
        await enter_as(pilot, auth.sign_in_staff(app.database, "inspector", "inspect2026"))
        screen = await route_loaded(pilot, "Thu 11/19/2026")
        await highlight(pilot, screen, "A1806-065")
        await pilot.press("enter")
        await on_screen(pilot, "InspectionScreen")
        await pilot.press("r")
        await on_screen(pilot, "ResultScreen")
        await pilot.press("down", "down", "enter", "tab", *"No handrail", "ctrl+s")
        await on_screen(pilot, "ConfirmResultScreen")
        await pilot.press("y")
        await until(pilot, lambda: len(inbox.messages) == 1, "the email")
    mail = inbox.messages[0]
    assert mail["To"] == "sretmier@cityofhemet.org" and "A1806-065" in str(mail["Subject"])
    assert "No handrail" in body_of(mail)
    assert [row.status for row in outbox(app.database)] == [OutboxStatus.SENT.value]

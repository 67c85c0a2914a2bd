"""Emailing an attachment to the company's own profile address (issue 11, item 1): the only
way a portal session over SSH hands a file to a contractor. One outbox row and one audit
line in one transaction; every refusal is a clear message, changes nothing, and is audited."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.errors import NotFound, RuleViolation
from etrakit_tui.domain.permits.attachments import (
    MAX_EMAIL_ATTACHMENT_BYTES,
    NO_COMPANY_EMAIL,
    email_attachment,
)
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import AuditEvent, Company, Outbox, OutboxStatus
from tests.support.readside import Builder

PLAN = b"%PDF-1.4\n" + bytes(range(256)) * 4
NUMBER = "B2611-100"


@dataclass
class Scene:
    build: Builder
    acme: Actor
    other: Actor
    staff: Actor
    permit_id: int
    plan: int


def set_email(db: Database, company: Actor, email: str) -> None:
    with db.write() as s:
        row = s.get(Company, company.id)
        assert row is not None
        row.email = email
        s.add(row)


def scene(db: Database) -> Scene:
    build = Builder(db)
    acme = build.company("ACME ELECTRIC INC")
    other = build.company("OTHER BUILDERS")
    staff = build.staff("clerk")
    set_email(db, acme, "office@acme.example")
    set_email(db, other, "desk@other.example")
    pid = build.permit(NUMBER, companies=(acme,), address="3800 THORN ST")
    build.permit("B2611-200", companies=(other,), address="1 B STREET")
    plan = build.attachment(pid, "../../plans/site plan.pdf", PLAN, "application/pdf")
    return Scene(build, acme, other, staff, pid, plan)


def outbox(db: Database) -> list[Outbox]:
    with db.read() as s:
        return list(s.exec(select(Outbox).order_by(col(Outbox.id))).all())


def audit_lines(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as s:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
        return list(s.exec(query).all())


def test_queues_one_email_to_the_company_address_with_its_audit_line(any_db: Database) -> None:
    db = any_db
    world = scene(db)

    to = email_attachment(db, world.acme, world.plan)

    assert to == "office@acme.example"
    (row,) = outbox(db)
    assert row.attachment_id == world.plan
    assert row.to_addr == "office@acme.example"
    assert row.status == OutboxStatus.PENDING.value
    assert row.subject == f"Permit {NUMBER}: site plan.pdf"  # the sanitised name
    assert "Dear ACME ELECTRIC INC," in row.body and "3800 THORN ST" in row.body
    (line,) = audit_lines(db, "attachment_emailed")
    assert (line.outcome, line.target, line.actor_id) == ("ok", NUMBER, world.acme.id)
    assert line.detail == f"site plan.pdf ({len(PLAN)} bytes) to office@acme.example"
    assert line.at == row.created_at


def test_another_company_cannot_email_it(any_db: Database) -> None:
    db = any_db
    world = scene(db)

    with pytest.raises(NotFound) as refused:
        email_attachment(db, world.other, world.plan)
    with pytest.raises(NotFound) as missing:
        email_attachment(db, world.other, 987_654)

    assert str(refused.value) == str(missing.value) == "attachment not found"
    assert outbox(db) == []
    (denied,) = audit_lines(db, "access_denied")
    assert (denied.outcome, denied.target, denied.actor_id) == ("denied", NUMBER, world.other.id)


def test_staff_have_no_company_address(db: Database) -> None:
    world = scene(db)
    with pytest.raises(RuleViolation, match="company's profile address"):
        email_attachment(db, world.staff, world.plan)
    assert outbox(db) == []
    (line,) = audit_lines(db, "attachment_emailed")
    assert line.outcome == "refused"


def test_no_email_on_the_profile_is_a_clear_refusal(db: Database) -> None:
    world = scene(db)
    set_email(db, world.acme, "   ")
    with pytest.raises(RuleViolation) as refused:
        email_attachment(db, world.acme, world.plan)
    assert str(refused.value) == NO_COMPANY_EMAIL
    assert NO_COMPANY_EMAIL == (
        "Your company profile has no email address; add one on the Profile screen."
    )
    assert outbox(db) == []
    (line,) = audit_lines(db, "attachment_emailed")
    assert (line.outcome, line.detail) == ("refused", NO_COMPANY_EMAIL)


def test_a_file_over_the_limit_is_refused_and_one_at_the_limit_is_queued(db: Database) -> None:
    world = scene(db)
    big = world.build.attachment(
        world.permit_id, "scan.tif", b"\0" * (MAX_EMAIL_ATTACHMENT_BYTES + 1), "image/tiff"
    )
    at_limit = world.build.attachment(
        world.permit_id, "photo.jpg", b"\1" * MAX_EMAIL_ATTACHMENT_BYTES, "image/jpeg"
    )

    with pytest.raises(RuleViolation) as refused:
        email_attachment(db, world.acme, big)
    assert "scan.tif is 10.0 MB; files over 10 MB are not emailed." in str(refused.value)
    assert outbox(db) == []

    assert email_attachment(db, world.acme, at_limit) == "office@acme.example"
    assert [row.attachment_id for row in outbox(db)] == [at_limit]


def test_the_same_file_is_not_queued_twice_while_the_first_waits(db: Database) -> None:
    world = scene(db)
    email_attachment(db, world.acme, world.plan)

    with pytest.raises(RuleViolation) as refused:
        email_attachment(db, world.acme, world.plan)

    assert str(refused.value) == (
        "site plan.pdf is already waiting to be emailed to office@acme.example."
    )
    assert len(outbox(db)) == 1
    outcomes = [line.outcome for line in audit_lines(db, "attachment_emailed")]
    assert outcomes == ["ok", "refused"]
    # Another file of the permit is a new request.
    notice = world.build.attachment(world.permit_id, "notice.txt", b"Call for reinspection.")
    email_attachment(db, world.acme, notice)
    assert [row.attachment_id for row in outbox(db)] == [world.plan, notice]


def test_no_audit_line_no_email(db: Database) -> None:
    """The outbox row and the audit line commit together: when the audit line cannot be
    written (a trigger refuses it), no email is queued either."""
    world = scene(db)
    with db.write() as s:
        s.execute(
            text(
                "CREATE TRIGGER audit_down BEFORE INSERT ON audit_event "
                "BEGIN SELECT RAISE(ABORT, 'audit is down'); END"
            )
        )
    with pytest.raises(IntegrityError, match="audit is down"):
        email_attachment(db, world.acme, world.plan)
    with db.read() as s:
        assert s.exec(select(func.count()).select_from(Outbox)).one() == 0

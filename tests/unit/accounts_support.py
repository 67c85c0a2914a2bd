"""Helpers for the account tests: register companies and staff the way the division does."""

from __future__ import annotations

from sqlmodel import col, select

from etrakit_tui.domain.accounts import admin, auth
from etrakit_tui.domain.accounts.actors import SYSTEM, Actor
from etrakit_tui.domain.accounts.views import IssuedPin
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import AuditEvent, Company

PASSWORD = "correct horse battery"


def register(
    db: Database, name: str = "ACME ELECTRIC INC", license_no: str = "987654"
) -> IssuedPin:
    return admin.register_company(
        db,
        SYSTEM,
        name,
        license_no,
        address="445 E. Florida Ave",
        city="Hemet",
        state="CA",
        zip="92543",
        email="office@acme.example",
        phone="951-765-2475",
    )


def company_with_password(
    db: Database,
    name: str = "ACME ELECTRIC INC",
    license_no: str = "987654",
    password: str = PASSWORD,
) -> Actor:
    """A company that has signed in with its PIN and set ``password``."""
    issued = register(db, name, license_no)
    result = auth.set_initial_password(db, issued.company.id, issued.pin, password, password)
    return result.actor


def company_row(db: Database, company_id: int) -> Company:
    with db.read() as s:
        row = s.get(Company, company_id)
        assert row is not None
        return row


def audit_rows(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as s:
        query = select(AuditEvent).where(col(AuditEvent.action) == action)
        return list(s.exec(query.order_by(col(AuditEvent.id))).all())

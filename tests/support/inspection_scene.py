"""A small city for the inspection tests: one contractor with an issued electrical permit in
the NORTH district, another contractor, a clerk and three inspectors.

The clock of the ``db`` fixture stands at Wed 11/18/2026 10:00 in Hemet, so the first
requestable day is Thu 11/19/2026 and the last Wed 11/25/2026.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func
from sqlmodel import SQLModel, col, select

from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.inspections.requests import ContactInfo, RequestedItem, request_inspections
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import (
    AuditEvent,
    Inspection,
    InspectionRequest,
    InspectionSlot,
    StaffRole,
)
from etrakit_tui.settings import DEFAULT_JURISDICTION
from tests.support.factories import (
    company_actor,
    make_company,
    make_inspection_types,
    make_permit,
    make_staff,
    staff_actor,
)

THU = date(2026, 11, 19)
FRI = date(2026, 11, 20)
MON = date(2026, 11, 23)
PERMIT = "B2610-001"
ADDRESS = "123 E FLORIDA AVE"

CONTACT = ContactInfo(
    name="Pat Sparks",
    phone="951-555-0199",
    email="pat@acme.test",
    site_address=ADDRESS,
    notes="Gate code 4321",
)


@dataclass(frozen=True)
class Scene:
    acme: Actor
    other: Actor
    clerk: Actor
    ana: Actor
    ben: Actor
    cy: Actor
    permit: str = PERMIT


def build_scene(db: Database, *, notify: bool = True, email: str = "office@acme.test") -> Scene:
    with db.write() as s:
        acme = make_company(s, "ACME ELECTRIC INC", email=email, notify_failed_inspection=notify)
        other = make_company(s, "OTHER BUILDERS LLC", email="other@example.com")
        make_inspection_types(
            s,
            "ELECTRICAL",
            [("ROUGH", "Rough electrical"), ("FINAL", "Final electrical")],
            prerequisites={"FINAL": ["ROUGH"]},
        )
        make_permit(s, PERMIT, company=acme, district="NORTH", address=ADDRESS)
        clerk = make_staff(s, "clerk")
        ana = make_staff(s, "ana", role=StaffRole.INSPECTOR, district="NORTH", full_name="Ana Ruiz")
        ben = make_staff(s, "ben", role=StaffRole.INSPECTOR, district="NORTH", full_name="Ben Oh")
        cy = make_staff(s, "cy", role=StaffRole.INSPECTOR, district="SOUTH", full_name="Cy Tran")
        return Scene(
            acme=company_actor(acme),
            other=company_actor(other),
            clerk=staff_actor(clerk),
            ana=staff_actor(ana),
            ben=staff_actor(ben),
            cy=staff_actor(cy),
        )


def request(
    db: Database,
    actor: Actor,
    number: str,
    *items: tuple[str, date, str],
    contact: ContactInfo = CONTACT,
) -> list[int]:
    """Request ``items`` (code, date, AM/PM) and return the new inspections' ids."""
    made = request_inspections(db, actor, number, contact, [RequestedItem(*i) for i in items])
    return [v.id for v in made]


def count(db: Database, model: type[SQLModel], *where: object) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(model).where(*where)).one())


def snapshot(db: Database) -> tuple[int, int, int]:
    """(inspections, requests, places booked): what a refused request must leave alone."""
    with db.read() as s:
        booked = s.exec(select(func.coalesce(func.sum(InspectionSlot.booked), 0))).one()
    return count(db, Inspection), count(db, InspectionRequest), int(booked)


def booked(db: Database, district: str, day: date, period: str) -> int:
    with db.read() as s:
        row = s.exec(
            select(InspectionSlot.booked).where(
                InspectionSlot.district == district,
                InspectionSlot.day == day,
                InspectionSlot.period == period,
            )
        ).first()
    return row or 0


def audit_lines(db: Database, action: str, outcome: str | None = None) -> list[AuditEvent]:
    with db.read() as s:
        query = select(AuditEvent).where(AuditEvent.action == action)
        if outcome is not None:
            query = query.where(AuditEvent.outcome == outcome)
        return list(s.exec(query.order_by(col(AuditEvent.id))).all())


def hemet(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    """The aware UTC instant of a wall-clock time in Hemet (for ``clock.set``)."""
    return datetime(y, m, d, hh, mm, tzinfo=DEFAULT_JURISDICTION.zone).astimezone(UTC)


@contextmanager
def on_the_day(db: Database, day: date = THU, hh: int = 9) -> Iterator[None]:
    """The clock at ``hh``:00 in Hemet on ``day`` (a result is recorded on or after the
    inspection's day), then back where it stood."""
    clock = db.clock
    assert isinstance(clock, FixedClock)
    before = clock.now()
    clock.set(hemet(day.year, day.month, day.day, hh))
    try:
        yield
    finally:
        clock.set(before)

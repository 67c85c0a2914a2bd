"""The building-division desk, read side: the inspectors staff may assign, a day's open
inspections (keyset paged), the audit log (filtered, keyset paged), and the parsers that
turn what staff type (dates, amounts, fee lines) into values with a message fit for the
form field. Import them from :mod:`etrakit_tui.domain.staffdesk`, the public face.

Only staff (and the SYSTEM actor) may call the services; anyone else gets ``NotFound``
and the refusal is audited (``access_denied``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, tuple_
from sqlmodel import col, select

from etrakit_tui.domain import catalog
from etrakit_tui.domain.access import AccessDenied, audit_denial
from etrakit_tui.domain.actors import Actor
from etrakit_tui.domain.db import Database
from etrakit_tui.domain.errors import ValidationFailed
from etrakit_tui.domain.inspection_common import OPEN, InspectionView, views
from etrakit_tui.domain.models import AuditEvent, Inspection, Permit, StaffRole, StaffUser
from etrakit_tui.domain.readmodels import Page

MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class FeeInput:
    """A fee to assess: a code (``ELEC``), its amount in cents, and a description (default:
    the fee schedule's)."""

    code: str
    amount_cents: int
    description: str = ""


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One line of the audit log."""

    id: int
    at: datetime
    actor_kind: str
    actor_name: str
    action: str
    target: str
    outcome: str
    detail: str


@dataclass(frozen=True, slots=True)
class InspectorOption:
    """An active inspector staff may assign."""

    username: str
    full_name: str
    district: str


OpenInspectionKey = tuple[str, str, int]
"""Keyset position in a day's open inspections: (AM/PM, permit number, inspection id)."""

# --------------------------------------------------------------------------- refusals


def refuse(db: Database, actor: Actor, what: str, target: str, detail: str) -> AccessDenied:
    """Audit a non-staff caller and return the refusal (reads like ``<what> not found``)."""
    denied = AccessDenied(what, actor=actor, target=target[:120], detail=detail)
    audit_denial(db, denied)
    return denied


def require_staff(db: Database, actor: Actor, what: str, target: str, detail: str) -> None:
    if not actor.is_staff:
        raise refuse(db, actor, what, target, detail)


# --------------------------------------------------------------------------- inspections


def list_inspectors(db: Database, actor: Actor) -> list[InspectorOption]:
    """The active inspectors, by user name (whom staff may assign)."""
    require_staff(db, actor, "inspector", "inspectors", "list inspectors")
    with db.read() as s:
        rows = s.exec(
            select(StaffUser.username, StaffUser.full_name, StaffUser.district)
            .where(StaffUser.role == StaffRole.INSPECTOR.value, col(StaffUser.disabled).is_(False))
            .order_by(col(StaffUser.username))
        ).all()
    return [InspectorOption(u, n, d or "") for u, n, d in rows]


def open_inspections_page(
    db: Database,
    actor: Actor,
    day: date,
    after: OpenInspectionKey | None = None,
    limit: int = 50,
) -> Page[InspectionView, OpenInspectionKey]:
    """The open (REQUESTED or SCHEDULED) inspections of ``day``, AM first, by permit; one
    keyset page, with the day's total."""
    require_staff(db, actor, "inspection", f"open inspections {day}", "list inspections")
    limit = max(1, min(limit, MAX_PAGE))
    where = [col(Inspection.requested_date) == day, col(Inspection.status).in_(OPEN)]
    with db.read() as s:
        total = s.exec(select(func.count()).select_from(Inspection).where(*where)).one()
        if after is not None:
            key = tuple_(col(Inspection.period), col(Permit.number), col(Inspection.id))
            where.append(key > tuple_(*after))
        found = views(s, db, *where, limit=limit + 1)
    items = tuple(found[:limit])
    last = items[-1] if items else None
    more = len(found) > limit and last is not None
    next_key = (last.period, last.permit_number, last.id) if more and last else None
    return Page(items, next_key, int(total))


# --------------------------------------------------------------------------- audit log


def audit_log(
    db: Database,
    actor: Actor,
    *,
    action: str | None = None,
    actor_name: str | None = None,
    target: str | None = None,
    since: date | None = None,
    until: date | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Page[AuditRow, int]:
    """The audit log, newest first, one keyset page (``after``: the last id seen).

    Filters: ``action`` exactly, ``actor_name`` and ``target`` by prefix (ignoring case),
    ``since``/``until`` by local calendar day (both included)."""
    require_staff(db, actor, "audit log", "audit log", "read the audit log")
    zone = db.jurisdiction.zone
    where = []
    if action:
        where.append(col(AuditEvent.action) == action.strip())
    if actor_name:
        where.append(func.lower(col(AuditEvent.actor_name)).startswith(actor_name.strip().lower()))
    if target:
        where.append(func.lower(col(AuditEvent.target)).startswith(target.strip().lower()))
    if since is not None:
        where.append(col(AuditEvent.at) >= datetime.combine(since, time(), zone))
    if until is not None:
        where.append(col(AuditEvent.at) < datetime.combine(until + timedelta(days=1), time(), zone))
    if after is not None:
        where.append(col(AuditEvent.id) < after)
    limit = max(1, min(limit, MAX_PAGE))
    with db.read() as s:
        rows = s.exec(
            select(AuditEvent).where(*where).order_by(col(AuditEvent.id).desc()).limit(limit + 1)
        ).all()
    items = tuple(
        AuditRow(
            r.id or 0, r.at, r.actor_kind, r.actor_name, r.action, r.target, r.outcome, r.detail
        )
        for r in rows[:limit]
    )
    next_key = items[-1].id if len(rows) > limit and items else None
    return Page(items, next_key)


def audit_actions(db: Database, actor: Actor) -> list[str]:
    """Every action name the log holds (for the filter's choices)."""
    require_staff(db, actor, "audit log", "audit log", "read the audit log")
    with db.read() as s:
        return list(s.exec(select(AuditEvent.action).distinct().order_by(col(AuditEvent.action))))


# --------------------------------------------------------------------------- parsers

_DAY_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%m-%d-%Y")
_MONEY = re.compile(r"\$?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?")


def parse_day(text: str, field: str = "date", *, required: bool = True) -> date | None:
    """``11/19/2026`` (or ``2026-11-19``, or a weekday-prefixed ``Thu 11/19/2026``)."""
    raw = " ".join(text.split())
    if not raw:
        if required:
            raise ValidationFailed({field: "Enter a date like 11/19/2026."})
        return None
    words = raw.split(" ")
    candidate = words[-1] if len(words) == 2 and words[0][:3].isalpha() else raw
    for fmt in _DAY_FORMATS:
        try:
            return datetime.strptime(candidate, fmt).date()
        except ValueError:
            continue
    raise ValidationFailed({field: "Enter a date like 11/19/2026."})


def parse_cents(text: str, field: str = "amount") -> int:
    """``$1,234.56`` / ``1234.5`` / ``12`` -> cents."""
    match = _MONEY.fullmatch(text.strip())
    if match is None:
        raise ValidationFailed({field: "Enter an amount like 125.00."})
    whole, part = match.groups()
    return int(whole.replace(",", "")) * 100 + int((part or "0").ljust(2, "0"))


def parse_fee_lines(text: str, field: str = "fees") -> list[FeeInput]:
    """``ELEC 95.00, ISSUE 55`` -> fees (a code and an amount, separated by commas or
    semicolons)."""
    fees = []
    for chunk in re.split(r"[,;\n]+", text):
        parts = chunk.split()
        if not parts:
            continue
        if len(parts) != 2:
            raise ValidationFailed({field: "Write each fee as CODE AMOUNT, e.g. ELEC 95.00."})
        fees.append(FeeInput(parts[0].upper(), parse_cents(parts[1], field)))
    return fees


def standard_fees(permit_type: str, *, plan_check: bool = False) -> list[FeeInput]:
    """The fee schedule's lines for a permit type, at their base amounts."""
    codes = ("PLANCHK",) if plan_check else catalog.PERMIT_FEES.get(permit_type.upper(), ())
    return [
        FeeInput(code, catalog.FEE_SCHEDULE[code].low_cents, catalog.FEE_SCHEDULE[code].description)
        for code in codes
    ]


def fee_lines_text(fees: Sequence[FeeInput]) -> str:
    """Fees written the way :func:`parse_fee_lines` reads them."""
    return ", ".join(f"{f.code} {f.amount_cents // 100}.{f.amount_cents % 100:02d}" for f in fees)

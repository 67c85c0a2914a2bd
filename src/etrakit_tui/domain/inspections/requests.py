"""Requesting inspections, the contractor's side (SPEC §4): whether and why a permit can get
a request, the request form's types, the all-or-nothing request and the upcoming list.

Every change is one ``db.write()`` transaction with its audit line. A refusal raises
:class:`RuleViolation` (``field`` says where to look), :class:`SlotFull` (naming the next free
slot), :class:`ValidationFailed` (the contact block, every bad field at once) or
``NotFound`` (a permit or inspection the actor may not act on); it is audited in its own
small transaction after the change has rolled back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select

from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.audit import audited_refusals
from etrakit_tui.domain.errors import AccessDenied, RuleViolation
from etrakit_tui.domain.inspections.calendar import (
    date_refusal,
    format_day,
    local_today,
)
from etrakit_tui.domain.inspections.schedule import OPEN, views
from etrakit_tui.domain.inspections.slots import places_left, slot_full, take_place
from etrakit_tui.domain.inspections.views import InspectionTypeOption, InspectionView
from etrakit_tui.domain.permits.access import (
    normalise_number,
    permit_for,
    permit_scoped,
    private_scope,
)
from etrakit_tui.domain.permits.catalog import has_inspection_types_expr
from etrakit_tui.domain.permits.fees import amount_due, format_cents
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import (
    Inspection,
    InspectionPrerequisite,
    InspectionRequest,
    InspectionStatus,
    InspectionType,
    Parcel,
    Period,
    Permit,
    PermitStatus,
)
from etrakit_tui.domain.validation import FormErrors, clean_text, validate_email, validate_us_phone

REQUESTABLE_STATUSES = (PermitStatus.ISSUED.value, PermitStatus.ACTIVE.value)
MAX_NOTES = 2000
NO_ONLINE_TYPES = "No inspections can be requested online for this type of permit."


# --------------------------------------------------------------------------- when Request shows


@dataclass(frozen=True, slots=True)
class ContactInfo:
    """The contact block of the request form (name, phone, email, site address required)."""

    name: str
    phone: str
    email: str
    site_address: str
    notes: str = ""


@dataclass(frozen=True, slots=True)
class RequestedItem:
    """One line of the request list: inspection type code, date, AM/PM."""

    inspection_type: str
    requested_date: date
    period: Period | str


class PermitLike(Protocol):
    """What :func:`can_request` needs of a permit (a ``Permit`` row or a read model)."""

    @property
    def status(self) -> str: ...
    @property
    def expires_on(self) -> date | None: ...
    @property
    def finaled_on(self) -> date | None: ...
    @property
    def on_hold(self) -> bool: ...


def request_blocker(permit: PermitLike, *, has_inspection_types: bool, today: date) -> str | None:
    """Why inspections cannot be requested on ``permit`` (``None``: they can). ``today`` is
    the jurisdiction's local date. :func:`can_request_expr` is the same rule in SQL."""
    if permit.status not in REQUESTABLE_STATUSES:
        return (
            "Inspections can be requested only on issued or active permits "
            f"(this one is {permit.status})."
        )
    if permit.finaled_on is not None:
        return "This permit has been finaled."
    if permit.expires_on is not None and permit.expires_on < today:
        return f"This permit expired on {format_day(permit.expires_on)}."
    if permit.on_hold:
        return "This permit is on hold; contact the Building Division."
    if not has_inspection_types:
        return NO_ONLINE_TYPES
    return None


def can_request(permit: PermitLike, *, has_inspection_types: bool, today: date) -> bool:
    """Whether the dashboard shows *Request* for this permit row."""
    return request_blocker(permit, has_inspection_types=has_inspection_types, today=today) is None


def can_request_expr(today: date) -> ColumnElement[bool]:
    """SQL twin of :func:`can_request` over the enclosing query's ``permit`` row, for a page
    of rows: ``select(Permit.number, can_request_expr(today).label("can_request"))``."""
    return and_(
        col(Permit.status).in_(REQUESTABLE_STATUSES),
        col(Permit.finaled_on).is_(None),
        or_(col(Permit.expires_on).is_(None), col(Permit.expires_on) >= today),
        col(Permit.on_hold).is_(False),
        has_inspection_types_expr(),
    )


# --------------------------------------------------------------------------- the permit's facts


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the type rules need to know about one permit, read in the caller's transaction."""

    permit: Permit
    today: date
    types: tuple[InspectionType, ...]
    passed: frozenset[int]
    open: dict[int, tuple[date, str]]
    requires: dict[int, tuple[int, ...]]
    names: dict[int, str]
    fees_due: int

    @property
    def blocker(self) -> str | None:
        return request_blocker(self.permit, has_inspection_types=bool(self.types), today=self.today)


def _facts(s: Session, permit: Permit, today: date) -> _Facts:
    assert permit.id is not None
    types = tuple(
        s.exec(
            select(InspectionType)
            .where(InspectionType.permit_type == permit.permit_type)
            .order_by(col(InspectionType.sort_order), col(InspectionType.code))
        ).all()
    )
    history = s.exec(
        select(
            Inspection.inspection_type_id,
            Inspection.status,
            col(Inspection.requested_date),
            Inspection.period,
        ).where(
            Inspection.permit_id == permit.id,
            col(Inspection.status).in_((*OPEN, InspectionStatus.PASSED.value)),
        )
    ).all()
    requires: dict[int, tuple[int, ...]] = {}
    links = select(InspectionPrerequisite.inspection_type_id, InspectionPrerequisite.requires_id)
    for type_id, needed in s.exec(
        links.where(col(InspectionPrerequisite.inspection_type_id).in_([t.id for t in types]))
    ):
        requires[type_id] = (*requires.get(type_id, ()), needed)
    wanted = {n for ids in requires.values() for n in ids}
    names = (
        s.exec(
            select(InspectionType.id, InspectionType.name).where(col(InspectionType.id).in_(wanted))
        ).all()
        if wanted
        else []
    )
    return _Facts(
        permit=permit,
        today=today,
        types=types,
        passed=frozenset(t for t, st, _, _ in history if st == InspectionStatus.PASSED.value),
        open={t: (d, p) for t, st, d, p in history if st in OPEN},
        requires=requires,
        names={k: v for k, v in names if k is not None},
        fees_due=amount_due(s, permit.id),
    )


def _type_refusal(f: _Facts, t: InspectionType) -> str | None:
    """Why inspection type ``t`` cannot be requested on the permit now (``None``: it can)."""
    assert t.id is not None
    if t.id in f.open:
        day, period = f.open[t.id]
        article = "An" if t.name[:1].upper() in "AEIOU" else "A"
        when = f"{format_day(day)} {period}"
        return f"{article} {t.name} inspection is already requested for {when}."
    if t.id in f.passed:
        return f"The {t.name} inspection has already passed."
    missing = [
        f.names.get(r, "a required inspection")
        for r in f.requires.get(t.id, ())
        if r not in f.passed
    ]
    if missing:
        needs = " and ".join(missing)
        verb = "have" if len(missing) > 1 else "has"
        return f"The {t.name} inspection can be requested only after {needs} {verb} passed."
    if t.is_final and f.fees_due > 0:
        return (
            f"A final inspection cannot be requested while fees are due "
            f"({format_cents(f.fees_due)}); please pay them first."
        )
    return None


def _permit_to_request(s: Session, actor: Actor, number: str, *, lock: bool) -> Permit:
    """The permit, if ``actor`` may request inspections on it (a company contact, or staff)."""
    permit = permit_for(s, actor, number, private=True, lock=lock)
    if not (actor.is_staff or actor.is_company):
        raise AccessDenied("permit", actor=actor, target=permit.number, detail="request")
    return permit


def _type_reasons(f: _Facts) -> list[tuple[InspectionType, str | None]]:
    """Each type of the permit with why it cannot be requested now (``None``: it can); a
    permit-wide reason applies to every type."""
    blocker = f.blocker
    return [(t, blocker or _type_refusal(f, t)) for t in f.types]


@permit_scoped
def inspection_types_for(
    db: Database, actor: Actor, permit_number: str
) -> list[InspectionTypeOption]:
    """The inspection types valid for the permit's type, each with whether it can be
    requested now and, if not, why (a permit-wide reason applies to every type)."""
    target = normalise_number(permit_number)[:120]
    with audited_refusals(db, actor, "inspection_types", target), db.read() as s:
        permit = _permit_to_request(s, actor, permit_number, lock=False)
        f = _facts(s, permit, local_today(db.jurisdiction, db.now()))
        return [
            InspectionTypeOption(t.code, t.name, t.is_final, reason is None, reason)
            for t, reason in _type_reasons(f)
        ]


@permit_scoped
def request_refusal(db: Database, actor: Actor, permit_number: str) -> str | None:
    """Why no inspection can be requested on the permit now, in one sentence (``None``: at
    least one type can be): :data:`NO_ONLINE_TYPES` for a permit type without any, else the
    first type's reason (a permit-wide one, such as an expired permit, comes first). What
    the screens say when *Request* is not offered or a typed number cannot get a request.
    Refused and audited like :func:`inspection_types_for` (another company: ``NotFound``)."""
    target = normalise_number(permit_number)[:120]
    with audited_refusals(db, actor, "inspection_types", target), db.read() as s:
        permit = _permit_to_request(s, actor, permit_number, lock=False)
        f = _facts(s, permit, local_today(db.jurisdiction, db.now()))
        reasons = [reason for _, reason in _type_reasons(f)]
        if not reasons:
            return NO_ONLINE_TYPES
        if any(reason is None for reason in reasons):
            return None
        return reasons[0]


# --------------------------------------------------------------------------- request


def _clean_contact(contact: ContactInfo) -> ContactInfo:
    """The contact block, normalised; every bad field is reported at once."""
    form = FormErrors()
    name = form.run(clean_text, contact.name, "contact_name", required=True, max_len=120)
    phone = form.run(validate_us_phone, contact.phone, "contact_phone", label="Phone")
    email = form.run(validate_email, contact.email, "contact_email", label="Email")
    site = form.run(clean_text, contact.site_address, "site_address", required=True)
    notes = form.run(clean_text, contact.notes, "notes", max_len=MAX_NOTES, multiline=True)
    form.raise_if_any()
    return ContactInfo(name or "", phone or "", email or "", site or "", notes or "")


def _period(value: Period | str) -> Period:
    try:
        return Period(str(value).strip().upper())
    except ValueError:
        raise RuleViolation("Choose AM or PM.", field="period") from None


def _plan(
    db: Database, f: _Facts, items: Sequence[RequestedItem]
) -> list[tuple[InspectionType, date, Period]]:
    """Check every item against every rule: the plan holds all of them, or raises."""
    if not items:
        raise RuleViolation(
            "Add at least one inspection before confirming.", field="inspection_type"
        )
    by_code = {t.code.upper(): t for t in f.types}
    plan: list[tuple[InspectionType, date, Period]] = []
    for item in items:
        code = item.inspection_type.strip()
        t = by_code.get(code.upper())
        if t is None:
            raise RuleViolation(
                f"{code[:40]!r} is not an inspection type for {f.permit.permit_type} permits.",
                field="inspection_type",
            )
        why = date_refusal(db.jurisdiction, db.now(), item.requested_date)
        if why:
            raise RuleViolation(why, field="requested_date")
        period = _period(item.period)
        if any(planned is t for planned, _, _ in plan):
            raise RuleViolation(
                f"{t.name} is already on this request; add each inspection once.",
                field="inspection_type",
            )
        why = _type_refusal(f, t)
        if why:
            raise RuleViolation(why, field="inspection_type")
        plan.append((t, item.requested_date, period))
    return plan


@permit_scoped
def check_request_item(
    db: Database,
    actor: Actor,
    permit_number: str,
    listed: Sequence[RequestedItem],
    item: RequestedItem,
) -> None:
    """Whether ``item`` may join a request that lists ``listed`` (the form's *Add*): the
    rules :func:`request_inspections` applies, and a place left in its slot for it and the
    listed ones of the same slot. Reads only; raises the refusal :func:`request_inspections`
    would raise for it."""
    with db.read() as s:
        permit = _permit_to_request(s, actor, permit_number, lock=False)
        f = _facts(s, permit, local_today(db.jurisdiction, db.now()))
        if f.blocker:
            raise RuleViolation(f.blocker, field="permit")
        _plan(db, f, [*listed, item])
        district = s.exec(select(Parcel.district).where(Parcel.id == permit.parcel_id)).first()
        if district is None:
            return  # said when the request is sent
        day, period = item.requested_date, _period(item.period)
        same = [i for i in listed if (i.requested_date, _period(i.period)) == (day, period)]
        if places_left(s, db, district, day, period) <= len(same):
            raise slot_full(s, db, district, day, period)


@permit_scoped
def request_inspections(
    db: Database,
    actor: Actor,
    permit_number: str,
    contact: ContactInfo,
    items: Sequence[RequestedItem],
) -> list[InspectionView]:
    """Request one or more inspections on a permit: all are saved, or none is.

    A company may request on permits where it is a contact, staff on any permit. The date
    must be requestable (calendar), the permit must pass :func:`can_request`, and each
    type must pass the type rules; each place is taken from its district's slot.
    """
    now = db.now()
    target = normalise_number(permit_number)[:120]
    with audited_refusals(db, actor, "inspection_requested", target), db.write() as s:
        permit = _permit_to_request(s, actor, permit_number, lock=True)
        assert permit.id is not None
        clean = _clean_contact(contact)
        f = _facts(s, permit, local_today(db.jurisdiction, now))
        if f.blocker:
            raise RuleViolation(f.blocker, field="permit")
        plan = _plan(db, f, items)
        district = s.exec(select(Parcel.district).where(Parcel.id == permit.parcel_id)).first()
        if district is None:
            raise RuleViolation(
                "This permit has no site on file; call the division.", field="permit"
            )
        # Places first (in date order, so concurrent requests lock slots alike): a full
        # slot refuses before anything else is written.
        ordered = sorted(plan, key=lambda item: (item[1], item[2].value))
        places = [take_place(s, db, district, day, period) for _, day, period in ordered]
        request = InspectionRequest(
            permit_id=permit.id,
            company_id=actor.id if actor.is_company else None,
            contact_name=clean.name,
            contact_phone=clean.phone,
            contact_email=clean.email,
            site_address=clean.site_address,
            notes=clean.notes,
            created_at=now,
        )
        s.add(request)
        s.flush()
        assert request.id is not None
        made = [
            Inspection(
                permit_id=permit.id,
                request_id=request.id,
                inspection_type_id=t.id or 0,  # loaded rows always have an id
                slot_id=place,
                requested_date=day,
                period=period.value,
                status=InspectionStatus.REQUESTED.value,
                requested_at=now,
            )
            for (t, day, period), place in zip(ordered, places, strict=True)
        ]
        s.add_all(made)
        s.flush()
        ids = [i.id for i in made if i.id is not None]
        detail = ", ".join(f"{t.code} {format_day(d)} {p.value}" for t, d, p in plan)
        audit.record(
            s,
            actor,
            "inspection_requested",
            at=now,
            target=permit.number,
            detail=f"request {request.id}: {detail}",
        )
        return views(s, db, col(Inspection.id).in_(ids))


# --------------------------------------------------------------------------- upcoming & cancel


def upcoming_for_company(db: Database, actor: Actor, *, limit: int = 200) -> list[InspectionView]:
    """Open inspections from today on, on the permits whose private parts the actor may see
    (a company: its own), earliest first, each saying whether it can still be cancelled."""
    today = local_today(db.jurisdiction, db.now())
    with db.read() as s:
        found = views(
            s,
            db,
            col(Inspection.status).in_(OPEN),
            col(Inspection.requested_date) >= today,
            private_scope(actor, col(Inspection.permit_id)),
            limit=max(limit, 0),
        )
    return found

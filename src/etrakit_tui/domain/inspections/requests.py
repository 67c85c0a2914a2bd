"""Requesting inspections, the contractor's side (SPEC §4): whether and why a permit can get
a request, the request form's types, the all-or-nothing request and the upcoming list.

Every change is one write transaction with its audit line. A refusal raises
:class:`RuleViolation` (``field`` says where to look), :class:`SlotFull` (naming the next free
slot), :class:`ValidationFailed` (the contact block, every bad field at once) or
``NotFound`` (a permit or inspection the actor may not act on); it is audited in its own
small transaction after the change has rolled back.

On SQLite, where writers take turns for the whole database (``Database.one_writer``), a
request holds the write lock (the gate and ``BEGIN IMMEDIATE``) only for what must be atomic.
Before it, in a read transaction: the permit and the caller's right to it, the contact
block, every rule for every item, and room in each slot. Under it
(:meth:`Database.write_conn`): the permit's state and its open and passed inspections read
again and, should anything the rules read have changed meanwhile, the rules run again on
what is there now; then each place is taken with the conditional slot UPDATE, and the
request, its inspections and the audit line are inserted. On PostgreSQL writers wait only
on the rows they lock, so the same reads and checks run once, in the write transaction,
after the permit row is locked (``FOR UPDATE``, a statement of its own). The catalog
(inspection types and their prerequisites) only grows, at set-up
(``catalog.ensure_catalog``).

Every statement is Core, built once, and run on the driver (:class:`store.direct.Direct`).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple, Protocol, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    String,
    and_,
    bindparam,
    insert,
    or_,
)
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import col

from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.audit import audited_refusals, event_values
from etrakit_tui.domain.errors import AccessDenied, NotFound, RuleViolation
from etrakit_tui.domain.inspections.calendar import (
    can_cancel_online,
    cancel_deadline,
    date_refusal,
    format_day,
    local_today,
)
from etrakit_tui.domain.inspections.schedule import OPEN, views
from etrakit_tui.domain.inspections.slots import places_left, slot_full, take_place
from etrakit_tui.domain.inspections.views import InspectionTypeOption, InspectionView
from etrakit_tui.domain.permits.access import (
    MAX_NUMBER_LENGTH,
    contact_exists,
    deny,
    normalise_number,
    permit_scoped,
    private_scope,
)
from etrakit_tui.domain.permits.catalog import has_inspection_types_expr
from etrakit_tui.domain.permits.fees import fees_due_expr, format_cents
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.direct import Direct, Runner
from etrakit_tui.domain.store.locks import lock_permit_number
from etrakit_tui.domain.store.models import (
    AuditEvent,
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


class _PermitRow(NamedTuple):
    """What the rules read of a permit (and, under the write lock, read again to compare)."""

    id: int
    number: str
    permit_type: str
    status: str
    finaled_on: date | None
    expires_on: date | None
    on_hold: bool
    district: str | None
    address: str | None
    allowed: bool  # the caller may see the permit's private parts
    fees_due: int


class _TypeRow(NamedTuple):
    id: int
    code: str
    name: str
    is_final: bool


class _Catalog(NamedTuple):
    """The inspection types of one permit type, in order, and their prerequisites."""

    types: tuple[_TypeRow, ...]
    requires: dict[int, tuple[int, ...]]
    names: dict[int, str]


_History = tuple[tuple[int, str, date, str], ...]
"""The permit's open and passed inspections: (type id, status, date, AM/PM), in id order."""

_VIEWER = bindparam("viewer", type_=Integer)
_PERMIT_ID = bindparam("permit", type_=Integer)


@functools.cache
def _permit_statement(kind: ActorKind, *, by_id: bool) -> Any:
    """The permit (by number, or by id under the lock) with its site, whether a viewer of
    ``kind`` (bound ``viewer``) may see its private parts, and the fees due. A company's
    right is the one contact row looked up (``private_scope``'s IN list of all its permits
    costs ~0.7 ms for a company with 5,000)."""
    viewer = Actor(kind, cast(int, _VIEWER), "")
    if kind is ActorKind.COMPANY:
        allowed: Any = contact_exists(cast(int, _VIEWER))
    else:
        allowed = private_scope(viewer)
    query = sa_select(
        col(Permit.id),
        col(Permit.number),
        col(Permit.permit_type),
        col(Permit.status),
        col(Permit.finaled_on),
        col(Permit.expires_on),
        col(Permit.on_hold),
        col(Parcel.district),
        col(Parcel.address),
        allowed.label("allowed"),
        fees_due_expr().label("fees_due"),
    ).outerjoin(Parcel, col(Parcel.id) == col(Permit.parcel_id))
    if by_id:
        return query.where(col(Permit.id) == _PERMIT_ID)
    return query.where(col(Permit.number) == bindparam("number", type_=String))


@functools.cache
def _catalog_statement() -> Any:
    """A permit type's inspection types (bound ``permit_type``), each with its
    prerequisites' ids and names (one row per prerequisite, or one without)."""
    needed = aliased(InspectionType)
    return (
        sa_select(
            col(InspectionType.id),
            col(InspectionType.code),
            col(InspectionType.name),
            col(InspectionType.is_final),
            col(InspectionPrerequisite.requires_id),
            col(needed.name),
        )
        .outerjoin(
            InspectionPrerequisite,
            col(InspectionPrerequisite.inspection_type_id) == col(InspectionType.id),
        )
        .outerjoin(needed, col(needed.id) == col(InspectionPrerequisite.requires_id))
        .where(col(InspectionType.permit_type) == bindparam("permit_type", type_=String))
        .order_by(
            col(InspectionType.sort_order),
            col(InspectionType.code),
            col(InspectionPrerequisite.requires_id),
        )
    )


@functools.cache
def _history_statement() -> Any:
    return (
        sa_select(
            col(Inspection.inspection_type_id),
            col(Inspection.status),
            col(Inspection.requested_date),
            col(Inspection.period),
        )
        .where(
            col(Inspection.permit_id) == _PERMIT_ID,
            # (plain comparisons: an IN list would be expanded again at every execution)
            or_(*(col(Inspection.status) == st for st in (*OPEN, InspectionStatus.PASSED.value))),
        )
        .order_by(col(Inspection.id))
    )


@functools.cache
def _inserts() -> tuple[Any, Any, Any]:
    """The request and one inspection (each giving its id), the audit line (values bound
    at execution)."""
    return (
        insert(InspectionRequest).returning(col(InspectionRequest.id)),
        insert(Inspection).returning(col(Inspection.id)),
        insert(AuditEvent),
    )


def _viewer(actor: Actor) -> tuple[ActorKind, dict[str, Any]]:
    """The statement's actor kind and ``viewer`` parameter; no id: no private parts
    (``private_scope``'s rule), as for an anonymous caller (as ``access.permit_facts``)."""
    kind = ActorKind.ANONYMOUS if actor.id is None and not actor.is_staff else actor.kind
    return kind, {"viewer": actor.id if actor.id is not None else 0}


def _allowed(actor: Actor, permit: _PermitRow) -> _PermitRow:
    """The permit, if ``actor`` may request inspections on it (a company contact, or staff)."""
    if not permit.allowed:
        raise deny(actor, "permit", permit.number, "private")
    if not (actor.is_staff or actor.is_company):
        raise AccessDenied("permit", actor=actor, target=permit.number, detail="request")
    return permit


def _permit_row(row: Any) -> _PermitRow:
    return _PermitRow._make((*row[:9], bool(row[9]), int(row[10])))


def _permit_to_request(
    conn: Runner, actor: Actor, number: str, *, lock: bool = False
) -> _PermitRow:
    """The permit ``number`` if ``actor`` may request on it; ``NotFound("permit")`` for a
    missing one and an :class:`AccessDenied` (the same message) for a refused one. With
    ``lock``, its row is locked first for the caller's write (PostgreSQL), by a statement
    of its own: the read after it sees what the lock's last holder committed (a locking
    read's subqueries would see the data as it was when the read started waiting)."""
    wanted = normalise_number(number)
    if not wanted or len(wanted) > MAX_NUMBER_LENGTH:
        raise NotFound("permit")
    kind, params = _viewer(actor)
    if lock:
        lock_permit_number(conn, wanted)
    row = conn.execute(_permit_statement(kind, by_id=False), {**params, "number": wanted}).first()
    if row is None:
        raise NotFound("permit")
    return _allowed(actor, _permit_row(row))


def _catalog(conn: Runner, permit_type: str) -> _Catalog:
    types: dict[int, _TypeRow] = {}
    requires: dict[int, tuple[int, ...]] = {}
    names: dict[int, str] = {}
    for type_id, code, name, is_final, needed, needed_name in conn.execute(
        _catalog_statement(), {"permit_type": permit_type}
    ):
        types.setdefault(type_id, _TypeRow(type_id, code, name, bool(is_final)))
        if needed is not None:
            requires[type_id] = (*requires.get(type_id, ()), needed)
            if needed_name is not None:
                names[needed] = needed_name
    return _Catalog(tuple(types.values()), requires, names)


def _history(conn: Runner, permit_id: int) -> _History:
    rows = conn.execute(_history_statement(), {"permit": permit_id})
    return tuple((t, st, d, p) for t, st, d, p in rows)


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the type rules need to know about one permit, read in one transaction."""

    permit: _PermitRow
    today: date
    catalog: _Catalog
    history: _History
    passed: frozenset[int]
    open: dict[int, tuple[date, str]]

    @property
    def types(self) -> tuple[_TypeRow, ...]:
        return self.catalog.types

    @property
    def blocker(self) -> str | None:
        return request_blocker(self.permit, has_inspection_types=bool(self.types), today=self.today)


def _facts(permit: _PermitRow, catalog: _Catalog, history: _History, today: date) -> _Facts:
    passed = frozenset(t for t, st, _, _ in history if st == InspectionStatus.PASSED.value)
    open_ = {t: (d, p) for t, st, d, p in history if st in OPEN}
    return _Facts(permit, today, catalog, history, passed, open_)


def _read_facts(conn: Runner, permit: _PermitRow, today: date) -> _Facts:
    return _facts(permit, _catalog(conn, permit.permit_type), _history(conn, permit.id), today)


def _facts_now(conn: Runner, actor: Actor, before: _Facts) -> _Facts:
    """Under the SQLite write lock (``Database.one_writer``): the permit's state and history
    read again. ``before`` itself if nothing the rules read has changed; else the facts as
    they are now (the caller runs the rules again)."""
    kind, params = _viewer(actor)
    params["permit"] = before.permit.id
    row = conn.execute(_permit_statement(kind, by_id=True), params).first()
    if row is None:
        raise NotFound("permit")
    permit = _permit_row(row)
    history = _history(conn, permit.id)
    if permit == before.permit and history == before.history:
        return before
    _allowed(actor, permit)
    catalog = before.catalog
    if permit.permit_type != before.permit.permit_type:
        catalog = _catalog(conn, permit.permit_type)
    return _facts(permit, catalog, history, before.today)


def _type_refusal(f: _Facts, t: _TypeRow) -> str | None:
    """Why inspection type ``t`` cannot be requested on the permit now (``None``: it can)."""
    if t.id in f.open:
        day, period = f.open[t.id]
        article = "An" if t.name[:1].upper() in "AEIOU" else "A"
        when = f"{format_day(day)} {period}"
        return f"{article} {t.name} inspection is already requested for {when}."
    if t.id in f.passed:
        return f"The {t.name} inspection has already passed."
    missing = [
        f.catalog.names.get(r, "a required inspection")
        for r in f.catalog.requires.get(t.id, ())
        if r not in f.passed
    ]
    if missing:
        needs = " and ".join(missing)
        verb = "have" if len(missing) > 1 else "has"
        return f"The {t.name} inspection can be requested only after {needs} {verb} passed."
    if t.is_final and f.permit.fees_due > 0:
        return (
            f"A final inspection cannot be requested while fees are due "
            f"({format_cents(f.permit.fees_due)}); please pay them first."
        )
    return None


def _type_reasons(f: _Facts) -> list[tuple[_TypeRow, str | None]]:
    """Each type of the permit with why it cannot be requested now (``None``: it can); a
    permit-wide reason applies to every type."""
    blocker = f.blocker
    return [(t, blocker or _type_refusal(f, t)) for t in f.types]


def _facts_for(db: Database, actor: Actor, conn: Runner, permit_number: str) -> _Facts:
    conn = Direct(conn) if isinstance(conn, Connection) else conn
    permit = _permit_to_request(conn, actor, permit_number)
    return _read_facts(conn, permit, local_today(db.jurisdiction, db.now()))


@permit_scoped
def inspection_types_for(
    db: Database, actor: Actor, permit_number: str
) -> list[InspectionTypeOption]:
    """The inspection types valid for the permit's type, each with whether it can be
    requested now and, if not, why (a permit-wide reason applies to every type)."""
    target = normalise_number(permit_number)[:120]
    with audited_refusals(db, actor, "inspection_types", target), db.read_conn() as conn:
        f = _facts_for(db, actor, conn, permit_number)
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
    with audited_refusals(db, actor, "inspection_types", target), db.read_conn() as conn:
        f = _facts_for(db, actor, conn, permit_number)
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


_Plan = list[tuple[_TypeRow, date, Period]]


def _plan(db: Database, f: _Facts, items: Sequence[RequestedItem]) -> _Plan:
    """Check every item against every rule: the plan holds all of them, or raises."""
    if not items:
        raise RuleViolation(
            "Add at least one inspection before confirming.", field="inspection_type"
        )
    by_code = {t.code.upper(): t for t in f.types}
    plan: _Plan = []
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


def _checked(db: Database, f: _Facts, items: Sequence[RequestedItem]) -> tuple[str, _Plan]:
    """The permit's district and the plan, if the permit and every item pass every rule."""
    if f.blocker:
        raise RuleViolation(f.blocker, field="permit")
    plan = _plan(db, f, items)
    if f.permit.district is None:
        raise RuleViolation("This permit has no site on file; call the division.", field="permit")
    return f.permit.district, plan


def _by_date(plan: _Plan) -> _Plan:
    """The plan in date order: the order places are taken, so concurrent requests lock
    slots alike."""
    return sorted(plan, key=lambda item: (item[1], item[2].value))


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
    with db.read_conn() as conn:
        f = _facts_for(db, actor, conn, permit_number)
        if f.blocker:
            raise RuleViolation(f.blocker, field="permit")
        _plan(db, f, [*listed, item])
        district = f.permit.district
        if district is None:
            return  # said when the request is sent
        day, period = item.requested_date, _period(item.period)
        same = [i for i in listed if (i.requested_date, _period(i.period)) == (day, period)]
        if places_left(conn, db, district, day, period) <= len(same):
            raise slot_full(conn, db, district, day, period)


def _check_room(conn: Runner, db: Database, district: str, ordered: _Plan) -> None:
    """:class:`SlotFull` for the first slot (in date order) without room for its items."""
    wanted = Counter((day, period) for _, day, period in ordered)
    for (day, period), count in wanted.items():
        if places_left(conn, db, district, day, period) < count:
            raise slot_full(conn, db, district, day, period)


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
    today = local_today(db.jurisdiction, now)
    target = normalise_number(permit_number)[:120]
    with audited_refusals(db, actor, "inspection_requested", target):
        before: _Facts | None = None
        if db.one_writer:  # everything that can be checked before queueing for the lock
            with db.read_conn() as c:
                conn = Direct(c)
                permit = _permit_to_request(conn, actor, permit_number)
                clean = _clean_contact(contact)
                before = _read_facts(conn, permit, today)
                district, plan = _checked(db, before, items)
                _check_room(conn, db, district, _by_date(plan))
        with db.write_conn() as c:
            conn = Direct(c)
            if before is None:  # writers wait only on the rows they lock: check under it
                permit = _permit_to_request(conn, actor, permit_number, lock=True)
                clean = _clean_contact(contact)
                f = _read_facts(conn, permit, today)
                district, plan = _checked(db, f, items)
            else:
                f = _facts_now(conn, actor, before)
                if f is not before:  # changed meanwhile: the rules again, on what is there now
                    district, plan = _checked(db, f, items)
            ordered = _by_date(plan)
            places = [take_place(conn, db, district, day, period) for _, day, period in ordered]
            ids = _insert(conn, actor, f.permit, clean, ordered, places, now)
            detail = ", ".join(f"{t.code} {format_day(d)} {p.value}" for t, d, p in plan)
            conn.execute(
                _inserts()[2],
                event_values(
                    actor,
                    "inspection_requested",
                    now,
                    f.permit.number,
                    detail=f"request {ids[0]}: {detail}",
                ),
            )
    return [_view(db, f.permit, item, iid) for item, iid in zip(ordered, ids[1:], strict=True)]


def _insert(
    conn: Runner,
    actor: Actor,
    permit: _PermitRow,
    clean: ContactInfo,
    ordered: _Plan,
    places: list[int],
    now: datetime,
) -> list[int]:
    """Insert the request and its inspections: ``[request id, inspection ids...]``."""
    add_request, add_inspection, _ = _inserts()
    request = {
        "permit_id": permit.id,
        "company_id": actor.id if actor.is_company else None,
        "contact_name": clean.name,
        "contact_phone": clean.phone,
        "contact_email": clean.email,
        "site_address": clean.site_address,
        "notes": clean.notes,
        "created_at": now,
    }
    request_id = _new_id(conn.execute(add_request, request))
    ids = [request_id]
    for (t, day, period), place in zip(ordered, places, strict=True):
        inspection = {
            "permit_id": permit.id,
            "request_id": request_id,
            "inspection_type_id": t.id,
            "slot_id": place,
            "requested_date": day,
            "period": period.value,
            "status": InspectionStatus.REQUESTED.value,
            "requested_at": now,
        }
        ids.append(_new_id(conn.execute(add_inspection, inspection)))
    return ids


def _new_id(result: Any) -> int:
    """The id the INSERT ... RETURNING gave."""
    return int(result.scalar())


def _view(
    db: Database, permit: _PermitRow, item: tuple[_TypeRow, date, Period], inspection_id: int
) -> InspectionView:
    """A new inspection as :func:`schedule.views` shows it (built from what was written)."""
    t, day, period = item
    return InspectionView(
        id=inspection_id,
        permit_number=permit.number,
        permit_type=permit.permit_type,
        address=permit.address or "",
        district=permit.district or "",
        type_code=t.code,
        type_name=t.name,
        requested_date=day,
        period=period.value,
        status=InspectionStatus.REQUESTED.value,
        inspector_name="",
        comments="",
        cancel_deadline=cancel_deadline(db.jurisdiction, day),
        can_cancel=can_cancel_online(db.jurisdiction, day, db.now()),
    )


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

"""The dashboard's three lists (SPEC §2.3), one keyset page at a time, with their totals.

Which permits a list may hold comes from :func:`access.private_scope` (a company: the
permits it is a contact of; an inspector: those of the inspections assigned to them;
staff: every one; anyone else: none); which list a permit belongs to is decided here, once:

* *My Active Permits*: status other than FINALED/EXPIRED/VOID and ``expires_on`` not past
  (pending plan checks — numbers beginning with ``A`` — are among them), by permit number;
* *My Expired Permits*: status EXPIRED, or ``expires_on`` before today (except FINALED/VOID),
  by permit number;
* *My Active Inspections*: open (REQUESTED/SCHEDULED) inspections on those permits, by
  date, then AM before PM.

"Today" is the jurisdiction's local date from the injected clock.

One read style, for every page of every list and every kind of actor: SQLAlchemy Core
statements built once per process, per kind of actor and for first or later pages (the
viewer's id, today, the keyset positions and the page size are bound parameters, so
SQLAlchemy's compiled form and PostgreSQL's prepared plans are reused), run on
:meth:`Database.read_conn`'s connection; rows are plain tuples mapped to the read models of
:mod:`permits.views`. A list's page is two statements, the dashboard's three pages four:

1. both permit lists at once, in one pass over the actor's permits: each permit's list,
   the list's total (a window ``count()``) and its rank among the rows after the list's
   keyset position (a window ``row_number()``) — the page's ids (on PostgreSQL a company's
   permits are found by an id array: see :func:`_permit_scope`);
2. those pages' rows (address, fees due, whether inspection types can be requested);
3. the open inspections' page ids and their total (a window ``count()``), starting from
   the few open inspections (index on ``status``) rather than from the actor's permits;
4. the inspection page's rows, inspector name included.

Staff (every permit) make statement 1 a pass over the whole city; the portal shows staff
their desk, not these lists.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    case,
    func,
    or_,
    true,
    tuple_,
)
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import col

from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.inspections.calendar import local_today
from etrakit_tui.domain.inspections.requests import can_request
from etrakit_tui.domain.permits.access import contact_exists, private_scope
from etrakit_tui.domain.permits.catalog import has_inspection_types_expr
from etrakit_tui.domain.permits.fees import fees_due_expr
from etrakit_tui.domain.permits.views import (
    ActiveInspectionRow,
    ActivePermitRow,
    Dashboard,
    DashboardAfter,
    ExpiredPermitRow,
    InspectionKey,
    Page,
)
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import (
    OPEN_INSPECTION_STATUSES,
    Inspection,
    InspectionType,
    Parcel,
    Permit,
    PermitContact,
    PermitStatus,
    StaffUser,
)

RECORD_TYPE = "PERMIT"
CLOSED_STATUSES = (PermitStatus.FINALED, PermitStatus.EXPIRED, PermitStatus.VOID)
MAX_PAGE = 500
"""The most rows one page holds."""

ACTIVE, EXPIRED = 1, 2
"""The permit list a ranked row belongs to."""

_VIEWER = bindparam("viewer", type_=Integer)
_TODAY = bindparam("today", type_=Date)
_LIMIT = bindparam("limit", type_=Integer)
_AFTER_ACTIVE = bindparam("after_active", type_=String)
_AFTER_EXPIRED = bindparam("after_expired", type_=String)
_AFTER_DATE = bindparam("after_date", type_=Date)
_AFTER_PERIOD = bindparam("after_period", type_=String)
_AFTER_ID = bindparam("after_id", type_=Integer)
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
_INSPECTION_ORDER = (col(Inspection.requested_date), col(Inspection.period), col(Inspection.id))


def today(db: Database) -> date:
    """The jurisdiction's local date, from the injected clock."""
    return local_today(db.jurisdiction, db.now())


# --------------------------------------------------------------------------- rules


def active_condition(on: date) -> ColumnElement[bool]:
    """SQL: the permit belongs in *My Active Permits* on day ``on``."""
    return and_(
        col(Permit.status).not_in(CLOSED_STATUSES),
        or_(col(Permit.expires_on).is_(None), col(Permit.expires_on) >= on),
    )


def expired_condition(on: date) -> ColumnElement[bool]:
    """SQL: the permit belongs in *My Expired Permits* on day ``on``."""
    return or_(
        col(Permit.status) == PermitStatus.EXPIRED,
        and_(
            col(Permit.status).not_in((PermitStatus.FINALED, PermitStatus.VOID)),
            col(Permit.expires_on) < on,
        ),
    )


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE))


# --------------------------------------------------------------------------- statements


def _viewer(kind: ActorKind) -> Actor:
    """An actor of ``kind`` whose id is the bound parameter ``viewer``."""
    return Actor(kind, cast(int, _VIEWER), "")


def _viewer_id(actor: Actor) -> int:
    return actor.id if actor.id is not None else 0


def _kind(actor: Actor) -> ActorKind:
    """The kind whose statements serve ``actor``: without an id, no private parts (the rule
    of :func:`access.private_scope`), as for an anonymous caller."""
    return ActorKind.ANONYMOUS if actor.id is None and not actor.is_staff else actor.kind


def _postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _permit_scope(kind: ActorKind, postgres: bool) -> ColumnElement[bool]:
    """Statement 1's permits: :func:`access.private_scope`. On PostgreSQL a company's are
    written ``permit.id = ANY(ARRAY(<the company's permit ids>))`` (the same rule): the ids
    are one index-only range and the permits one index scan whatever the company, so the
    plan does not depend on the viewer. Written as ``IN (subquery)``, the plan of the first
    ~10 calls on a connection (a new portal session's) is made for the viewer's statistics,
    and for the biggest company (5,000 permits of 10^6) it scans every permit: 150-500 ms a
    dashboard instead of ~20, before the prepared statement settles on a nested loop (then
    about as fast as this index scan, up to ~25% slower in some side-by-side runs)."""
    if kind is ActorKind.COMPANY and postgres:
        own = sa_select(col(PermitContact.permit_id)).where(
            col(PermitContact.company_id) == _VIEWER
        )
        return col(Permit.id) == any_(func.array(own.scalar_subquery()))
    return private_scope(_viewer(kind))


@functools.cache
def _permit_lists(kind: ActorKind, keyed: bool, postgres: bool) -> Any:
    """Statement 1: the page ids of both permit lists of a viewer of ``kind``, with each
    list's total. Rows ``(id, list, total, later)``, each list's in number order: up to
    ``limit`` rows of each list after its keyset position (``later`` true). ``keyed``: a
    list may start after a key (``after_active``/``after_expired``; ``""`` is before every
    number), and a list with no row after its key still sends its first row (``later``
    false), for its total; not ``keyed``: the first pages (every row is ``later``)."""
    on = cast(date, _TODAY)
    which = case((active_condition(on), ACTIVE), (expired_condition(on), EXPIRED), else_=0)
    mine = (
        sa_select(col(Permit.id), col(Permit.number), which.label("list"))
        .where(_permit_scope(kind, postgres))
        .subquery("mine")
    )
    later: ColumnElement[bool] = true()
    if keyed:
        later = or_(
            and_(mine.c.list == ACTIVE, mine.c.number > _AFTER_ACTIVE),
            and_(mine.c.list == EXPIRED, mine.c.number > _AFTER_EXPIRED),
        )
    ranked = (
        sa_select(
            mine.c.id,
            mine.c.list,
            later.label("later"),
            func.row_number()
            .over(
                partition_by=(mine.c.list, later) if keyed else mine.c.list,
                order_by=mine.c.number,
            )
            .label("rn"),
            func.count().over(partition_by=mine.c.list).label("total"),
        )
        .where(mine.c.list > 0)
        .subquery("ranked")
    )
    keep = ranked.c.rn <= _LIMIT
    if keyed:
        keep = or_(and_(ranked.c.later, keep), ranked.c.rn == 1)
    return (
        sa_select(ranked.c.id, ranked.c.list, ranked.c.total, ranked.c.later)
        .where(keep)
        .order_by(ranked.c.list, ranked.c.rn)
    )


@functools.cache
def _permit_rows() -> Any:
    """Statement 2: the rows of the permits ``ids``, in number order."""
    return (
        sa_select(
            col(Permit.id),
            col(Permit.number),
            col(Parcel.address),
            col(Permit.permit_type),
            col(Permit.status),
            col(Permit.expires_on),
            col(Permit.finaled_on),
            col(Permit.on_hold),
            fees_due_expr().label("fees_due"),
            has_inspection_types_expr().label("has_types"),
        )
        .outerjoin(Parcel, col(Permit.parcel_id) == col(Parcel.id))
        .where(col(Permit.id).in_(_IDS))
        .order_by(col(Permit.number))
    )


def _inspection_scope(kind: ActorKind) -> ColumnElement[bool]:
    """The open inspection's permit is one whose private parts the viewer may see. For a
    company, a correlated EXISTS (the same rule as :func:`access.private_scope`, not an IN
    list of the company's permits): the database starts from the open inspections — a few
    hundred in the whole city — in date order."""
    if kind is ActorKind.COMPANY:
        return contact_exists(cast(int, _VIEWER), col(Inspection.permit_id))
    return private_scope(_viewer(kind), col(Inspection.permit_id))


@functools.cache
def _open_inspections(kind: ActorKind, keyed: bool) -> Any:
    """Statement 3: the page ids of the open inspections of a viewer of ``kind``, with their
    total. Rows ``(id, total, later)`` in date order, as :func:`_permit_lists`' rows (the
    key: ``after_date``, ``after_period``, ``after_id``)."""
    total = func.count().over().label("total")
    where = (col(Inspection.status).in_(OPEN_INSPECTION_STATUSES), _inspection_scope(kind))
    if not keyed:
        first = sa_select(col(Inspection.id), total, true().label("later")).where(*where)
        return first.order_by(*_INSPECTION_ORDER).limit(_LIMIT)
    later = tuple_(*_INSPECTION_ORDER) > tuple_(_AFTER_DATE, _AFTER_PERIOD, _AFTER_ID)
    ranked = (
        sa_select(
            col(Inspection.id),
            *_INSPECTION_ORDER[:2],
            later.label("later"),
            func.row_number().over(partition_by=later, order_by=_INSPECTION_ORDER).label("rn"),
            total,
        )
        .where(*where)
        .subquery("ranked")
    )
    return (
        sa_select(ranked.c.id, ranked.c.total, ranked.c.later)
        .where(or_(and_(ranked.c.later, ranked.c.rn <= _LIMIT), ranked.c.rn == 1))
        .order_by(ranked.c.requested_date, ranked.c.period, ranked.c.id)
    )


@functools.cache
def _inspection_rows() -> Any:
    """Statement 4: the rows of the inspections ``ids``, in date order."""
    return (
        sa_select(
            col(Inspection.id),
            col(Permit.number),
            col(Permit.status),
            col(Parcel.address),
            col(InspectionType.name),
            col(Inspection.requested_date),
            col(Inspection.period),
            col(Inspection.status),
            col(StaffUser.full_name),
        )
        .join(Permit, col(Permit.id) == col(Inspection.permit_id))
        .outerjoin(Parcel, col(Parcel.id) == col(Permit.parcel_id))
        .join(InspectionType, col(InspectionType.id) == col(Inspection.inspection_type_id))
        .outerjoin(StaffUser, col(StaffUser.id) == col(Inspection.inspector_id))
        .where(col(Inspection.id).in_(_IDS))
        .order_by(*_INSPECTION_ORDER)
    )


# --------------------------------------------------------------------------- reads


class _Facts:
    """What :func:`inspections.can_request` reads of a permit row."""

    __slots__ = ("expires_on", "finaled_on", "on_hold", "status")

    def __init__(
        self, status: str, expires_on: date | None, finaled_on: date | None, on_hold: bool
    ) -> None:
        self.status = status
        self.expires_on = expires_on
        self.finaled_on = finaled_on
        self.on_hold = on_hold


def _permit_pages(
    conn: Connection,
    actor: Actor,
    on: date,
    size: int,
    after_active: str | None,
    after_expired: str | None,
    wanted: tuple[int, ...] = (ACTIVE, EXPIRED),
) -> tuple[Page[ActivePermitRow, str], Page[ExpiredPermitRow, str]]:
    """A page of each permit list (statements 1 and 2); rows are read only for the ``wanted``
    lists (the other page comes back empty, with its total)."""
    keyed = after_active is not None or after_expired is not None
    params = {
        "viewer": _viewer_id(actor),
        "today": on,
        "limit": size + 1,
        "after_active": after_active or "",
        "after_expired": after_expired or "",
    }
    totals = {ACTIVE: 0, EXPIRED: 0}
    ids: dict[int, list[int]] = {ACTIVE: [], EXPIRED: []}
    statement = _permit_lists(_kind(actor), keyed, _postgres(conn))
    ranked = conn.execute(statement, params).all()
    for permit_id, which, total, later in ranked:
        totals[which] = int(total)
        if later:
            ids[which].append(permit_id)
    by_list = {pid: which for which in wanted for pid in ids[which][:size]}
    found = conn.execute(_permit_rows(), {"ids": list(by_list)}).all() if by_list else []
    active: list[ActivePermitRow] = []
    expired: list[ExpiredPermitRow] = []
    for pid, number, address, ptype, status, expires_on, finaled_on, on_hold, due, typed in found:
        if by_list[pid] == ACTIVE:
            facts = _Facts(status, expires_on, finaled_on, bool(on_hold))
            active.append(
                ActivePermitRow(
                    number=number,
                    address=address or "",
                    permit_type=ptype,
                    status=status,
                    expires_on=expires_on,
                    can_request=can_request(facts, has_inspection_types=bool(typed), today=on),
                    fees_due_cents=int(due),
                )
            )
        else:
            expired.append(
                ExpiredPermitRow(
                    number=number,
                    address=address or "",
                    permit_type=ptype,
                    status=status,
                    expired_on=expires_on,
                    fees_due_cents=int(due),
                )
            )
    return (
        Page(tuple(active), _next(active, ids[ACTIVE], size), totals[ACTIVE]),
        Page(tuple(expired), _next(expired, ids[EXPIRED], size), totals[EXPIRED]),
    )


def _next(items: list[Any], ids: list[int], size: int) -> str | None:
    """The next page's key: the last number shown, if the list holds more."""
    return items[-1].number if len(ids) > size and items else None


def _inspection_page(
    conn: Connection, actor: Actor, size: int, after_key: InspectionKey | None
) -> Page[ActiveInspectionRow, InspectionKey]:
    """A page of *My Active Inspections* (statements 3 and 4)."""
    params: dict[str, Any] = {"viewer": _viewer_id(actor), "limit": size + 1}
    if after_key is not None:
        params.update(after_date=after_key[0], after_period=after_key[1], after_id=after_key[2])
    total = 0
    ids: list[int] = []
    ranked = conn.execute(_open_inspections(_kind(actor), after_key is not None), params).all()
    for inspection_id, count, later in ranked:
        total = int(count)
        if later:
            ids.append(inspection_id)
    wanted = ids[:size]
    found = conn.execute(_inspection_rows(), {"ids": wanted}).all() if wanted else []
    items = tuple(
        ActiveInspectionRow(
            inspection_id=iid,
            record_no=number,
            record_type=RECORD_TYPE,
            record_status=pstatus,
            address=address or "",
            inspection_type=tname,
            date=day,
            period=period,
            status=status,
            inspector_name=inspector or "",
        )
        for iid, number, pstatus, address, tname, day, period, status, inspector in found
    )
    next_key: InspectionKey | None = None
    if len(ids) > size and items:
        last = items[-1]
        next_key = (last.date, last.period, last.inspection_id)
    return Page(items=items, next_key=next_key, total=total)


# --------------------------------------------------------------------------- services


def active_permits_page(
    db: Database, actor: Actor, after_key: str | None = None, limit: int = 50
) -> Page[ActivePermitRow, str]:
    """One page of *My Active Permits*, after permit number ``after_key``."""
    with db.read_conn() as conn:
        pages = _permit_pages(conn, actor, today(db), _limit(limit), after_key, None, (ACTIVE,))
    return pages[0]


def expired_permits_page(
    db: Database, actor: Actor, after_key: str | None = None, limit: int = 50
) -> Page[ExpiredPermitRow, str]:
    """One page of *My Expired Permits*, after permit number ``after_key``."""
    with db.read_conn() as conn:
        pages = _permit_pages(conn, actor, today(db), _limit(limit), None, after_key, (EXPIRED,))
    return pages[1]


def active_inspections_page(
    db: Database, actor: Actor, after_key: InspectionKey | None = None, limit: int = 50
) -> Page[ActiveInspectionRow, InspectionKey]:
    """One page of *My Active Inspections* (date, then AM before PM), after ``after_key``."""
    with db.read_conn() as conn:
        return _inspection_page(conn, actor, _limit(limit), after_key)


def dashboard(
    db: Database, actor: Actor, *, page_size: int = 50, after: DashboardAfter | None = None
) -> Dashboard:
    """The three dashboard lists (one page each, with their totals), read consistently in
    one transaction: four statements, whoever asks and whichever pages."""
    where = after or DashboardAfter()
    size = _limit(page_size)
    on = today(db)
    with db.read_conn() as conn:
        active, expired = _permit_pages(
            conn, actor, on, size, where.active_permits, where.expired_permits
        )
        inspections = _inspection_page(conn, actor, size, where.active_inspections)
    return Dashboard(active_permits=active, active_inspections=inspections, expired_permits=expired)

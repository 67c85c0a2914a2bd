"""The dashboard's first pages for a company, in four statements built once.

:func:`permits.dashboard` used to read each list on its own: a count, then each list's page
ids and rows, then the open inspections' ids, rows, inspector names and count — ten
statements, three of them each a pass over every permit of the company (5,000 for the
biggest), and every statement built and ORM-loaded again on each call. Here:

1. one pass over the company's permits ranks both permit lists at once (a window
   ``row_number()``/``count()`` per list): the first page's ids of each list and the totals;
2. one read of both pages' rows (address, fees due, whether types can be requested);
3. the open inspections' page ids and their total (``count() OVER ()``), starting from the
   few open inspections (index on ``status``) rather than from the company's permits;
4. the inspection page's rows, inspector name included.

Statements are SQLAlchemy Core with bound parameters, built once per process (the compiled
form is cached by SQLAlchemy), run on the caller's connection; rows are plain tuples. The
list rules (:func:`permits.active_condition`, :func:`permits.expired_condition`) and the
access rule (:func:`access.private_scope`) are the same functions the paged services use,
given a bound parameter instead of a value.

Permits: the dashboard's three lists and the *Permit #<no>* detail.

The dashboard lists are keyset-paged (by permit number, or by date/AM-PM/id for
inspections) and counted with COUNT queries, so a company with thousands of permits pages
instantly. Which permits a list may hold comes from :func:`access.private_scope`; which list
a permit belongs to is decided here, once:

* *My Active Permits*: status other than FINALED/EXPIRED/VOID and ``expires_on`` not past
  (pending plan checks — numbers beginning with ``A`` — are among them);
* *My Expired Permits*: status EXPIRED, or ``expires_on`` before today (except FINALED/VOID);
* *My Active Inspections*: open (REQUESTED/SCHEDULED) inspections on those permits.

"Today" is the jurisdiction's local date from the injected clock.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Integer,
    and_,
    bindparam,
    case,
    func,
    or_,
    tuple_,
)
from sqlalchemy import (
    select as sa_select,
)
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import Session, col, select

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
    PermitStatus,
    StaffUser,
)

ACTIVE, EXPIRED = 1, 2
"""The permit list a ranked row belongs to."""

_COMPANY = bindparam("company", type_=Integer)
_TODAY = bindparam("today", type_=Date)
_LIMIT = bindparam("limit", type_=Integer)
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)


@functools.cache
def _statements(
    active: Callable[[date], Any], expired: Callable[[date], Any]
) -> tuple[Any, Any, Any, Any]:
    """The four statements, with the list rules handed in by :mod:`permits`."""
    today = cast(date, _TODAY)
    company = Actor(ActorKind.COMPANY, cast(int, _COMPANY), "")
    which = case((active(today), ACTIVE), (expired(today), EXPIRED), else_=0).label("list")
    mine = sa_select(col(Permit.id), col(Permit.number), which).where(private_scope(company))
    mine_sq = mine.subquery("mine")
    ranked = (
        sa_select(
            mine_sq.c.id,
            mine_sq.c.list,
            func.row_number()
            .over(partition_by=mine_sq.c.list, order_by=mine_sq.c.number)
            .label("rn"),
            func.count().over(partition_by=mine_sq.c.list).label("total"),
        )
        .where(mine_sq.c.list > 0)
        .subquery("ranked")
    )
    lists = (
        sa_select(ranked.c.id, ranked.c.list, ranked.c.total)
        .where(ranked.c.rn <= _LIMIT)
        .order_by(ranked.c.list)
    )
    rows = (
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
    order = (col(Inspection.requested_date), col(Inspection.period), col(Inspection.id))
    # A correlated EXISTS (not an IN list of the company's permits): the database starts
    # from the open inspections — a few hundred in the whole city — in date order.
    open_ids = (
        sa_select(col(Inspection.id), func.count().over().label("total"))
        .where(
            col(Inspection.status).in_(OPEN_INSPECTION_STATUSES),
            contact_exists(cast(int, _COMPANY), col(Inspection.permit_id)),
        )
        .order_by(*order)
        .limit(_LIMIT)
    )
    inspection_rows = (
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
        .order_by(*order)
    )
    return lists, rows, open_ids, inspection_rows


def company_first_pages(
    source: Session | Connection,
    company_id: int,
    on: date,
    size: int,
    active: Callable[[date], Any],
    expired: Callable[[date], Any],
    record_type: str,
) -> tuple[
    Page[ActivePermitRow, str],
    Page[ActiveInspectionRow, InspectionKey],
    Page[ExpiredPermitRow, str],
]:
    """The first page (``size`` rows) of each dashboard list of company ``company_id`` on
    day ``on``, with the lists' totals. ``active``/``expired`` are the list rules."""
    lists, rows, open_ids, inspection_rows = _statements(active, expired)
    conn = source.connection() if isinstance(source, Session) else source
    params = {"company": company_id, "today": on, "limit": size + 1}
    ranked = conn.execute(lists, params).all()
    totals = {ACTIVE: 0, EXPIRED: 0}
    ids: dict[int, list[int]] = {ACTIVE: [], EXPIRED: []}
    for permit_id, which, total in ranked:
        totals[which] = int(total)
        ids[which].append(permit_id)
    wanted = ids[ACTIVE][:size] + ids[EXPIRED][:size]
    found = conn.execute(rows, {"ids": wanted}).all() if wanted else []
    by_list = {pid: which for which in (ACTIVE, EXPIRED) for pid in ids[which][:size]}
    active_items: list[ActivePermitRow] = []
    expired_items: list[ExpiredPermitRow] = []
    for pid, number, address, ptype, status, expires_on, finaled_on, on_hold, due, typed in found:
        if by_list[pid] == ACTIVE:
            facts = _Facts(status, expires_on, finaled_on, bool(on_hold))
            active_items.append(
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
            expired_items.append(
                ExpiredPermitRow(
                    number=number,
                    address=address or "",
                    permit_type=ptype,
                    status=status,
                    expired_on=expires_on,
                    fees_due_cents=int(due),
                )
            )
    page_ids = conn.execute(open_ids, params).all()
    inspections_total = int(page_ids[0][1]) if page_ids else 0
    wanted = [i for i, _ in page_ids[:size]]
    insp_found = conn.execute(inspection_rows, {"ids": wanted}).all() if wanted else []
    insp_items = tuple(
        ActiveInspectionRow(
            inspection_id=iid,
            record_no=number,
            record_type=record_type,
            record_status=pstatus,
            address=address or "",
            inspection_type=tname,
            date=day,
            period=period,
            status=status,
            inspector_name=inspector or "",
        )
        for iid, number, pstatus, address, tname, day, period, status, inspector in insp_found
    )
    insp_next: InspectionKey | None = None
    if len(page_ids) > size and insp_items:
        last = insp_items[-1]
        insp_next = (last.date, last.period, last.inspection_id)
    return (
        Page(
            items=tuple(active_items),
            next_key=_next(active_items, ids[ACTIVE], size),
            total=totals[ACTIVE],
        ),
        Page(items=insp_items, next_key=insp_next, total=inspections_total),
        Page(
            items=tuple(expired_items),
            next_key=_next(expired_items, ids[EXPIRED], size),
            total=totals[EXPIRED],
        ),
    )


def _next(items: list[Any], ids: list[int], size: int) -> str | None:
    """The next page's key: the last number shown, if the list holds more."""
    return items[-1].number if len(ids) > size and items else None


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


RECORD_TYPE = "PERMIT"
CLOSED_STATUSES = (PermitStatus.FINALED, PermitStatus.EXPIRED, PermitStatus.VOID)
MAX_PAGE = 500
"""Attachments larger than this (10 MB) are not emailed."""


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


# --------------------------------------------------------------------------- dashboard


def _permit_rows(
    session: Session,
    actor: Actor,
    condition: ColumnElement[bool],
    after: str | None,
    limit: int,
    total: int | None = None,
) -> tuple[list[tuple[Permit, str | None, int, bool]], str | None, int]:
    """One keyset page of permits: rows (permit, address, fees due, has types), next key, and
    the list's total (counted here unless the caller counted it already)."""
    scope = and_(private_scope(actor), condition)
    page_ids = select(Permit.id).where(scope).order_by(col(Permit.number)).limit(limit + 1)
    if after is not None:
        page_ids = page_ids.where(col(Permit.number) > after)
    ids = list(session.exec(page_ids).all())
    more = len(ids) > limit
    ids = ids[:limit]
    rows: list[tuple[Permit, str | None, int, bool]] = []
    if ids:
        found = session.exec(
            select(
                Permit,
                col(Parcel.address),
                fees_due_expr().label("fees_due"),
                has_inspection_types_expr().label("has_types"),
            )
            .outerjoin(Parcel, col(Permit.parcel_id) == col(Parcel.id))
            .where(col(Permit.id).in_(ids))
            .order_by(col(Permit.number))
        ).all()
        rows = [(p, addr, int(due), bool(typed)) for p, addr, due, typed in found]
    if total is None:
        total = int(session.exec(select(func.count()).select_from(Permit).where(scope)).one())
    next_key = rows[-1][0].number if more and rows else None
    return rows, next_key, total


def _permit_counts(session: Session, actor: Actor, on: date) -> tuple[int, int]:
    """Totals of *My Active Permits* and *My Expired Permits* in one pass over the permits."""
    active, expired = session.exec(
        select(
            func.coalesce(func.sum(case((active_condition(on), 1), else_=0)), 0),
            func.coalesce(func.sum(case((expired_condition(on), 1), else_=0)), 0),
        )
        .select_from(Permit)
        .where(private_scope(actor))
    ).one()
    return int(active), int(expired)


def _active_permits(
    session: Session,
    actor: Actor,
    on: date,
    after: str | None,
    limit: int,
    total: int | None = None,
) -> Page[ActivePermitRow, str]:
    rows, next_key, total = _permit_rows(session, actor, active_condition(on), after, limit, total)
    items = tuple(
        ActivePermitRow(
            number=p.number,
            address=addr or "",
            permit_type=p.permit_type,
            status=p.status,
            expires_on=p.expires_on,
            can_request=can_request(p, has_inspection_types=typed, today=on),
            fees_due_cents=due,
        )
        for p, addr, due, typed in rows
    )
    return Page(items=items, next_key=next_key, total=total)


def _expired_permits(
    session: Session,
    actor: Actor,
    on: date,
    after: str | None,
    limit: int,
    total: int | None = None,
) -> Page[ExpiredPermitRow, str]:
    rows, next_key, total = _permit_rows(session, actor, expired_condition(on), after, limit, total)
    items = tuple(
        ExpiredPermitRow(
            number=p.number,
            address=addr or "",
            permit_type=p.permit_type,
            status=p.status,
            expired_on=p.expires_on,
            fees_due_cents=due,
        )
        for p, addr, due, _ in rows
    )
    return Page(items=items, next_key=next_key, total=total)


def _inspector_names(session: Session, ids: Sequence[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    found = session.exec(
        select(StaffUser.id, StaffUser.full_name).where(col(StaffUser.id).in_(wanted))
    ).all()
    return {i: name for i, name in found if i is not None}


def _active_inspections(
    session: Session, actor: Actor, after: InspectionKey | None, limit: int
) -> Page[ActiveInspectionRow, InspectionKey]:
    scope = and_(
        col(Inspection.status).in_(OPEN_INSPECTION_STATUSES),
        private_scope(actor, col(Inspection.permit_id)),
    )
    order = (col(Inspection.requested_date), col(Inspection.period), col(Inspection.id))
    # First the page's ids (from the inspections of the actor's permits), then their rows:
    # joining first would let the planner walk every inspection type x permit.
    page_ids = select(Inspection.id).where(scope).order_by(*order).limit(limit + 1)
    if after is not None:
        page_ids = page_ids.where(tuple_(*order) > tuple_(*after))
    ids = list(session.exec(page_ids).all())
    more = len(ids) > limit
    ids = ids[:limit]
    rows = (
        session.exec(
            select(Inspection, Permit, Parcel, InspectionType)
            .join(Permit, col(Permit.id) == col(Inspection.permit_id))
            .outerjoin(Parcel, col(Parcel.id) == col(Permit.parcel_id))
            .join(InspectionType, col(InspectionType.id) == col(Inspection.inspection_type_id))
            .where(col(Inspection.id).in_(ids))
            .order_by(*order)
        ).all()
        if ids
        else []
    )
    names = _inspector_names(session, [i.inspector_id for i, _, _, _ in rows])
    items = tuple(
        ActiveInspectionRow(
            inspection_id=_id(insp.id),
            record_no=permit.number,
            record_type=RECORD_TYPE,
            record_status=permit.status,
            address=parcel.address if parcel else "",
            inspection_type=itype.name,
            date=insp.requested_date,
            period=insp.period,
            status=insp.status,
            inspector_name=names.get(insp.inspector_id or 0, ""),
        )
        for insp, permit, parcel, itype in rows
    )
    next_key: InspectionKey | None = None
    if more and items:
        last = items[-1]
        next_key = (last.date, last.period, last.inspection_id)
    total = session.exec(select(func.count()).select_from(Inspection).where(scope)).one()
    return Page(items=items, next_key=next_key, total=int(total))


def _id(value: int | None) -> int:
    assert value is not None
    return value


def active_permits_page(
    db: Database, actor: Actor, after_key: str | None = None, limit: int = 50
) -> Page[ActivePermitRow, str]:
    """One page of *My Active Permits*, after permit number ``after_key``."""
    with db.read() as session:
        return _active_permits(session, actor, today(db), after_key, _limit(limit))


def expired_permits_page(
    db: Database, actor: Actor, after_key: str | None = None, limit: int = 50
) -> Page[ExpiredPermitRow, str]:
    """One page of *My Expired Permits*, after permit number ``after_key``."""
    with db.read() as session:
        return _expired_permits(session, actor, today(db), after_key, _limit(limit))


def active_inspections_page(
    db: Database, actor: Actor, after_key: InspectionKey | None = None, limit: int = 50
) -> Page[ActiveInspectionRow, InspectionKey]:
    """One page of *My Active Inspections* (date, then AM before PM), after ``after_key``."""
    with db.read() as session:
        return _active_inspections(session, actor, after_key, _limit(limit))


def dashboard(
    db: Database, actor: Actor, *, page_size: int = 50, after: DashboardAfter | None = None
) -> Dashboard:
    """The three dashboard lists (one page each, with their totals), read consistently.

    A company's first pages come from :func:`dashboard_read.company_first_pages` (four
    statements); other actors and later pages read each list on its own."""
    where = after or DashboardAfter()
    size = _limit(page_size)
    on = today(db)
    if actor.kind is ActorKind.COMPANY and actor.id is not None and where == DashboardAfter():
        with db.read_conn() as conn:
            first = company_first_pages(
                conn, actor.id, on, size, active_condition, expired_condition, RECORD_TYPE
            )
        return Dashboard(
            active_permits=first[0], active_inspections=first[1], expired_permits=first[2]
        )
    with db.read() as session:
        active, expired = _permit_counts(session, actor, on)
        return Dashboard(
            active_permits=_active_permits(session, actor, on, where.active_permits, size, active),
            active_inspections=_active_inspections(session, actor, where.active_inspections, size),
            expired_permits=_expired_permits(
                session, actor, on, where.expired_permits, size, expired
            ),
        )

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
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any, cast

from sqlalchemy import Connection, Date, Integer, bindparam, case, func, select
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import Session, col

from etrakit_tui.domain.access import contact_exists, private_scope
from etrakit_tui.domain.actors import Actor, ActorKind
from etrakit_tui.domain.fees import fees_due_expr
from etrakit_tui.domain.inspections import can_request, has_inspection_types_expr
from etrakit_tui.domain.models import (
    OPEN_INSPECTION_STATUSES,
    Inspection,
    InspectionType,
    Parcel,
    Permit,
    StaffUser,
)
from etrakit_tui.domain.readmodels import (
    ActiveInspectionRow,
    ActivePermitRow,
    ExpiredPermitRow,
    InspectionKey,
    Page,
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
    mine = select(col(Permit.id), col(Permit.number), which).where(private_scope(company))
    mine_sq = mine.subquery("mine")
    ranked = (
        select(
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
        select(ranked.c.id, ranked.c.list, ranked.c.total)
        .where(ranked.c.rn <= _LIMIT)
        .order_by(ranked.c.list)
    )
    rows = (
        select(
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
        select(col(Inspection.id), func.count().over().label("total"))
        .where(
            col(Inspection.status).in_(OPEN_INSPECTION_STATUSES),
            contact_exists(cast(int, _COMPANY), col(Inspection.permit_id)),
        )
        .order_by(*order)
        .limit(_LIMIT)
    )
    inspection_rows = (
        select(
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

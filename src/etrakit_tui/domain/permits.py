"""Permits: the dashboard's three lists and the *Permit #<no>* detail.

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

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, tuple_
from sqlmodel import Session, col, select

from etrakit_tui.domain import audit
from etrakit_tui.domain.access import (
    permit_for,
    permit_scoped,
    private_scope,
    scoped_row,
)
from etrakit_tui.domain.actors import Actor, ActorKind
from etrakit_tui.domain.calendar import local_today
from etrakit_tui.domain.dashboard_read import company_first_pages
from etrakit_tui.domain.db import Database
from etrakit_tui.domain.errors import RuleViolation
from etrakit_tui.domain.fees import fees_due_expr
from etrakit_tui.domain.inspection_common import audited_refusals
from etrakit_tui.domain.inspections import can_request, has_inspection_types_expr
from etrakit_tui.domain.models import (
    OPEN_INSPECTION_STATUSES,
    Attachment,
    Company,
    Inspection,
    InspectionType,
    Outbox,
    OutboxStatus,
    Parcel,
    Permit,
    PermitStatus,
    StaffUser,
)
from etrakit_tui.domain.notify import MAX_ADDRESS, attachment_email, header_text, queue_email
from etrakit_tui.domain.permit_read import (
    attachment_rows,
    condition_rows,
    contact_rows,
    fee_breakdown_rows,
    inspection_rows,
    permit_facts,
    review_rows_of,
)
from etrakit_tui.domain.readmodels import (
    ActiveInspectionRow,
    ActivePermitRow,
    Dashboard,
    DashboardAfter,
    ExpiredPermitRow,
    InspectionKey,
    InspectionRow,
    Page,
    PermitDetail,
    PermitInfo,
    SiteInfo,
    ViewerFlags,
)
from etrakit_tui.domain.reviews import sort_reviews
from etrakit_tui.filenames import safe_filename

RECORD_TYPE = "PERMIT"
CLOSED_STATUSES = (PermitStatus.FINALED, PermitStatus.EXPIRED, PermitStatus.VOID)
MAX_PAGE = 500
MAX_EMAIL_ATTACHMENT_BYTES = 10 * 1024 * 1024
"""Attachments larger than this (10 MB) are not emailed."""
NO_COMPANY_EMAIL = "Your company profile has no email address; add one on the Profile screen."


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


# --------------------------------------------------------------------------- detail


def _site(parcel: Parcel | None) -> SiteInfo | None:
    if parcel is None:
        return None
    return SiteInfo(
        apn=parcel.apn,
        address=parcel.address,
        city=parcel.city,
        zip=parcel.zip,
        zoning=parcel.zoning,
        lot=parcel.lot,
        tract=parcel.tract,
        owner_name=parcel.owner_name,
        district=parcel.district,
    )


def _info(p: Permit) -> PermitInfo:
    return PermitInfo(
        number=p.number,
        permit_type=p.permit_type,
        subtype=p.subtype,
        description=p.description,
        status=p.status,
        applied_on=p.applied_on,
        approved_on=p.approved_on,
        issued_on=p.issued_on,
        finaled_on=p.finaled_on,
        expires_on=p.expires_on,
        on_hold=p.on_hold,
        notes=p.notes,
    )


def _inspections(session: Session, permit_id: int) -> tuple[InspectionRow, ...]:
    found = session.exec(
        select(Inspection, InspectionType)
        .join(InspectionType, col(InspectionType.id) == col(Inspection.inspection_type_id))
        .where(col(Inspection.permit_id) == permit_id)
        .order_by(
            col(Inspection.requested_date).desc(),
            col(Inspection.period).desc(),
            col(Inspection.id).desc(),
        )
    ).all()
    names = _inspector_names(session, [i.inspector_id for i, _ in found])
    return tuple(
        InspectionRow(
            inspection_id=_id(i.id),
            inspection_type=t.name,
            date=i.requested_date,
            period=i.period,
            status=i.status,
            inspector_name=names.get(i.inspector_id or 0, ""),
            comments=i.comments,
            resulted_at=i.resulted_at,
        )
        for i, t in found
    )


def _children(session: Session, model: Any, permit_id: int, *order: Any) -> list[Any]:
    return list(session.exec(select(model).where(model.permit_id == permit_id).order_by(*order)))


@permit_scoped
def permit_detail(db: Database, actor: Actor, number: str) -> PermitDetail:
    """Every tab of *Permit #<no>*: only for actors who may see the permit's private parts
    (a company that is not a contact gets ``NotFound``, audited). Eight column selects
    (:mod:`permit_read`): the permit with its parcel and access check, then one per tab."""
    on = today(db)
    with db.read_conn() as conn:
        permit = permit_facts(conn, actor, number)
        pid = permit.id
        contacts = contact_rows(conn, actor, pid)
        conditions = condition_rows(conn, pid)
        attachments = attachment_rows(conn, pid)
        inspections = inspection_rows(conn, pid)
        fees = fee_breakdown_rows(conn, permit.number, pid)
        reviews = sort_reviews(review_rows_of(conn, pid))
    offered = can_request(permit, has_inspection_types=permit.has_types, today=on)
    has_open = any(i.status in OPEN_INSPECTION_STATUSES for i in inspections)
    acts_for_permit = actor.is_company or actor.is_staff
    return PermitDetail(
        info=permit.info(),
        site=permit.site,
        contacts=contacts,
        inspections=inspections,
        conditions=conditions,
        reviews=reviews,
        attachments=attachments,
        fees=fees,
        can_request=offered,
        flags=ViewerFlags(
            may_request_inspection=offered and acts_for_permit,
            may_cancel_inspections=has_open and acts_for_permit,
            may_record_results=has_open and (actor.is_inspector or actor.is_staff),
            may_record_payment=actor.is_staff and fees.amount_due_cents > 0,
            may_post_reviews=actor.is_staff,
        ),
    )


@permit_scoped
def parcel_info(db: Database, actor: Actor, number: str) -> SiteInfo | None:
    """The *Site Info* of permit ``number`` (the dashboard's "open the parcel" key)."""
    with db.read() as session:
        permit = permit_for(session, actor, number, private=True)
        return _site(session.get(Parcel, permit.parcel_id) if permit.parcel_id else None)


@permit_scoped
def attachment_content(db: Database, actor: Actor, attachment_id: int) -> tuple[str, str, bytes]:
    """``(filename, content_type, bytes)`` of an attachment the actor may see."""
    with db.read() as session:
        attachment, _ = scoped_row(session, actor, Attachment, attachment_id, what="attachment")
        return attachment.filename, attachment.content_type, attachment.data or b""


@permit_scoped
def email_attachment(db: Database, actor: Actor, attachment_id: int) -> str:
    """Queue an email carrying the attachment to the actor's company profile address (the
    outbox sends it once); returns that address. One transaction with its audit line.

    Refused: an attachment the company may not see (``NotFound``, like a missing one); a
    staff or inspector account, a company without an email address, a file over
    :data:`MAX_EMAIL_ATTACHMENT_BYTES`, or the same file still waiting to go to the same
    address (:class:`RuleViolation`). Every refusal is audited."""
    target = f"attachment {attachment_id}"
    with audited_refusals(db, actor, "attachment_emailed", target), db.write() as s:
        attachment, permit = scoped_row(s, actor, Attachment, attachment_id, what="attachment")
        if not actor.is_company:
            raise RuleViolation(
                "Attachments are emailed to a company's profile address; this account has none."
            )
        locked = select(Company).where(col(Company.id) == actor.id).with_for_update()
        company = s.exec(locked.execution_options(populate_existing=True)).one()
        to = header_text(company.email, MAX_ADDRESS)
        if not to:
            raise RuleViolation(NO_COMPANY_EMAIL)
        name = safe_filename(attachment.filename)
        size = len(attachment.data or b"")
        if size > MAX_EMAIL_ATTACHMENT_BYTES:
            limit = MAX_EMAIL_ATTACHMENT_BYTES // (1024 * 1024)
            raise RuleViolation(
                f"{name} is {size / (1024 * 1024):.1f} MB; files over {limit} MB are not "
                f"emailed. Call the {db.jurisdiction.division} at {db.jurisdiction.phone}."
            )
        waiting = select(col(Outbox.id)).where(
            col(Outbox.attachment_id) == attachment_id,
            col(Outbox.to_addr) == to,
            col(Outbox.status) == OutboxStatus.PENDING.value,
        )
        if s.exec(waiting).first() is not None:
            raise RuleViolation(f"{name} is already waiting to be emailed to {to}.")
        site = s.get(Parcel, permit.parcel_id) if permit.parcel_id else None
        draft = attachment_email(
            db.jurisdiction,
            to=to,
            company_name=company.name,
            permit_number=permit.number,
            address=site.address if site else "",
            filename=name,
            size=size,
        )
        now = db.now()
        queue_email(s, draft, at=now, attachment_id=attachment_id)
        detail = f"{name} ({size} bytes) to {to}"
        audit.record(s, actor, "attachment_emailed", at=now, target=permit.number, detail=detail)
        return to

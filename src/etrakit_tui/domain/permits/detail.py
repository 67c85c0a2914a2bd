"""*Permit #<no>*: the permit with its tabs, and the parcel view (SPEC §2.3).

Core reads: the permit with its access check in one statement (:func:`access.permit_facts`:
its parcel, whether its type has inspection types and whether the viewer may see its
private parts), then one statement per tab — column selects built once, rows as tuples
(fees: :func:`fees.breakdown_of`; reviews: :func:`reviews.review_rows_of`). A refusal is the
same :class:`AccessDenied` as :func:`access.permit_for` (the ``permit_scoped`` service
audits it).
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Connection, Integer, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import col

from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.inspections.calendar import local_today
from etrakit_tui.domain.inspections.requests import can_request
from etrakit_tui.domain.permits.access import permit_facts, permit_scoped
from etrakit_tui.domain.permits.fees import breakdown_of
from etrakit_tui.domain.permits.reviews import review_rows_of, sort_reviews
from etrakit_tui.domain.permits.views import (
    AttachmentRow,
    ConditionRow,
    ContactRow,
    InspectionRow,
    PermitDetail,
    SiteInfo,
    ViewerFlags,
)
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import (
    OPEN_INSPECTION_STATUSES,
    Attachment,
    Condition,
    Inspection,
    InspectionType,
    PermitContact,
    StaffUser,
)

_PERMIT = bindparam("permit", type_=Integer)


# --------------------------------------------------------------------------- the tabs


@functools.cache
def _tab_statements() -> dict[str, Any]:
    by_permit = _PERMIT
    return {
        "contacts": sa_select(
            col(PermitContact.role),
            col(PermitContact.name),
            col(PermitContact.phone),
            col(PermitContact.email),
            col(PermitContact.company_id),
        )
        .where(col(PermitContact.permit_id) == by_permit)
        .order_by(col(PermitContact.id)),
        "conditions": sa_select(
            col(Condition.name),
            col(Condition.description),
            col(Condition.status),
            col(Condition.created_on),
        )
        .where(col(Condition.permit_id) == by_permit)
        .order_by(col(Condition.created_on), col(Condition.id)),
        "attachments": sa_select(
            col(Attachment.id),
            col(Attachment.filename),
            col(Attachment.size),
            col(Attachment.uploaded_at),
            col(Attachment.content_type),
        )
        .where(col(Attachment.permit_id) == by_permit)
        .order_by(col(Attachment.uploaded_at), col(Attachment.id)),
        "inspections": sa_select(
            col(Inspection.id),
            col(InspectionType.name),
            col(Inspection.requested_date),
            col(Inspection.period),
            col(Inspection.status),
            col(StaffUser.full_name),
            col(Inspection.comments),
            col(Inspection.resulted_at),
        )
        .join(InspectionType, col(InspectionType.id) == col(Inspection.inspection_type_id))
        .outerjoin(StaffUser, col(StaffUser.id) == col(Inspection.inspector_id))
        .where(col(Inspection.permit_id) == by_permit)
        .order_by(
            col(Inspection.requested_date).desc(),
            col(Inspection.period).desc(),
            col(Inspection.id).desc(),
        ),
    }


def _tab(conn: Connection, name: str, permit_id: int) -> list[Any]:
    return list(conn.execute(_tab_statements()[name], {"permit": permit_id}))


def _contact_rows(conn: Connection, actor: Actor, permit_id: int) -> tuple[ContactRow, ...]:
    """*Contacts*, in the order they were added; ``is_viewer`` marks the viewer's company."""
    company = actor.id if actor.is_company else None
    return tuple(
        ContactRow(role, name, phone, email, company is not None and company_id == company)
        for role, name, phone, email, company_id in _tab(conn, "contacts", permit_id)
    )


def _condition_rows(conn: Connection, permit_id: int) -> tuple[ConditionRow, ...]:
    """*Conditions*, oldest first."""
    return tuple(ConditionRow(*row) for row in _tab(conn, "conditions", permit_id))


def _attachment_rows(conn: Connection, permit_id: int) -> tuple[AttachmentRow, ...]:
    """*Attachments* (without their bytes), oldest first."""
    return tuple(AttachmentRow(*row) for row in _tab(conn, "attachments", permit_id))


def _inspection_rows(conn: Connection, permit_id: int) -> tuple[InspectionRow, ...]:
    """*Inspections*, newest first (date, then PM before AM, then id)."""
    return tuple(
        InspectionRow(iid, tname, day, period, status, inspector or "", comments, resulted)
        for iid, tname, day, period, status, inspector, comments, resulted in _tab(
            conn, "inspections", permit_id
        )
    )


# --------------------------------------------------------------------------- detail


@permit_scoped
def permit_detail(db: Database, actor: Actor, number: str) -> PermitDetail:
    """Every tab of *Permit #<no>*: only for actors who may see the permit's private parts
    (a company that is not a contact gets ``NotFound``, audited). Eight column selects
    (above): the permit with its parcel and access check, then one per tab."""
    on = local_today(db.jurisdiction, db.now())
    with db.read_conn() as conn:
        permit = permit_facts(conn, actor, number)
        pid = permit.id
        contacts = _contact_rows(conn, actor, pid)
        conditions = _condition_rows(conn, pid)
        attachments = _attachment_rows(conn, pid)
        inspections = _inspection_rows(conn, pid)
        fees = breakdown_of(conn, permit)
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
    with db.read_conn() as conn:
        return permit_facts(conn, actor, number).site

"""Core reads behind *Permit #<no>*: the permit with its access check in one statement, and
one statement per tab — column selects built once, rows as tuples.

:func:`permits.permit_detail` used 13 ORM statements (the permit entity, a separate contact
check, the parcel, each tab's entities, inspector names, a types check, fees and payments)
and built each statement again on every call; :func:`reviews.reviews_for` 3. Here the
permit row carries its parcel, whether its type has inspection types and whether the viewer
may see its private parts (:func:`access.private_scope` with the viewer as a bound
parameter), so the detail takes 8 statements and the reviews tab 2.

A refusal raises the same :class:`access.AccessDenied` as :func:`access.permit_for` (the
``permit_scoped`` service audits it).
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Integer, String, bindparam, select
from sqlmodel import Session, col

from etrakit_tui.domain.access import (
    MAX_NUMBER_LENGTH,
    AccessDenied,
    normalise_number,
    private_scope,
)
from etrakit_tui.domain.actors import Actor, ActorKind
from etrakit_tui.domain.errors import NotFound
from etrakit_tui.domain.inspections import has_inspection_types_expr
from etrakit_tui.domain.models import (
    Attachment,
    Condition,
    Fee,
    Inspection,
    InspectionType,
    Parcel,
    Payment,
    Permit,
    PermitContact,
    Review,
    StaffUser,
)
from etrakit_tui.domain.readmodels import (
    AttachmentRow,
    ConditionRow,
    ContactRow,
    FeeBreakdown,
    FeeRow,
    InspectionRow,
    PaymentRow,
    PermitInfo,
    ReviewRow,
    SiteInfo,
)

_VIEWER = bindparam("viewer", type_=Integer)
_NUMBER = bindparam("number", type_=String)
_PERMIT = bindparam("permit", type_=Integer)


class PermitFacts(NamedTuple):
    """The permit row of a detail: what the tabs and the rules need."""

    id: int
    number: str
    permit_type: str
    subtype: str
    description: str
    status: str
    applied_on: date | None
    approved_on: date | None
    issued_on: date | None
    finaled_on: date | None
    expires_on: date | None
    on_hold: bool
    notes: str
    has_types: bool
    site: SiteInfo | None

    def info(self) -> PermitInfo:
        return PermitInfo(
            number=self.number,
            permit_type=self.permit_type,
            subtype=self.subtype,
            description=self.description,
            status=self.status,
            applied_on=self.applied_on,
            approved_on=self.approved_on,
            issued_on=self.issued_on,
            finaled_on=self.finaled_on,
            expires_on=self.expires_on,
            on_hold=self.on_hold,
            notes=self.notes,
        )


_PERMIT_COLUMNS = (
    col(Permit.id),
    col(Permit.number),
    col(Permit.permit_type),
    col(Permit.subtype),
    col(Permit.description),
    col(Permit.status),
    col(Permit.applied_on),
    col(Permit.approved_on),
    col(Permit.issued_on),
    col(Permit.finaled_on),
    col(Permit.expires_on),
    col(Permit.on_hold),
    col(Permit.notes),
)
_SITE_COLUMNS = (
    col(Parcel.id),
    col(Parcel.apn),
    col(Parcel.address),
    col(Parcel.city),
    col(Parcel.zip),
    col(Parcel.zoning),
    col(Parcel.lot),
    col(Parcel.tract),
    col(Parcel.owner_name),
    col(Parcel.district),
)


@functools.cache
def _permit_statement(kind: ActorKind) -> Any:
    """The permit by number with its parcel, its types flag and the viewer's access."""
    viewer = Actor(kind, cast(int, _VIEWER), "")
    return (
        select(
            *_PERMIT_COLUMNS,
            has_inspection_types_expr().label("has_types"),
            private_scope(viewer).label("allowed"),
            *_SITE_COLUMNS,
        )
        .outerjoin(Parcel, col(Parcel.id) == col(Permit.parcel_id))
        .where(col(Permit.number) == _NUMBER)
    )


def permit_facts(source: Session | Connection, actor: Actor, permit_no: str) -> PermitFacts:
    """Permit ``permit_no`` if ``actor`` may see its private parts; ``NotFound("permit")``
    for a missing permit and an :class:`AccessDenied` (the same message) for a refused one.

    The check itself, like :func:`access.permit_for` (not a service: it takes the caller's
    session or connection, e.g. :meth:`Database.read_conn`'s; the ``permit_scoped`` service
    calling it audits the refusal)."""
    wanted = normalise_number(permit_no)
    if not wanted or len(wanted) > MAX_NUMBER_LENGTH:
        raise NotFound("permit")
    params = {"number": wanted, "viewer": actor.id if actor.id is not None else 0}
    # no id: no private parts (private_scope's rule), as for an anonymous caller
    kind = ActorKind.ANONYMOUS if actor.id is None and not actor.is_staff else actor.kind
    conn = source.connection() if isinstance(source, Session) else source
    row = conn.execute(_permit_statement(kind), params).first()
    if row is None:
        raise NotFound("permit")
    base = row[: len(_PERMIT_COLUMNS)]
    has_types, allowed = row[len(_PERMIT_COLUMNS)], row[len(_PERMIT_COLUMNS) + 1]
    if not allowed:
        raise AccessDenied("permit", actor=actor, target=base[1], detail="private")
    parcel = row[len(_PERMIT_COLUMNS) + 2 :]
    site = SiteInfo(*parcel[1:]) if parcel[0] is not None else None
    return PermitFacts._make((*base, bool(has_types), site))


# --------------------------------------------------------------------------- the tabs


@functools.cache
def _tab_statements() -> dict[str, Any]:
    by_permit = _PERMIT
    return {
        "contacts": select(
            col(PermitContact.role),
            col(PermitContact.name),
            col(PermitContact.phone),
            col(PermitContact.email),
            col(PermitContact.company_id),
        )
        .where(col(PermitContact.permit_id) == by_permit)
        .order_by(col(PermitContact.id)),
        "conditions": select(
            col(Condition.name),
            col(Condition.description),
            col(Condition.status),
            col(Condition.created_on),
        )
        .where(col(Condition.permit_id) == by_permit)
        .order_by(col(Condition.created_on), col(Condition.id)),
        "attachments": select(
            col(Attachment.id),
            col(Attachment.filename),
            col(Attachment.size),
            col(Attachment.uploaded_at),
            col(Attachment.content_type),
        )
        .where(col(Attachment.permit_id) == by_permit)
        .order_by(col(Attachment.uploaded_at), col(Attachment.id)),
        "inspections": select(
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
        "fees": select(
            col(Fee.code), col(Fee.description), col(Fee.amount_cents), col(Fee.assessed_on)
        )
        .where(col(Fee.permit_id) == by_permit)
        .order_by(col(Fee.assessed_on), col(Fee.id)),
        "payments": select(
            col(Payment.amount_cents),
            col(Payment.method),
            col(Payment.reference),
            col(Payment.paid_at),
        )
        .where(col(Payment.permit_id) == by_permit)
        .order_by(col(Payment.paid_at), col(Payment.id)),
        "reviews": select(
            col(Review.id),
            col(Review.review_type),
            col(Review.reviewer),
            col(Review.status),
            col(Review.submitted_on),
            col(Review.due_on),
            col(Review.completed_on),
            col(Review.cycle),
            col(Review.notes),
        ).where(col(Review.permit_id) == by_permit),
    }


def _tab(conn: Connection, name: str, permit_id: int) -> list[Any]:
    return list(conn.execute(_tab_statements()[name], {"permit": permit_id}))


def contact_rows(conn: Connection, actor: Actor, permit_id: int) -> tuple[ContactRow, ...]:
    """*Contacts*, in the order they were added; ``is_viewer`` marks the viewer's company."""
    company = actor.id if actor.is_company else None
    return tuple(
        ContactRow(role, name, phone, email, company is not None and company_id == company)
        for role, name, phone, email, company_id in _tab(conn, "contacts", permit_id)
    )


def condition_rows(conn: Connection, permit_id: int) -> tuple[ConditionRow, ...]:
    """*Conditions*, oldest first."""
    return tuple(ConditionRow(*row) for row in _tab(conn, "conditions", permit_id))


def attachment_rows(conn: Connection, permit_id: int) -> tuple[AttachmentRow, ...]:
    """*Attachments* (without their bytes), oldest first."""
    return tuple(AttachmentRow(*row) for row in _tab(conn, "attachments", permit_id))


def inspection_rows(conn: Connection, permit_id: int) -> tuple[InspectionRow, ...]:
    """*Inspections*, newest first (date, then PM before AM, then id)."""
    return tuple(
        InspectionRow(iid, tname, day, period, status, inspector or "", comments, resulted)
        for iid, tname, day, period, status, inspector, comments, resulted in _tab(
            conn, "inspections", permit_id
        )
    )


def fee_breakdown_rows(conn: Connection, number: str, permit_id: int) -> FeeBreakdown:
    """*Fees*: each fee and payment, oldest first, and the totals (as
    :func:`fees.breakdown_of` computes them)."""
    fees = tuple(FeeRow(*row) for row in _tab(conn, "fees", permit_id))
    payments = tuple(PaymentRow(*row) for row in _tab(conn, "payments", permit_id))
    total = sum(f.amount_cents for f in fees)
    paid = sum(p.amount_cents for p in payments)
    return FeeBreakdown(
        permit_number=number,
        fees=fees,
        payments=payments,
        total_fees_cents=total,
        total_paid_cents=paid,
        amount_due_cents=total - paid,
    )


def review_rows_of(conn: Connection, permit_id: int) -> list[ReviewRow]:
    """*Reviews*, unordered (the caller sorts them: :func:`reviews.sort_reviews`)."""
    return [
        ReviewRow(
            rid, rtype, reviewer, status, submitted, due, completed, cycle, bool(notes.strip())
        )
        for rid, rtype, reviewer, status, submitted, due, completed, cycle, notes in _tab(
            conn, "reviews", permit_id
        )
    ]

"""The portal's tables, in the portal's own words (SQLModel).

Conventions:

* every timestamp is stored in UTC (:class:`UTCDateTime` gives back aware datetimes);
  calendar dates (applied, issued, requested date...) are plain ``date`` in the
  jurisdiction's zone;
* money is integer cents;
* names of constraints and indexes follow :data:`NAMING_CONVENTION`, so Alembic
  migrations are stable on SQLite and PostgreSQL alike.

Services never hand these rows to the TUI; they return read models.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import DateTime as SADateTime
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC; refuses naive input (a bug waiting to happen)."""

    impl = SADateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # pragma: no cover - SQLite always parses via the type
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_column(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def utc_required() -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=False))


class PermitStatus(StrEnum):
    APPLIED = "APPLIED"
    IN_REVIEW = "IN REVIEW"
    APPROVED = "APPROVED"
    ISSUED = "ISSUED"
    ACTIVE = "ACTIVE"
    FINALED = "FINALED"
    EXPIRED = "EXPIRED"
    VOID = "VOID"


class InspectionStatus(StrEnum):
    REQUESTED = "REQUESTED"
    SCHEDULED = "SCHEDULED"
    PASSED = "PASSED"
    PARTIAL = "PARTIAL"
    FAILED = "FAILED"
    CORRECTION = "CORRECTION"
    NOT_READY = "NOT READY"
    CANCELLED = "CANCELLED"


OPEN_INSPECTION_STATUSES = (InspectionStatus.REQUESTED, InspectionStatus.SCHEDULED)
RESULT_STATUSES = (
    InspectionStatus.PASSED,
    InspectionStatus.PARTIAL,
    InspectionStatus.FAILED,
    InspectionStatus.CORRECTION,
    InspectionStatus.NOT_READY,
    InspectionStatus.CANCELLED,
)


class ReviewStatus(StrEnum):
    SUBMITTED = "SUBMITTED"
    IN_REVIEW = "IN REVIEW"
    APPROVED = "APPROVED"
    CORRECTIONS_REQUIRED = "CORRECTIONS REQUIRED"


class Period(StrEnum):
    AM = "AM"
    PM = "PM"


class StaffRole(StrEnum):
    STAFF = "staff"
    INSPECTOR = "inspector"


class ContactRole(StrEnum):
    CONTRACTOR = "CONTRACTOR"
    APPLICANT = "APPLICANT"
    OWNER = "OWNER"
    ARCHITECT = "ARCHITECT"
    ENGINEER = "ENGINEER"


class OrderStatus(StrEnum):
    """A payment order's stored status (expired is computed: OPEN and past ``expires_at``)."""

    OPEN = "OPEN"
    PAID = "PAID"
    CANCELLED = "CANCELLED"


class OutboxStatus(StrEnum):
    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = "FAILED"


def _in(column: str, values: type[StrEnum]) -> str:
    listed = ", ".join(f"'{v.value}'" for v in values)
    return f"{column} IN ({listed})"


# --------------------------------------------------------------------------- accounts


# Company names compare byte by byte on both engines (PostgreSQL's "C" collation, SQLite's
# BINARY). ``name_upper`` is computed by the database (ASCII upper case on both), so the login
# picker's case-insensitive prefix range ``name_upper >= P AND name_upper < P'`` is exact and
# served by its index whatever the server's locale.
def c_string(length: int) -> String:
    """A string column compared byte by byte on both engines (``C`` collation on PostgreSQL),
    so prefix ranges (``number >= 'B19' AND number < 'B1:'``) are exact whatever the locale."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


COMPANY_NAME_TYPE = c_string(120)


class Company(SQLModel, table=True):
    """A licensed contractor (or design professional) registered with the division."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(COMPANY_NAME_TYPE, nullable=False, unique=True))
    name_upper: str | None = Field(
        default=None,
        sa_column=Column(COMPANY_NAME_TYPE, Computed("upper(name)", persisted=True), index=True),
    )
    license_no: str = Field(max_length=30, unique=True)
    address: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=80)
    state: str = Field(default="CA", max_length=2)
    zip: str = Field(default="", max_length=10)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=20)
    cell: str = Field(default="", max_length=20)
    fax: str = Field(default="", max_length=20)
    notify_failed_inspection: bool = Field(default=False)
    theme: str | None = Field(default=None, max_length=40)
    password_hash: str | None = Field(default=None, max_length=255)
    pin_hash: str | None = Field(default=None, max_length=255)
    pin_expires_at: datetime | None = utc_column()
    failed_logins: int = Field(default=0)
    locked_until: datetime | None = utc_column()
    disabled: bool = Field(default=False)
    created_at: datetime = utc_required()
    last_login_at: datetime | None = utc_column()

    __table_args__ = (CheckConstraint("failed_logins >= 0", name="failed_logins_nonneg"),)


class StaffUser(SQLModel, table=True):
    """A building-division account: counter staff or a field inspector."""

    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    full_name: str = Field(max_length=120)
    role: str = Field(max_length=16)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=20)
    district: str | None = Field(default=None, max_length=20)
    theme: str | None = Field(default=None, max_length=40)
    password_hash: str = Field(max_length=255)
    failed_logins: int = Field(default=0)
    locked_until: datetime | None = utc_column()
    disabled: bool = Field(default=False)
    created_at: datetime = utc_required()
    last_login_at: datetime | None = utc_column()

    __table_args__ = (
        CheckConstraint(_in("role", StaffRole), name="role_known"),
        CheckConstraint("failed_logins >= 0", name="failed_logins_nonneg"),
    )


# --------------------------------------------------------------------------- permits


class Parcel(SQLModel, table=True):
    """A piece of land: what the portal's Site Info tab shows."""

    id: int | None = Field(default=None, primary_key=True)
    apn: str = Field(sa_column=Column(c_string(20), nullable=False, unique=True))
    address: str = Field(sa_column=Column(c_string(200), nullable=False, index=True))
    city: str = Field(default="HEMET", max_length=80)
    zip: str = Field(default="", max_length=10)
    zoning: str = Field(default="", max_length=20)
    lot: str = Field(default="", max_length=20)
    tract: str = Field(default="", max_length=40)
    owner_name: str = Field(default="", max_length=120)
    district: str = Field(max_length=20)


class Permit(SQLModel, table=True):
    """A building permit; numbers beginning with ``A`` are plan checks."""

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(c_string(12), nullable=False, unique=True))
    permit_type: str = Field(max_length=40, index=True)
    subtype: str = Field(default="", max_length=60)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = Field(max_length=16)
    parcel_id: int | None = Field(default=None, foreign_key="parcel.id", index=True)
    applied_on: date | None = None
    approved_on: date | None = None
    issued_on: date | None = None
    finaled_on: date | None = None
    expires_on: date | None = None
    on_hold: bool = Field(default=False)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = utc_required()

    __table_args__ = (CheckConstraint(_in("status", PermitStatus), name="status_known"),)

    @property
    def is_plan_check(self) -> bool:
        return self.number.startswith("A")


class PermitContact(SQLModel, table=True):
    """A person or company named on a permit. A company sees a permit's private
    parts only where it is a contact."""

    __tablename__ = "permit_contact"

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id", index=True)
    company_id: int | None = Field(default=None, foreign_key="company.id")
    role: str = Field(max_length=16)
    name: str = Field(max_length=120)
    phone: str = Field(default="", max_length=20)
    email: str = Field(default="", max_length=254)

    __table_args__ = (
        CheckConstraint(_in("role", ContactRole), name="role_known"),
        Index("ix_permit_contact_company_id_permit_id", "company_id", "permit_id"),
    )


class InspectionType(SQLModel, table=True):
    """An inspection that may be requested for a permit type (e.g. ELECTRICAL / FINAL)."""

    __tablename__ = "inspection_type"

    id: int | None = Field(default=None, primary_key=True)
    permit_type: str = Field(max_length=40)
    code: str = Field(max_length=40)
    name: str = Field(max_length=80)
    sort_order: int = Field(default=0)
    is_final: bool = Field(default=False)

    __table_args__ = (UniqueConstraint("permit_type", "code"),)


class InspectionPrerequisite(SQLModel, table=True):
    """``inspection_type_id`` may be requested only once ``requires_id`` has passed."""

    __tablename__ = "inspection_prerequisite"

    inspection_type_id: int = Field(foreign_key="inspection_type.id", primary_key=True)
    requires_id: int = Field(foreign_key="inspection_type.id", primary_key=True)

    __table_args__ = (CheckConstraint("inspection_type_id <> requires_id", name="not_self"),)


class InspectionSlot(SQLModel, table=True):
    """Capacity of one district on one day in one AM/PM period."""

    __tablename__ = "inspection_slot"

    id: int | None = Field(default=None, primary_key=True)
    district: str = Field(max_length=20)
    day: date
    period: str = Field(max_length=2)
    capacity: int
    booked: int = Field(default=0)

    __table_args__ = (
        UniqueConstraint("district", "day", "period"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
        CheckConstraint(_in("period", Period), name="period_known"),
    )


class InspectionRequest(SQLModel, table=True):
    """One submission of the inspection request form: the contact data and who sent it.
    Its inspections are all saved or none is."""

    __tablename__ = "inspection_request"

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id", index=True)
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True)
    contact_name: str = Field(max_length=120)
    contact_phone: str = Field(max_length=20)
    contact_email: str = Field(max_length=254)
    site_address: str = Field(max_length=200)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = utc_required()


class Inspection(SQLModel, table=True):
    """One requested inspection: its slot, its inspector, its result."""

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id")
    request_id: int | None = Field(default=None, foreign_key="inspection_request.id", index=True)
    inspection_type_id: int = Field(foreign_key="inspection_type.id")
    slot_id: int | None = Field(default=None, foreign_key="inspection_slot.id", index=True)
    requested_date: date
    period: str = Field(max_length=2)
    status: str = Field(max_length=16)
    inspector_id: int | None = Field(default=None, foreign_key="staff_user.id")
    comments: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    requested_at: datetime = utc_required()
    scheduled_at: datetime | None = utc_column()
    resulted_at: datetime | None = utc_column()
    cancelled_at: datetime | None = utc_column()

    __table_args__ = (
        CheckConstraint(_in("status", InspectionStatus), name="status_known"),
        CheckConstraint(_in("period", Period), name="period_known"),
        Index("ix_inspection_permit_id_status", "permit_id", "status"),
        Index("ix_inspection_inspector_id_requested_date", "inspector_id", "requested_date"),
        Index("ix_inspection_requested_date_status", "requested_date", "status"),
        # the open inspections (few) in date order: the dashboard's list (migration 0002)
        Index("ix_inspection_status_requested_date_period", "status", "requested_date", "period"),
    )


class Review(SQLModel, table=True):
    """A plan review (one discipline, one cycle)."""

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id", index=True)
    cycle: int = Field(default=1)
    review_type: str = Field(max_length=40)
    reviewer: str = Field(max_length=120)
    status: str = Field(max_length=24)
    submitted_on: date
    due_on: date | None = None
    completed_on: date | None = None
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))

    __table_args__ = (
        CheckConstraint(_in("status", ReviewStatus), name="status_known"),
        CheckConstraint("cycle >= 1", name="cycle_positive"),
    )


class Condition(SQLModel, table=True):
    """A condition of approval attached to a permit."""

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id", index=True)
    name: str = Field(max_length=120)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = Field(default="OPEN", max_length=16)
    created_on: date


class Attachment(SQLModel, table=True):
    """A file on a permit (correction notice, photo...). Bytes stored inline."""

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(default="application/octet-stream", max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    data: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    uploaded_at: datetime = utc_required()

    __table_args__ = (CheckConstraint("size >= 0", name="size_nonneg"),)


class Fee(SQLModel, table=True):
    """An amount assessed on a permit, in cents."""

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id", index=True)
    code: str = Field(max_length=20)
    description: str = Field(max_length=120)
    amount_cents: int
    assessed_on: date

    __table_args__ = (CheckConstraint("amount_cents >= 0", name="amount_nonneg"),)


class Payment(SQLModel, table=True):
    """Money received against a permit's fees, recorded by staff."""

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id", index=True)
    amount_cents: int
    method: str = Field(default="CHECK", max_length=20)
    reference: str = Field(default="", max_length=60)
    paid_at: datetime = utc_required()
    recorded_by_id: int | None = Field(default=None, foreign_key="staff_user.id")

    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)


class PaymentOrder(SQLModel, table=True):
    """A company's order to pay the fees of one or more permits (its items), valid until
    ``expires_at``; PAID once the processor's settlement file says so."""

    __tablename__ = "payment_order"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(c_string(20), nullable=False, unique=True))
    company_id: int = Field(foreign_key="company.id", index=True)
    created_at: datetime = utc_required()
    expires_at: datetime = utc_required()
    total_cents: int
    status: str = Field(default=OrderStatus.OPEN.value, max_length=10)
    paid_at: datetime | None = utc_column()
    transaction_id: str | None = Field(default=None, max_length=80, unique=True)
    created_by: str = Field(default="", max_length=120)

    __table_args__ = (
        CheckConstraint("total_cents > 0", name="total_positive"),
        CheckConstraint(_in("status", OrderStatus), name="status_known"),
    )


class PaymentOrderItem(SQLModel, table=True):
    """One permit's amount due when its order was made. Never changed afterwards."""

    __tablename__ = "payment_order_item"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="payment_order.id", index=True)
    permit_id: int = Field(foreign_key="permit.id", index=True)
    amount_cents: int

    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        UniqueConstraint("order_id", "permit_id"),
    )


# --------------------------------------------------------------------------- field mode


class SubmissionOutcome(StrEnum):
    """What the city did with a result sent from a field laptop."""

    APPLIED = "APPLIED"
    CONFLICT = "CONFLICT"


class FieldCheckout(SQLModel, table=True):
    """An inspector's route for one day, copied to a field laptop. Only the sync token's
    sha256 is kept: the raw token lives in the field file."""

    __tablename__ = "field_checkout"

    id: int | None = Field(default=None, primary_key=True)
    inspector_id: int = Field(foreign_key="staff_user.id", index=True)
    day: date
    created_at: datetime = utc_required()
    token_hash: str = Field(max_length=64, unique=True)


class FieldSubmission(SQLModel, table=True):
    """One result sent from a field laptop, kept forever: its idempotency key (``uuid``),
    what the inspector recorded and when (device clock), what the city did with it and
    why, and the inspection's status and inspector when it arrived."""

    __tablename__ = "field_submission"

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(max_length=32, unique=True)
    checkout_id: int = Field(foreign_key="field_checkout.id", index=True)
    inspection_id: int = Field(index=True)
    inspector_id: int = Field(foreign_key="staff_user.id")
    status: str = Field(max_length=16)
    comments: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    recorded_at: datetime = utc_required()
    performed_at: datetime = utc_required()
    received_at: datetime = utc_required()
    outcome: str = Field(max_length=10)
    reason: str = Field(default="", max_length=20)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status_at_sync: str = Field(default="", max_length=16)
    inspector_at_sync_id: int | None = None

    __table_args__ = (
        CheckConstraint(_in("outcome", SubmissionOutcome), name="outcome_known"),
        Index("ix_field_submission_outcome_received_at", "outcome", "received_at"),
    )


# --------------------------------------------------------------------------- records


class AuditEvent(SQLModel, table=True):
    """Who did what, when, and how it ended. Written in the same transaction as the change."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    actor_kind: str = Field(max_length=16)
    actor_id: int | None = None
    actor_name: str = Field(default="", max_length=120)
    action: str = Field(max_length=40, index=True)
    target: str = Field(default="", max_length=120)
    outcome: str = Field(default="ok", max_length=16)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Outbox(SQLModel, table=True):
    """An email waiting to be sent; committed with the change that caused it."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = utc_required()
    to_addr: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    attachment_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("attachment.id", name="fk_outbox_attachment_id_attachment"),
            nullable=True,
        ),
    )
    status: str = Field(default=OutboxStatus.PENDING.value, max_length=10)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = utc_column()
    sent_at: datetime | None = utc_column()
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))

    __table_args__ = (
        CheckConstraint(_in("status", OutboxStatus), name="status_known"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )


ALL_TABLES: tuple[type[SQLModel], ...] = (
    Company,
    StaffUser,
    Parcel,
    Permit,
    PermitContact,
    InspectionType,
    InspectionPrerequisite,
    InspectionSlot,
    InspectionRequest,
    Inspection,
    Review,
    Condition,
    Attachment,
    Fee,
    Payment,
    PaymentOrder,
    PaymentOrderItem,
    FieldCheckout,
    FieldSubmission,
    AuditEvent,
    Outbox,
)

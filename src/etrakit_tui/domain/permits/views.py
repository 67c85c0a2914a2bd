"""Read models: what the read services hand to the TUI (frozen dataclasses, never ORM rows).

Money is integer cents, calendar dates are plain ``date`` in the jurisdiction's zone,
timestamps are aware UTC. Text is exactly what was stored: screens make it inert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")
K = TypeVar("K")

InspectionKey = tuple[date, str, int]
"""Keyset position in *My Active Inspections*: (requested date, AM/PM, inspection id)."""

SearchKey = tuple[str, str]
"""Keyset position in search results: (sort value, permit number)."""


@dataclass(frozen=True, slots=True)
class Page(Generic[T, K]):
    """One page of a keyset-paged list.

    ``next_key`` is the key to pass as ``after_key`` for the next page (``None`` on the
    last page). ``total`` is the number of records in the whole list, where the service
    counts it (the dashboard does; search does not).
    """

    items: tuple[T, ...]
    next_key: K | None
    total: int | None = None


# --------------------------------------------------------------------------- dashboard


@dataclass(frozen=True, slots=True)
class ActivePermitRow:
    """A row of *My Active Permits*."""

    number: str
    address: str
    permit_type: str
    status: str
    expires_on: date | None
    can_request: bool
    fees_due_cents: int

    @property
    def is_plan_check(self) -> bool:
        return self.number.startswith("A")


@dataclass(frozen=True, slots=True)
class ActiveInspectionRow:
    """A row of *My Active Inspections*."""

    inspection_id: int
    record_no: str
    record_type: str
    record_status: str
    address: str
    inspection_type: str
    date: date
    period: str
    status: str
    inspector_name: str

    @property
    def state(self) -> str:
        """Where it stands, in the guide's words (an inspection is active once an inspector's
        name has been assigned): ``Requested``, or ``Scheduled: <inspector>``."""
        if self.status != "SCHEDULED":
            return "Requested"
        return f"Scheduled: {self.inspector_name}" if self.inspector_name else "Scheduled"


@dataclass(frozen=True, slots=True)
class ExpiredPermitRow:
    """A row of *My Expired Permits*."""

    number: str
    address: str
    permit_type: str
    status: str
    expired_on: date | None
    fees_due_cents: int


@dataclass(frozen=True, slots=True)
class DashboardAfter:
    """Where each dashboard list continues from (``None``: its first page)."""

    active_permits: str | None = None
    active_inspections: InspectionKey | None = None
    expired_permits: str | None = None


@dataclass(frozen=True, slots=True)
class Dashboard:
    """The three dashboard tables; each page carries its list's total count."""

    active_permits: Page[ActivePermitRow, str]
    active_inspections: Page[ActiveInspectionRow, InspectionKey]
    expired_permits: Page[ExpiredPermitRow, str]


# --------------------------------------------------------------------------- permit detail


@dataclass(frozen=True, slots=True)
class PermitInfo:
    """The *Permit Info* tab."""

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

    @property
    def is_plan_check(self) -> bool:
        return self.number.startswith("A")


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """The *Site Info* tab: the permit's parcel."""

    apn: str
    address: str
    city: str
    zip: str
    zoning: str
    lot: str
    tract: str
    owner_name: str
    district: str


@dataclass(frozen=True, slots=True)
class ContactRow:
    """A contact on a permit. ``phone``/``email`` are ``None`` where the viewer may not see them."""

    role: str
    name: str
    phone: str | None
    email: str | None
    is_viewer: bool


@dataclass(frozen=True, slots=True)
class InspectionRow:
    """An inspection on the *Inspections* tab, with its result and the inspector's comments."""

    inspection_id: int
    inspection_type: str
    date: date
    period: str
    status: str
    inspector_name: str
    comments: str
    resulted_at: datetime | None


@dataclass(frozen=True, slots=True)
class ConditionRow:
    """A condition of approval."""

    name: str
    description: str
    status: str
    created_on: date


class ReviewSort(StrEnum):
    """The columns the *Reviews* table sorts by."""

    REVIEW_TYPE = "review_type"
    REVIEWER = "reviewer"
    STATUS = "status"
    SUBMITTED = "submitted_on"
    DUE = "due_on"
    COMPLETED = "completed_on"
    CYCLE = "cycle"


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """A row of the *Reviews* table; ``has_notes`` says whether *More Info* has anything."""

    review_id: int
    review_type: str
    reviewer: str
    status: str
    submitted_on: date
    due_on: date | None
    completed_on: date | None
    cycle: int
    has_notes: bool


@dataclass(frozen=True, slots=True)
class ReviewNotes:
    """*More Info*: the reviewer's notes on one review."""

    review_id: int
    permit_number: str
    review_type: str
    reviewer: str
    status: str
    cycle: int
    notes: str


@dataclass(frozen=True, slots=True)
class AttachmentRow:
    """Attachment metadata (the bytes come from ``attachment_content``)."""

    attachment_id: int
    filename: str
    size: int
    uploaded_at: datetime
    content_type: str


@dataclass(frozen=True, slots=True)
class FeeRow:
    """One fee assessed on a permit."""

    code: str
    description: str
    amount_cents: int
    assessed_on: date


@dataclass(frozen=True, slots=True)
class PaymentRow:
    """One payment received against a permit's fees."""

    amount_cents: int
    method: str
    reference: str
    paid_at: datetime


@dataclass(frozen=True, slots=True)
class FeeBreakdown:
    """Each fee, each payment, and what is still due."""

    permit_number: str
    fees: tuple[FeeRow, ...]
    payments: tuple[PaymentRow, ...]
    total_fees_cents: int
    total_paid_cents: int
    amount_due_cents: int


@dataclass(frozen=True, slots=True)
class ViewerFlags:
    """What the viewer may do from the permit screen (screens hide what does not apply)."""

    may_request_inspection: bool
    may_cancel_inspections: bool
    may_record_results: bool
    may_record_payment: bool
    may_post_reviews: bool


@dataclass(frozen=True, slots=True)
class PermitDetail:
    """Everything the *Permit #<no>* screen shows, every tab at once."""

    info: PermitInfo
    site: SiteInfo | None
    contacts: tuple[ContactRow, ...]
    inspections: tuple[InspectionRow, ...]
    conditions: tuple[ConditionRow, ...]
    reviews: tuple[ReviewRow, ...]
    attachments: tuple[AttachmentRow, ...]
    fees: FeeBreakdown
    can_request: bool
    flags: ViewerFlags


# --------------------------------------------------------------------------- search


class SearchKind(StrEnum):
    """What a search query is matched against."""

    NUMBER = "number"
    ADDRESS = "address"
    APN = "apn"
    AUTO = "auto"


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A search result: public fields only. ``is_mine``: the viewer's company is a contact;
    ``can_open``: the viewer may open the permit's detail."""

    number: str
    permit_type: str
    status: str
    address: str
    apn: str
    applied_on: date | None
    issued_on: date | None
    is_mine: bool
    can_open: bool


@dataclass(frozen=True, slots=True)
class CreatedPermit:
    """What :func:`create_permit` made."""

    number: str
    permit_type: str
    status: str
    apn: str
    address: str
    new_parcel: bool
    contacts: tuple[str, ...]
    fees_total_cents: int

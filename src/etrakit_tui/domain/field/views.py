"""Field mode's read models: what the field screens and commands show (issue 16)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path


class ResultState(StrEnum):
    """Where a result recorded on the laptop stands."""

    WAITING = "WAITING"
    """Recorded on the laptop, not yet sent (or sent without an answer: sent again)."""
    APPLIED = "APPLIED"
    """The city recorded it."""
    CONFLICT = "CONFLICT"
    """The city did not apply it (see the reason); the inspector's result is kept."""


class ConflictReason(StrEnum):
    """Why the city did not apply a result sent from the field."""

    CANCELLED = "CANCELLED"
    REASSIGNED = "REASSIGNED"
    ALREADY_RESULTED = "ALREADY_RESULTED"
    NOT_FOUND = "NOT_FOUND"
    TOO_OLD = "TOO_OLD"
    REFUSED = "REFUSED"
    """Any other rule of online recording (e.g. before the inspection's day)."""


@dataclass(frozen=True, slots=True)
class CheckoutSummary:
    """What a checkout wrote: whose day, how many inspections, where."""

    username: str
    full_name: str
    day: date
    inspections: int
    field_file: Path
    checked_out_at: datetime
    clock_offset_s: float
    """City clock minus laptop clock at checkout (seconds); results' times are shifted by
    it when sent."""


@dataclass(frozen=True, slots=True)
class CheckoutInfo:
    """The field file's one ``field_checkout_info`` row (no secret)."""

    inspector_id: int
    username: str
    full_name: str
    day: date
    checked_out_at: datetime
    clock_offset_s: float
    city_url_display: str
    last_sync_at: datetime | None
    last_sync_error: str


@dataclass(frozen=True, slots=True)
class FieldResultView:
    """One result recorded on the laptop, with where it stands."""

    uuid: str
    inspection_id: int
    permit_number: str
    address: str
    type_name: str
    status: str
    comments: str
    recorded_at: datetime
    state: ResultState
    reason: str
    """A :class:`ConflictReason` value, or ``""``."""
    reason_text: str
    """The reason in words ("cancelled by the contractor"), or ``""``."""
    synced_at: datetime | None


@dataclass(frozen=True, slots=True)
class FieldStatus:
    """The field status line: the day, what waits, what came back, whether the file is too
    old for new results."""

    username: str
    day: date
    waiting: int
    applied: int
    conflicts: int
    last_sync_at: datetime | None
    last_sync_error: str
    too_old: bool
    """Past the checkout day + 1: new results are refused (sync still works)."""


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one sync did: results sent and their outcomes, then the route refreshed."""

    sent: int
    applied: int
    conflicts: int
    replayed: int
    """Results the city had already answered (a sync cut off before the laptop noted the
    answer): the stored outcome was taken, nothing applied twice."""
    route_stops: int
    """Inspections on the refreshed route."""
    added: int
    """Inspections new to the laptop's route."""
    changed: int
    """Inspections whose status or inspector changed at the city (cancelled, reassigned...)."""
    outcomes: tuple[FieldResultView, ...]
    """The results sent in this sync, oldest first, with their outcome."""


@dataclass(frozen=True, slots=True)
class FieldConflictView:
    """A result sent from the field that the city did not apply, and why (kept forever)."""

    uuid: str
    inspection_id: int
    permit_number: str
    address: str
    type_name: str
    username: str
    inspector_name: str
    status: str
    """What the inspector recorded."""
    comments: str
    recorded_at: datetime
    received_at: datetime | None
    """When the city got it (``None`` on the laptop before the answer was noted)."""
    reason: str
    reason_text: str
    status_now: str
    """The inspection's status at the city when the result arrived."""

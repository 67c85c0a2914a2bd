"""Inspection read models: what the inspection services hand to the screens (frozen
dataclasses, never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from etrakit_tui.domain.inspections.calendar import (
    format_day,
)

"""Statuses of an inspection that still holds its place (REQUESTED, SCHEDULED)."""


# --------------------------------------------------------------------------- read models


@dataclass(frozen=True, slots=True)
class InspectionTypeOption:
    """An inspection type valid for the permit; ``reason`` says why it cannot be requested."""

    code: str
    name: str
    is_final: bool
    requestable: bool
    reason: str | None


@dataclass(frozen=True, slots=True)
class InspectionView:
    """An inspection as the contractor and staff screens show it. ``can_cancel``: a company
    may still cancel it online (open, and before the cutoff on its day)."""

    id: int
    permit_number: str
    permit_type: str
    address: str
    district: str
    type_code: str
    type_name: str
    requested_date: date
    period: str
    status: str
    inspector_name: str
    comments: str
    cancel_deadline: datetime
    can_cancel: bool


@dataclass(frozen=True, slots=True)
class RouteStop:
    """One stop of an inspector's day, with what the inspector needs on site."""

    inspection_id: int
    period: str
    window: str
    address: str
    permit_number: str
    permit_type: str
    type_code: str
    type_name: str
    status: str
    contact_name: str
    contact_phone: str
    notes: str
    comments: str


@dataclass(frozen=True, slots=True)
class Assignment:
    """One inspection given to an inspector by the daily job."""

    inspection_id: int
    permit_number: str
    district: str
    period: str
    inspector: str


@dataclass(frozen=True, slots=True)
class AssignmentReport:
    """What the daily assignment did; ``unassigned`` stay REQUESTED (no active inspector)."""

    day: date
    assigned: tuple[Assignment, ...]
    unassigned: tuple[int, ...]

    def __str__(self) -> str:
        return (
            f"{format_day(self.day)}: {len(self.assigned)} inspection(s) assigned, "
            f"{len(self.unassigned)} left without an inspector"
        )


@dataclass(frozen=True, slots=True)
class InspectorOption:
    """An active inspector staff may assign."""

    username: str
    full_name: str
    district: str

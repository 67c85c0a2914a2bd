"""Account read models: what the account services hand to the screens and the command line
(frozen dataclasses, never ORM rows, never a hash).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from etrakit_tui.domain.accounts.actors import Actor


@dataclass(frozen=True, slots=True)
class CompanySummary:
    """One company as staff see it in lists (never its hashes)."""

    id: int
    name: str
    license_no: str
    city: str
    email: str
    phone: str
    disabled: bool
    has_password: bool
    pin_expires_at: datetime | None
    locked_until: datetime | None
    last_login_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedPin:
    """A company and its new PIN, in clear: show it once, then forget it."""

    company: CompanySummary
    pin: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class StaffSummary:
    id: int
    username: str
    full_name: str
    role: str
    district: str | None
    email: str
    phone: str
    disabled: bool


@dataclass(frozen=True, slots=True)
class SignInResult:
    """Who signed in; ``must_set_password`` when a company used its PIN."""

    actor: Actor
    must_set_password: bool = False
    theme: str | None = None
    """The colour theme this account chose last (``None``: the portal's default)."""

    @property
    def company_id(self) -> int | None:
        return self.actor.id if self.actor.is_company else None

    @property
    def company_name(self) -> str | None:
        return self.actor.name if self.actor.is_company else None

    @property
    def display_name(self) -> str:
        """What "Signed in as:" shows: the company name, or the staff user name."""
        return self.actor.name


@dataclass(frozen=True, slots=True)
class ProfileView:
    """What the profile form shows. ``changed_fields`` names what the last save changed
    (empty from :func:`get_profile`); ``"password"`` is listed when the password changed."""

    company_id: int
    name: str
    license_no: str
    address: str
    city: str
    state: str
    zip: str
    email: str
    phone: str
    cell: str
    fax: str
    notify_failed_inspection: bool
    password_rule: str
    changed_fields: tuple[str, ...] = ()

"""Settings: where the database lives, and the jurisdiction's rules (SPEC §4).

Two sources, two objects:

* :class:`Settings` (pydantic-settings) reads ``ETRAKIT_*`` environment variables:
  ``ETRAKIT_DATABASE_URL`` and ``ETRAKIT_CONFIG`` (a TOML file of jurisdiction rules).
* :class:`Jurisdiction` holds every rule of SPEC §4. Its defaults are the City of Hemet's;
  a TOML file may override any of them. A bad file or value raises :class:`ConfigError`
  whose message is one line naming the key and what is wrong.

This module is imported by the domain, so it never imports the TUI.
"""

from __future__ import annotations

import string
import tomllib
from datetime import time
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

# Re-exported: these live in the light module so the sign-in screen needs no pydantic.
from etrakit_tui.locations import APP_NAME as APP_NAME
from etrakit_tui.locations import DEFAULT_JURISDICTION_NAME
from etrakit_tui.locations import default_data_dir as default_data_dir
from etrakit_tui.locations import default_database_url as default_database_url


class ConfigError(Exception):
    """A configuration problem, explained in one line."""


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


TimeZoneName = Annotated[str, AfterValidator(_check_zone)]


class Window(BaseModel):
    """A time-of-day window, e.g. the AM inspection window 08:30-12:00."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    def describe(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


def _clock(t: time) -> str:
    hour = t.hour % 12 or 12
    suffix = "am" if t.hour < 12 else "pm"
    return f"{hour}:{t.minute:02d}{suffix}"


PAYMENT_PLACEHOLDERS = frozenset({"order", "amount"})
"""The placeholders a ``payment_url`` may hold: the order number and the amount (116.00)."""


def _check_payment_url(value: str) -> str:
    """Empty (no online payment) or an ``https://`` URL whose only placeholders are
    ``{order}`` and ``{amount}``."""
    value = value.strip()
    if not value:
        return ""
    if not value.startswith("https://") or any(ch.isspace() for ch in value):
        raise ValueError("must be empty or an https:// address without spaces")
    try:
        parts = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(value)]
    except ValueError as exc:
        raise ValueError(f"bad placeholder ({exc})") from exc
    for name, spec, conv in parts:
        if name is not None and (name not in PAYMENT_PLACEHOLDERS or spec or conv):
            raise ValueError("may hold only the placeholders {order} and {amount}")
    return value


PaymentUrl = Annotated[str, AfterValidator(_check_payment_url)]

DEFAULT_PAYMENT_INSTRUCTIONS = (
    "In person: at the Building Division counter, 445 E. Florida Ave, Hemet, CA 92543, "
    "Monday-Thursday 7:30am-5:30pm, Friday 8:00am-5:00pm (closed holidays).\n"
    "By phone: call (951) 765-2475 during those hours with a card.\n"
    "By mail: a check payable to the City of Hemet, to Building Division, "
    "445 E. Florida Ave, Hemet, CA 92543.\n"
    "Whichever way you pay, quote the order number."
)


class SettlementColumns(BaseModel):
    """The header names of the processor's settlement file (CSV), one per field we read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order: str = Field(default="Order Number", min_length=1, max_length=80)
    amount: str = Field(default="Amount", min_length=1, max_length=80)
    paid_at: str = Field(default="Paid At", min_length=1, max_length=80)
    transaction: str = Field(default="Transaction ID", min_length=1, max_length=80)

    @model_validator(mode="after")
    def _distinct(self) -> SettlementColumns:
        names = [self.order, self.amount, self.paid_at, self.transaction]
        if len({n.strip().casefold() for n in names}) != len(names):
            raise ValueError("the four column names must differ")
        return self


class Jurisdiction(BaseModel):
    """Every jurisdiction rule of SPEC §4, with the City of Hemet's values as defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Who we are and how to reach the division.
    name: str = DEFAULT_JURISDICTION_NAME
    division: str = "Building Division"
    phone: str = "(951) 765-2475"
    email: str = "bldgstaff@cityofhemet.org"
    address: str = "445 E. Florida Ave, Hemet, CA 92543"
    hours: str = "Monday-Thursday 7:30am-5:30pm, Friday 8:00am-5:00pm (closed holidays)"
    time_zone: TimeZoneName = "America/Los_Angeles"

    # Scheduling.
    earliest_business_days_ahead: int = Field(default=1, ge=0, le=30)
    latest_calendar_days_ahead: int = Field(default=7, ge=1, le=90)
    business_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    holiday_country: str = "US"
    holiday_subdivision: str | None = "CA"
    am_window: Window = Window(start=time(8, 30), end=time(12, 0))
    pm_window: Window = Window(start=time(13, 0), end=time(17, 0))
    cancel_cutoff: time = time(7, 0)
    call_after: time = time(7, 30)
    assignment_by: time = time(7, 30)
    districts: tuple[str, ...] = ("NORTH", "SOUTH", "EAST", "WEST")
    slot_capacity: int = Field(default=8, ge=0, le=1000)

    # Permits.
    expiry_days: int = Field(default=180, ge=1, le=3650)

    # Accounts.
    password_policy: Literal["default", "etrakit"] = "default"
    lockout_attempts: int = Field(default=5, ge=1, le=100)
    lockout_minutes: int = Field(default=15, ge=1, le=1440)
    idle_minutes: int = Field(default=15, ge=1, le=1440)
    pin_valid_days: int = Field(default=14, ge=1, le=365)
    disabled_check_seconds: int = Field(default=30, ge=1, le=60)

    # Paying fees (online through the processor's hosted page, or by the division's words).
    payment_url: PaymentUrl = ""
    payment_instructions: str = Field(
        default=DEFAULT_PAYMENT_INSTRUCTIONS, min_length=1, max_length=2000
    )
    payment_order_days: int = Field(default=7, ge=1, le=90)
    settlement_columns: SettlementColumns = SettlementColumns()

    @field_validator("business_weekdays")
    @classmethod
    def _weekdays(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(d < 0 or d > 6 for d in value):
            raise ValueError("must list weekdays 0 (Monday) to 6 (Sunday)")
        return tuple(sorted(set(value)))

    @field_validator("districts")
    @classmethod
    def _districts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("must name at least one inspection district")
        return value

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def cancel_refusal(self) -> str:
        """The words the portal uses once the cancellation cutoff has passed."""
        return f"call {self.phone} after {_clock(self.call_after)}"


DEFAULT_JURISDICTION = Jurisdiction()


def _format_error(source: str, exc: ValidationError) -> str:
    first = exc.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        msg = "unknown setting"
    return f"{source}: {key}: {msg}"


def load_jurisdiction(path: Path | None) -> Jurisdiction:
    """Read jurisdiction rules from a TOML file (top-level keys, or a ``[jurisdiction]`` table)."""
    if path is None:
        return DEFAULT_JURISDICTION
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: config file not found") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    data: Any = raw.get("jurisdiction", raw)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: jurisdiction: must be a table")
    try:
        return Jurisdiction.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_error(str(path), exc)) from exc


class SmtpSettings(BaseModel):
    """How failed-inspection emails leave: ``ETRAKIT_SMTP_HOST``, ``ETRAKIT_SMTP_PORT``..."""

    model_config = ConfigDict(frozen=True)

    host: str | None = None
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "none"
    username: str | None = None
    password: str | None = None
    sender: str = "etrakit@localhost"
    timeout_seconds: float = Field(default=20.0, gt=0)


class Settings(BaseSettings):
    """Process settings from ``ETRAKIT_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="ETRAKIT_", extra="ignore")

    database_url: str | None = None
    config: Path | None = None
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_sender: str = "etrakit@localhost"

    def smtp(self) -> SmtpSettings:
        return SmtpSettings(
            host=self.smtp_host,
            port=self.smtp_port,
            security=self.smtp_security,
            username=self.smtp_username,
            password=self.smtp_password,
            sender=self.smtp_sender,
        )

    def resolved_database_url(self, override: str | None = None) -> str:
        return override or self.database_url or default_database_url()

    def jurisdiction(self) -> Jurisdiction:
        return load_jurisdiction(self.config)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(_format_error("environment", exc)) from exc

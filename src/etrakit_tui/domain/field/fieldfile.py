"""The field file: a small etrakit database (same schema, the route's rows only) on the
inspector's laptop, plus two field-only tables (their own MetaData, never in the city's
database):

* ``field_checkout_info`` (one row): whose day, when it was checked out (city clock), the
  city clock's offset from the laptop's, the city's URL for display (password masked), the
  raw sync token (the city keeps only its sha256), the last sync and its error;
* ``field_result``: the laptop's outbox, one row per result recorded offline, keyed by its
  idempotency key (uuid4 hex), with its state (WAITING, APPLIED, CONFLICT) and the city's
  answer.

The file is created readable by its owner only (0600); no password or PIN hash is copied.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    literal_column,
    select,
)
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.sql.elements import ColumnElement

from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.domain.field.views import CheckoutInfo
from etrakit_tui.domain.inspections.calendar import format_day, local_today
from etrakit_tui.domain.store.db import Clock, Database, make_engine
from etrakit_tui.domain.store.models import UTCDateTime, metadata
from etrakit_tui.settings import DEFAULT_JURISDICTION, Jurisdiction

FIELD_METADATA = MetaData()

CHECKOUT_INFO = Table(
    "field_checkout_info",
    FIELD_METADATA,
    Column("id", Integer, primary_key=True),
    Column("inspector_id", Integer, nullable=False),
    Column("username", String(64), nullable=False),
    Column("full_name", String(120), nullable=False),
    Column("day", Date, nullable=False),
    Column("checked_out_at", UTCDateTime(), nullable=False),
    Column("clock_offset_s", Float, nullable=False),
    Column("city_url_display", String(500), nullable=False),
    Column("sync_token", String(100), nullable=False),
    Column("last_sync_at", UTCDateTime(), nullable=True),
    Column("last_sync_error", Text, nullable=False, default=""),
)

FIELD_RESULT = Table(
    "field_result",
    FIELD_METADATA,
    Column("uuid", String(32), primary_key=True),
    Column("inspection_id", Integer, nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("comments", Text, nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False, index=True),
    Column("state", String(10), nullable=False, index=True),
    Column("reason", String(20), nullable=False, default=""),
    Column("reason_text", Text, nullable=False, default=""),
    Column("status_now", String(16), nullable=False, default=""),
    Column("received_at", UTCDateTime(), nullable=True),
    Column("synced_at", UTCDateTime(), nullable=True),
)

RECORD_ORDER: tuple[ColumnElement[Any], ...] = (
    FIELD_RESULT.c.recorded_at,
    literal_column("field_result.rowid"),
)
"""Results in the order they were recorded (the laptop clock, then the insertion order)."""

_INSPECTION = metadata.tables["inspection"]
_PERMIT = metadata.tables["permit"]
_PARCEL = metadata.tables["parcel"]
_ITYPE = metadata.tables["inspection_type"]

UNUSABLE_HASH = "!"
"""What a copied account's password hash is in the field file: no hash of any kind."""

DAYS_VALID = 1
"""A field file takes new results until its checkout day + this many days."""


class FieldFileError(EtrakitError):
    """The field file is missing, not a field file, or cannot be used for this."""


def default_field_file(username: str) -> Path:
    """``<user data folder>/field/<username>.db``."""
    from etrakit_tui.locations import default_data_dir

    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in username.strip().lower())
    return default_data_dir() / "field" / f"{safe or 'inspector'}.db"


@dataclass(frozen=True, slots=True)
class FieldSession:
    """An open field file: its database (SQLite), the checked-out inspector, the checkout."""

    path: Path
    db: Database
    actor: Actor
    info: CheckoutInfo

    @property
    def day(self) -> date:
        return self.info.day

    def close(self) -> None:
        self.db.dispose()


def info_of(row: Any) -> CheckoutInfo:
    return CheckoutInfo(
        inspector_id=row.inspector_id,
        username=row.username,
        full_name=row.full_name,
        day=row.day,
        checked_out_at=row.checked_out_at,
        clock_offset_s=row.clock_offset_s,
        city_url_display=row.city_url_display,
        last_sync_at=row.last_sync_at,
        last_sync_error=row.last_sync_error,
    )


def read_info(db: Database) -> CheckoutInfo:
    with db.read_conn() as conn:
        row = conn.execute(select(CHECKOUT_INFO)).first()
    if row is None:
        raise FieldFileError("this field file has no checkout: check out again")
    return info_of(row)


def is_field_file(engine: Engine) -> bool:
    with engine.connect() as conn:
        return inspect(conn).has_table(CHECKOUT_INFO.name)


def open_field(
    field_file: Path,
    *,
    jurisdiction: Jurisdiction = DEFAULT_JURISDICTION,
    clock: Clock | None = None,
) -> FieldSession:
    """Open a field file written by a checkout. Refuses a missing file, a file that is not
    a field file and a corrupt one, with one clear message; never creates anything."""
    path = Path(field_file).expanduser()
    if not path.is_file():
        raise FieldFileError(
            f"no field file at {path}: check out first (`etrakit-tui field checkout`)"
        )
    db = Database.open(f"sqlite:///{path}", jurisdiction=jurisdiction, clock=clock)
    try:
        from etrakit_tui.domain.store.schema import ensure_schema

        if not is_field_file(db.engine):
            raise FieldFileError(f"{path} is not a field file: check out again")
        ensure_schema(db.engine, auto_upgrade=True)
        info = read_info(db)
    except (SADatabaseError, sqlite3.DatabaseError) as exc:
        db.dispose()
        raise FieldFileError(f"{path} cannot be read as a field file: {exc_line(exc)}") from exc
    except BaseException:
        db.dispose()
        raise
    actor = Actor(ActorKind.INSPECTOR, info.inspector_id, info.username)
    return FieldSession(path, db, actor, info)


def exc_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def laptop_now_at_city(field: FieldSession) -> datetime:
    """The laptop's now shifted into the city's clock (offset learnt at checkout)."""
    return field.db.now() + timedelta(seconds=field.info.clock_offset_s)


def last_day(info: CheckoutInfo) -> date:
    """The last day a field file takes new results."""
    return info.day + timedelta(days=DAYS_VALID)


def too_old(field: FieldSession) -> bool:
    return local_today(field.db.jurisdiction, laptop_now_at_city(field)) > last_day(field.info)


def too_old_message(info: CheckoutInfo) -> str:
    return f"This checkout is from {format_day(info.day)}; sync and check out again."


def make_field_engine(path: Path) -> Engine:
    """An engine on a new field file (created 0600 by :func:`make_engine`'s hook)."""
    return make_engine(f"sqlite:///{path}")


def with_inspection_place(query: Any, inspection_id: ColumnElement[Any]) -> Any:
    """``query`` (a select over a table of results: the laptop's or the city's) with the
    inspection's permit number, address and type name (``number``, ``address``,
    ``type_name``; None when the inspection is not there), outer-joined on ``inspection_id``."""
    return (
        query.add_columns(_PERMIT.c.number, _PARCEL.c.address, _ITYPE.c.name.label("type_name"))
        .outerjoin(_INSPECTION, _INSPECTION.c.id == inspection_id)
        .outerjoin(_PERMIT, _PERMIT.c.id == _INSPECTION.c.permit_id)
        .outerjoin(_PARCEL, _PARCEL.c.id == _PERMIT.c.parcel_id)
        .outerjoin(_ITYPE, _ITYPE.c.id == _INSPECTION.c.inspection_type_id)
    )

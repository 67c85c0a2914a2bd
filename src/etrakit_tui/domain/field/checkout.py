"""Checking out an inspector's day for field work: the password is verified against the
city's database (the staff sign-in, so lockout and the audit trail apply), the route is
copied into a new field file (see :mod:`.routecopy`), and the checkout is recorded at the
city with the sha256 of a new sync token (the raw token stays in the file).

An older field file is replaced only when it has no result waiting to be sent. The new
file is written beside it and renamed over it once complete: a crash leaves the old one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.accounts.auth import STAFF_FAILURE, sign_in_staff
from etrakit_tui.domain.errors import AuthenticationFailed, RuleViolation
from etrakit_tui.domain.field.fieldfile import (
    CHECKOUT_INFO,
    FIELD_METADATA,
    FIELD_RESULT,
    FieldFileError,
    default_field_file,
    exc_line,
    is_field_file,
    make_field_engine,
)
from etrakit_tui.domain.field.routecopy import read_route, write_route
from etrakit_tui.domain.field.submission import CHECKOUT, STAFF, token_hash
from etrakit_tui.domain.field.views import CheckoutSummary, ResultState
from etrakit_tui.domain.inspections.calendar import format_day, local_today
from etrakit_tui.domain.store.db import Clock, Database, SystemClock, create_private_file
from etrakit_tui.domain.store.schema import upgrade

NOT_INSPECTOR = "Field mode is for inspectors."
SIDE_FILES = ("-wal", "-shm", "-journal")


def checkout(
    city: Database,
    username: str,
    password: str,
    *,
    day: date | None = None,
    field_file: Path | None = None,
    laptop_clock: Clock | None = None,
) -> CheckoutSummary:
    """Check out ``username``'s route for ``day`` (default: the city's today) into
    ``field_file`` (default: :func:`default_field_file`). Wrong password: the sign-in's
    one message (and its lockout)."""
    signed = sign_in_staff(city, username, password)
    return _checkout(city, signed.actor, day, field_file, laptop_clock)


def checkout_signed_in(
    city: Database,
    actor: Actor,
    password: str,
    *,
    day: date | None = None,
    field_file: Path | None = None,
    laptop_clock: Clock | None = None,
) -> CheckoutSummary:
    """The route screen's checkout: the signed-in inspector types the password again."""
    if not actor.is_inspector:
        raise RuleViolation(NOT_INSPECTOR)
    signed = sign_in_staff(city, actor.name, password)
    if signed.actor.id != actor.id:
        raise AuthenticationFailed(STAFF_FAILURE)
    return _checkout(city, signed.actor, day, field_file, laptop_clock)


def _waiting_in(path: Path) -> int:
    """Results waiting in an existing field file (refuses to replace anything else)."""
    engine = make_field_engine(path)
    try:
        if not is_field_file(engine):
            raise FieldFileError(f"{path} exists and is not a field file: not replaced")
        with engine.connect() as conn:
            query = select(func.count()).where(FIELD_RESULT.c.state == ResultState.WAITING.value)
            return int(conn.execute(query.select_from(FIELD_RESULT)).scalar_one())
    except FieldFileError:
        raise
    except Exception as exc:
        message = f"{path} cannot be read, so it is not replaced: {exc_line(exc)}"
        raise FieldFileError(message) from exc
    finally:
        engine.dispose()


def _remove(path: Path) -> None:
    for name in (path, *(path.with_name(path.name + s) for s in SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            name.unlink()


def _checkout(
    city: Database,
    actor: Actor,
    day: date | None,
    field_file: Path | None,
    laptop_clock: Clock | None,
) -> CheckoutSummary:
    if not actor.is_inspector or actor.id is None:
        raise RuleViolation(NOT_INSPECTOR)
    path = Path(field_file or default_field_file(actor.name)).expanduser().absolute()
    if path.exists() and (waiting := _waiting_in(path)):
        raise RuleViolation(
            f"{path} still has {waiting} result(s) waiting to be sent: "
            "run `etrakit-tui field sync` first"
        )
    city_now = city.now()
    when = day or local_today(city.jurisdiction, city_now)
    offset = (city_now - (laptop_clock or SystemClock()).now()).total_seconds()
    with city.read_conn() as conn:
        rows = read_route(conn, actor.id, when, ())
        full_name = conn.execute(select(STAFF.c.full_name).where(STAFF.c.id == actor.id)).scalar()
    token = secrets.token_urlsafe(32)
    new = path.with_name(path.name + ".new")
    _remove(new)
    create_private_file(new)
    engine = make_field_engine(new)
    try:
        upgrade(engine)
        FIELD_METADATA.create_all(engine)
        with engine.begin() as conn:
            write_route(conn, rows, keep=set())
            conn.execute(
                CHECKOUT_INFO.insert().values(
                    id=1,
                    inspector_id=actor.id,
                    username=actor.name,
                    full_name=str(full_name or actor.name),
                    day=when,
                    checked_out_at=city_now,
                    clock_offset_s=offset,
                    city_url_display=city.url,
                    sync_token=token,
                    last_sync_at=None,
                    last_sync_error="",
                )
            )
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        engine.dispose()
        _remove(new)
        raise
    engine.dispose()
    try:
        with city.write() as s:
            s.connection().execute(
                CHECKOUT.insert().values(
                    inspector_id=actor.id,
                    day=when,
                    created_at=city_now,
                    token_hash=token_hash(token),
                )
            )
            detail = f"{len(rows.route_ids)} inspection(s) for {format_day(when)}"
            audit.record(s, actor, "field_checkout", at=city_now, target=actor.name, detail=detail)
    except BaseException:
        _remove(new)
        raise
    for side in SIDE_FILES:  # the old file's journal must never meet the new file
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + side).unlink()
    os.replace(new, path)
    os.chmod(path, 0o600)
    return CheckoutSummary(
        username=actor.name,
        full_name=str(full_name or actor.name),
        day=when,
        inspections=len(rows.route_ids),
        field_file=path,
        checked_out_at=city_now,
        clock_offset_s=offset,
    )

"""Statements run straight on the driver (``store.direct.Direct``) store and read back exactly
what the same statements store and read through SQLAlchemy, on both engines: the same text
in a SQLite file (dates and times sort and compare as before), the same Python values, the
same errors, in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import bindparam, insert, text
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from etrakit_tui.domain.accounts.actors import SYSTEM
from etrakit_tui.domain.audit import event_values
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.direct import Direct
from etrakit_tui.domain.store.models import AuditEvent, InspectionSlot, Permit
from tests.support.factories import make_company, make_parcel, make_permit

AT = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)  # whole seconds: no microseconds to print


def _permit_columns() -> Any:
    return sa_select(
        col(Permit.id),
        col(Permit.number),
        col(Permit.issued_on),
        col(Permit.expires_on),
        col(Permit.on_hold),
        col(Permit.created_at),
    ).where(col(Permit.number) == bindparam("number"))


PERMIT_COLUMNS = _permit_columns()
ADD_EVENT = insert(AuditEvent).returning(col(AuditEvent.id))
ADD_SLOT = insert(InspectionSlot)
BY_IDS = sa_select(col(Permit.number)).where(col(Permit.id).in_(bindparam("ids", expanding=True)))


def test_rows_come_back_as_sqlalchemy_gives_them(any_db: Database) -> None:
    with any_db.write() as s:
        company = make_company(s)
        make_permit(
            s,
            "B2611-001",
            company=company,
            parcel=make_parcel(s),
            issued_on=date(2026, 10, 1),
            expires_on=date(2027, 4, 1),
        )
    with any_db.read_conn() as conn:
        through_sqlalchemy = conn.execute(PERMIT_COLUMNS, {"number": "B2611-001"}).all()
        straight = Direct(conn).execute(PERMIT_COLUMNS, {"number": "B2611-001"}).all()
        # an expanding IN list is not prepared: it goes through the connection, same rows
        ids = [through_sqlalchemy[0][0], 0]
        fallback = Direct(conn).execute(BY_IDS, {"ids": ids}).all()
    assert straight == [tuple(row) for row in through_sqlalchemy]
    permit_id, number, issued, expires, on_hold, created = straight[0]
    assert (number, issued, expires) == ("B2611-001", date(2026, 10, 1), date(2027, 4, 1))
    assert on_hold is False
    assert isinstance(created, datetime)
    assert isinstance(permit_id, int)
    assert [tuple(row) for row in fallback] == [("B2611-001",)]


def test_values_are_stored_as_sqlalchemy_stores_them(any_db: Database) -> None:
    """Two audit lines with the same values, one through SQLAlchemy and one straight: the
    database holds the same text for both (on SQLite the date is text, and the audit list
    sorts by it), and the defaults SQLAlchemy fills in are filled in."""
    values = event_values(SYSTEM, "direct.test", AT, target="T-1", detail="same values")
    del values["detail"]  # a column with a default: filled in by both ways
    with any_db.write_conn() as conn:
        one = conn.execute(ADD_EVENT, values).scalar_one()
        two = Direct(conn).execute(ADD_EVENT, values).scalar()
    assert isinstance(two, int) and two != one
    cast_at = "CAST(at AS TEXT)" if any_db.engine.dialect.name == "postgresql" else "at"
    with any_db.read_conn() as conn:
        rows = conn.execute(
            text(f"SELECT id, {cast_at}, actor_kind, target, outcome, detail FROM audit_event"),
        ).all()
    stored = {row[0]: tuple(row[1:]) for row in rows}
    assert stored[one] == stored[two]
    assert stored[two][3:] == ("ok", "")
    with any_db.read() as s:
        again = s.get(AuditEvent, two)
        assert again is not None and again.at == AT


def test_a_refused_statement_raises_as_sqlalchemy_does_and_nothing_is_kept(
    any_db: Database,
) -> None:
    slot = {"district": "NORTH", "day": date(2026, 11, 19), "period": "AM", "capacity": 4}
    with pytest.raises(IntegrityError), any_db.write_conn() as conn:
        straight = Direct(conn)
        straight.execute(ADD_SLOT, {**slot, "booked": 0})
        straight.execute(ADD_SLOT, {**slot, "booked": 1})  # the same slot again
    with any_db.read_conn() as conn:
        count = conn.execute(text("SELECT count(*) FROM inspection_slot")).scalar_one()
    assert count == 0

"""``Database.read_conn()``: the cheap Core read context of the read services."""

from __future__ import annotations

from sqlalchemy import Connection, func, insert, select

from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import Parcel


def _parcels(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(Parcel)).scalar_one())


def _add_parcel(db: Database, apn: str) -> None:
    with db.write() as s:
        s.add(Parcel(apn=apn, address=f"{apn} FLORIDA AVE", district="NORTH"))


def test_reads_see_one_snapshot_while_another_writer_commits(db: Database) -> None:
    _add_parcel(db, "448-123-001")
    with db.read_conn() as conn:
        assert conn.in_transaction()
        first = _parcels(conn)
        _add_parcel(db, "448-123-002")  # committed by another connection meanwhile
        second = _parcels(conn)
    assert first == second == 1
    with db.read_conn() as conn:
        assert _parcels(conn) == 2


def test_an_error_inside_discards_what_was_done(any_db: Database) -> None:
    try:
        with any_db.read_conn() as conn:
            conn.execute(insert(Parcel).values(apn="448-123-009", address="1 A ST", district="N"))
            raise LookupError("the service refused")
    except LookupError:
        pass
    with any_db.read_conn() as conn:
        assert _parcels(conn) == 0


def test_an_error_inside_leaves_the_database_usable(db: Database) -> None:
    try:
        with db.read_conn() as conn:
            _parcels(conn)
            raise LookupError("the service refused")
    except LookupError:
        pass
    _add_parcel(db, "448-123-003")  # no read transaction left open to block the writer
    with db.read_conn() as conn:
        assert _parcels(conn) == 1

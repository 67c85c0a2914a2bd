"""Migration 0002 (the trigram address index): parcels that exist before it are found after
it, rows inserted with plain INSERTs (as the bulk generator does) are found, it can be
undone and redone, and Alembic's comparison ignores its dialect-specific objects."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.permits.search import search_permits
from etrakit_tui.domain.store.addressindex import FTS_TABLE, PG_INDEX, include_name
from etrakit_tui.domain.store.db import WRITE_OPTION, Database, FixedClock, make_engine
from etrakit_tui.domain.store.models import metadata
from etrakit_tui.domain.store.schema import alembic_config, upgrade
from tests.support.pgserver import PgServer

STAFF = Actor(ActorKind.STAFF, 1, "admin")
CLOCK = FixedClock(datetime(2026, 11, 18, 18, 0, tzinfo=UTC))


def _downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config()
    with engine.execution_options(**{WRITE_OPTION: True}).connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        conn.commit()


def _insert_permit(engine: Engine, n: int, address: str) -> None:
    """A parcel and its permit by plain INSERTs (no ORM), like the bulk generator."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO parcel (id, apn, address, city, zip, zoning, lot, tract, "
                "owner_name, district) VALUES (:id, :apn, :address, 'HEMET', '92543', 'R-1', "
                "'1', 'TR 1', 'OWNER', 'NORTH')"
            ),
            {"id": 9000 + n, "apn": f"460-000-{n:03d}", "address": address},
        )
        conn.execute(
            text(
                "INSERT INTO permit (number, permit_type, subtype, description, status, "
                "parcel_id, on_hold, notes, created_at) VALUES (:number, 'ELECTRICAL', '', '', "
                "'ISSUED', :parcel, :hold, '', :at)"
            ),
            {"number": f"B2604-{n:03d}", "parcel": 9000 + n, "hold": False, "at": CLOCK.now()},
        )


def _found(engine: Engine, query: str) -> list[str]:
    db = Database(engine, clock=CLOCK)
    return [h.number for h in search_permits(db, STAFF, query, "address").items]


def _pending(engine: Engine) -> list[object]:
    """What ``alembic check`` finds, with the filter ``env.py`` uses."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "render_as_batch": conn.dialect.name == "sqlite",
                "include_name": include_name,
            },
        )
        return list(compare_metadata(ctx, metadata))


def _index_objects(engine: Engine) -> set[str]:
    found = set(inspect(engine).get_table_names()) | {
        i["name"] or "" for i in inspect(engine).get_indexes("parcel")
    }
    return {name for name in found if name == PG_INDEX or name.startswith(FTS_TABLE)}


def _round_trip(engine: Engine) -> None:
    upgrade(engine, "0001")
    _insert_permit(engine, 1, "3800 THORN ST")  # before the index exists
    upgrade(engine)
    assert _index_objects(engine)
    _insert_permit(engine, 2, "120 E THORNTON AVE")  # after: the index follows plain INSERTs
    assert _found(engine, "THORN") == ["B2604-002", "B2604-001"]
    assert _found(engine, "3800 THO") == ["B2604-001"]
    assert _pending(engine) == []

    _downgrade(engine, "0001")
    assert _index_objects(engine) == set()
    upgrade(engine)
    assert _found(engine, "THORNTON") == ["B2604-002"]
    assert _pending(engine) == []


def test_sqlite_index_is_back_filled_follows_inserts_and_can_be_undone(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/index.db")
    try:
        _round_trip(engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_index_is_back_filled_follows_inserts_and_can_be_undone(
    pg_server: PgServer,
) -> None:
    name = pg_server.create_database()
    engine = make_engine(pg_server.url(name))
    try:
        _round_trip(engine)
    finally:
        engine.dispose()
        pg_server.drop_database(name)


def test_the_comparison_skips_the_index_objects_only() -> None:
    assert not include_name(FTS_TABLE, "table", {})
    assert not include_name(f"{FTS_TABLE}_data", "table", {})
    assert not include_name(PG_INDEX, "index", {})
    assert include_name("parcel", "table", {})
    assert include_name("ix_parcel_address", "index", {})

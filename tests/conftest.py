"""Shared fixtures: a migrated SQLite file per test, a real PostgreSQL server per worker,
and a clock that stands where the test puts it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from etrakit_tui.domain.store.db import Database, FixedClock, make_engine
from etrakit_tui.domain.store.schema import upgrade
from tests.support.pgserver import PgServer, find_bindir

# A Wednesday, 10:00 in Hemet (America/Los_Angeles, PST): far from holidays and DST.
DEFAULT_NOW = datetime(2026, 11, 18, 18, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEFAULT_NOW)


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head; each test copies it (faster than migrating)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_sqlite_template: Path) -> str:
    path = tmp_path / "etrakit.db"
    shutil.copyfile(migrated_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def db(sqlite_url: str, clock: FixedClock) -> Iterator[Database]:
    """A fresh, migrated SQLite database with an injected clock."""
    database = Database.open(sqlite_url, clock=clock)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL tests, but no server binaries were found")
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    server = PgServer(bindir).start()
    yield server
    server.stop()


@pytest.fixture
def own_pg(pg_server: PgServer) -> Iterator[PgServer]:
    """A PostgreSQL server of the test's own, to stop and start again (``halt``,
    ``launch``) without touching the session's (whose binaries it uses)."""
    server = PgServer(pg_server.bindir).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer) -> str:
    """A database migrated to head, used as the template of each test's database."""
    name = pg_server.create_database()
    engine = make_engine(pg_server.url(name))
    upgrade(engine)
    engine.dispose()
    return name


@pytest.fixture
def pg_url(pg_server: PgServer, pg_template: str) -> Iterator[str]:
    name = pg_server.create_database(template=pg_template)
    yield pg_server.url(name)
    pg_server.drop_database(name)


@pytest.fixture
def pg_db(pg_url: str, clock: FixedClock) -> Iterator[Database]:
    database = Database.open(pg_url, clock=clock)
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest) -> Database:
    """The same test on a SQLite file and on a real PostgreSQL server."""
    name = "db" if request.param == "sqlite" else "pg_db"
    database: Database = request.getfixturevalue(name)
    return database

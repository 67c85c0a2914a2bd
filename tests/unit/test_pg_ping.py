"""PostgreSQL restarted under a running portal: a pooled connection that sat idle is pinged
before use and replaced, so the next screen just works; one used within the last
``PG_PING_AFTER_IDLE_S`` is not pinged (a request checks out a connection twice, and a ping is
a round trip), so its next statement fails with the portal's one line, and the one after works.
"""

from __future__ import annotations

import pytest
from sqlalchemy import literal, select, text

from etrakit_tui.domain.errors import DatabaseUnavailable
from etrakit_tui.domain.store import db as store_db
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.direct import Direct
from tests.support.pgserver import PgServer

pytestmark = pytest.mark.postgres

FORTY_TWO = select(literal(41) + 1)


def _answer(database: Database) -> int:
    with database.read_conn() as conn:
        return int(conn.execute(text("SELECT 41 + 1")).scalar_one())


def _restarted(server: PgServer, database: Database) -> None:
    """The server stopped and started again, with the database's connection in its pool."""
    assert _answer(database) == 42
    assert database.engine.pool.checkedin() == 1  # type: ignore[attr-defined]
    server.halt()
    server.launch()


def test_an_idle_connection_is_pinged_and_replaced(
    own_pg: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_db, "PG_PING_AFTER_IDLE_S", 0.0)  # every connection counts as idle
    database = Database.open(own_pg.url("postgres"))
    try:
        _restarted(own_pg, database)
        assert _answer(database) == 42  # no error: the dead connection was replaced
    finally:
        database.dispose()


def test_a_connection_just_used_fails_once_then_the_next_works(
    own_pg: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_db, "PG_PING_AFTER_IDLE_S", 3600.0)  # never idle long enough
    database = Database.open(own_pg.url("postgres"))
    try:
        _restarted(own_pg, database)
        with pytest.raises(DatabaseUnavailable):
            _answer(database)
        assert _answer(database) == 42
    finally:
        database.dispose()


def test_a_statement_run_on_the_driver_fails_as_the_connection_would(
    own_pg: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same, for a built-once statement run straight on the driver (``Direct``): the
    server gone is the portal's one line, and the connection is not reused."""
    monkeypatch.setattr(store_db, "PG_PING_AFTER_IDLE_S", 3600.0)
    database = Database.open(own_pg.url("postgres"))
    try:
        _restarted(own_pg, database)
        with pytest.raises(DatabaseUnavailable), database.read_conn() as conn:
            Direct(conn).execute(FORTY_TWO)
        with database.read_conn() as conn:
            assert Direct(conn).execute(FORTY_TWO).scalar() == 42
    finally:
        database.dispose()

"""PostgreSQL stops under open portal sessions served over SSH (issue 11 item 2): a visitor on
the sign-in screen and a signed-in contractor press keys. Every byte their real ``ssh``
clients receive is kept: no traceback, no password, no host details reach them — one plain
line does; the server's log has the error, its password masked. PostgreSQL comes back and
the next key works."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from etrakit_tui.democity.demo import build_demo
from etrakit_tui.domain.errors import UNAVAILABLE_MESSAGE
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.schema import upgrade
from tests.support.pgserver import PgServer
from tests.support.sshkit import (
    ServerProcess,
    Terminal,
    sign_in_by_keys,
    start_server,
    wait_until,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.xdist_group("ssh")]

SECRET = "s3cr3t-Pw-XYZ"
SIGN_IN = "Contractor Login"
COMPANY, PASSWORD = "ACME ELECTRIC INC", "acmedemo22"


def city_on(pg: PgServer) -> str:
    """A role with a password owning a migrated demo city; the URL with the password."""
    with psycopg.connect(pg.admin_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE portal LOGIN PASSWORD '{SECRET}'")
        conn.execute("CREATE DATABASE city OWNER portal")
    url = f"postgresql://portal:{SECRET}@127.0.0.1:{pg.port}/city"
    database = Database.open(url)
    upgrade(database.engine)
    build_demo(database)
    database.dispose()
    return url


def sign_in(term: Terminal) -> None:
    sign_in_by_keys(term, COMPANY, PASSWORD)
    term.settle()


def assert_nothing_leaked(raw: bytes, port: int) -> None:
    for needle in ("Traceback", SECRET, "127.0.0.1", f":{port}", "psycopg", "OperationalError"):
        assert needle.encode() not in raw, needle
    assert b"password" not in raw.lower() or SECRET.encode() not in raw


def test_postgres_stops_under_open_sessions(own_pg: PgServer, tmp_path: Path) -> None:
    url = city_on(own_pg)
    server: ServerProcess = start_server(tmp_path, "--db", url)
    visitor = Terminal(server.ssh("-tt"), columns=100)
    contractor = Terminal(server.ssh("-tt"), columns=100)
    try:
        sign_in(contractor)
        assert visitor.wait_for(SIGN_IN), visitor.text()
        visitor.settle()

        own_pg.halt()

        # The visitor types one letter in the Company field.
        visitor.send("A")
        assert visitor.wait_for(UNAVAILABLE_MESSAGE), visitor.text()
        # The contractor searches for a permit.
        contractor.send("\x1bOR")  # F3
        assert contractor.wait_for("Permit Search"), contractor.text()
        contractor.settle()
        contractor.send("Main\r")
        assert contractor.wait_for(UNAVAILABLE_MESSAGE), contractor.text()
        for term in (visitor, contractor):
            term.settle()
            assert term.alive()  # the portal goes on: retry or quit
            assert_nothing_leaked(bytes(term.transcript), own_pg.port)

        # The full error is in the server's log, its password masked.
        assert wait_until(lambda: "DatabaseUnavailable" in server.log(), timeout=10)
        log = server.log()
        assert SECRET not in log
        assert "portal:***@127.0.0.1" in log
        assert f"cannot connect to PostgreSQL at 127.0.0.1:{own_pg.port}" in log
        assert "Traceback" in log  # the whole error, for the operator

        own_pg.launch()  # PostgreSQL is back: the next key works

        visitor.send("C")
        assert visitor.wait_for(COMPANY), visitor.text()
        assert visitor.wait_for(lambda t: UNAVAILABLE_MESSAGE not in t), visitor.text()
        contractor.send("\r")  # the same search again
        answered = ("No permits match.", "permit(s)")  # the database answered
        assert contractor.wait_for(lambda t: any(a in t for a in answered)), contractor.text()
        assert UNAVAILABLE_MESSAGE not in contractor.text()
        for term in (visitor, contractor):
            term.send("\x11")  # ctrl+q
            assert term.wait_exit(timeout=30) == 0
            assert_nothing_leaked(bytes(term.transcript), own_pg.port)
        assert wait_until(lambda: server.log().count("portal exited (status 0)") == 2, 10)
    finally:
        visitor.close()
        contractor.close()
        server.stop()
    assert SECRET not in server.log()

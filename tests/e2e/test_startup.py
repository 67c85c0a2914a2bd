"""Start-up as a user meets it: the sign-in screen is drawn without the data layer, the
database is opened while the user types, and a schema that is behind still stops the start.

The portal runs in a real pseudo-terminal (the benchmark's runner, :mod:`bench.startup`)
with ``-X importtime``: every module it imported before "Contractor Login" was on screen
is in the log it wrote until then. Nothing here is timed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pexpect
import pyte
import pytest

from bench import startup

DATA_LAYER = {
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "pydantic",
    "pydantic_settings",
    "argon2",
    "psycopg",
}
IMPORTED = re.compile(r"import time:\s+\d+ \|\s+\d+ \|\s*([\w.]+)")


def _modules_before(
    argv: list[str], env: dict[str, str] | None = None, ready: str = startup.SIGN_IN_TEXT
) -> tuple[set[str], str]:
    """Every module the program imported before ``ready`` was on screen, and the screen."""
    program = startup.Program("etrakit-tui", argv, ready)
    captured = bytearray()
    startup.run_once(program, {"PYTHONPROFILEIMPORTTIME": "1", **(env or {})}, captured)
    screen = pyte.Screen(startup.COLUMNS, startup.ROWS)
    pyte.ByteStream(screen).feed(bytes(captured))
    text = captured.decode("utf-8", "replace")
    return {m.group(1) for m in IMPORTED.finditer(text)}, "\n".join(screen.display)


def _imported_before_sign_in(argv: list[str], env: dict[str, str] | None = None) -> set[str]:
    """Top-level packages the program imported before the sign-in text was on screen."""
    return {name.split(".")[0] for name in _modules_before(argv, env)[0]}


def test_sign_in_screen_is_drawn_without_the_data_layer(migrated_url: str) -> None:
    argv = [sys.executable, "-m", "etrakit_tui", "--db", migrated_url]
    imported = _imported_before_sign_in(argv)
    assert "textual" in imported and "etrakit_tui" in imported  # the log is real
    assert sorted(imported & DATA_LAYER) == []


def test_plain_portal_runs_without_click(migrated_url: str) -> None:
    """``etrakit-tui --db URL`` (no command) is not parsed by click: its import costs
    start-up time; every other command line still goes through it (tests/e2e/test_cli_*)."""
    argv = [sys.executable, "-m", "etrakit_tui", "--db", migrated_url]
    imported = _imported_before_sign_in(argv)
    assert "textual" in imported and "click" not in imported


def test_demo_sign_ins_are_shown_without_the_demo_city(migrated_url: str) -> None:
    """A ``serve-ssh --demo`` session's portal (the demo's rules, no demo built in its own
    process) lists every demo sign-in on the sign-in screen without importing the demo city
    (whose module loads the whole data layer): they are read from its data file."""
    from etrakit_tui.democity.demo import DEMO_CREDENTIALS

    code = (
        "import sys; from etrakit_tui.cli.portal import run_portal; "
        "run_portal(sys.argv[1], demo=True, remote=True)"
    )
    argv = [sys.executable, "-c", code, migrated_url]
    last = DEMO_CREDENTIALS[-1].secret  # the screen is drawn to its last sign-in
    modules, screen = _modules_before(argv, ready=last)
    assert "etrakit_tui.tui.screens.login" in modules  # the log is real
    assert sorted(m for m in modules if m.startswith("etrakit_tui.democity")) == []
    assert sorted(modules & DATA_LAYER) == []
    for who, name, secret in DEMO_CREDENTIALS:
        assert f"{who:<24} {name:<20} {secret}" in screen, screen


def test_default_database_is_created_on_first_start(tmp_path: Path) -> None:
    """No --db and no ETRAKIT_DATABASE_URL: the default file (in the user data dir) is made
    and upgraded, then the sign-in screen shows."""
    home = {"XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)}
    assert not any(k.upper() in ("ETRAKIT_DATABASE_URL", "ETRAKIT_CONFIG") for k in os.environ)
    program = startup.Program("etrakit-tui", [sys.executable, "-m", "etrakit_tui"], "Login")
    startup.run_once(program, home)
    created = list((tmp_path / "data").rglob("etrakit.db"))
    assert len(created) == 1
    check = subprocess.run(
        [sys.executable, "-m", "etrakit_tui", "db", "current", "--db", f"sqlite:///{created[0]}"],
        capture_output=True,
        text=True,
        env={**os.environ, **home},
        timeout=120,
    )
    assert "(up to date)" in check.stdout, check.stderr


def test_a_schema_behind_stops_the_portal_with_the_fix(tmp_path: Path) -> None:
    """Run the portal itself (not a sub-command) on a database that is not migrated: one
    line naming ``etrakit-tui db upgrade``, non-zero exit, and the file is not created."""
    path = tmp_path / "behind.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETRAKIT_")}
    result = subprocess.run(
        [sys.executable, "-m", "etrakit_tui", "--db", f"sqlite:///{path}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("etrakit-tui: error: database schema is behind")
    assert "etrakit-tui db upgrade" in lines[0]
    assert not path.exists()


@pytest.mark.postgres
def test_sign_in_screen_on_postgresql_is_drawn_without_the_data_layer(pg_url: str) -> None:
    """PostgreSQL's driver is opened when the first key is pressed, not to draw sign-in."""
    env = {"ETRAKIT_DATABASE_URL": pg_url}
    imported = _imported_before_sign_in([sys.executable, "-m", "etrakit_tui"], env)
    assert "textual" in imported and "etrakit_tui" in imported
    assert sorted(imported & DATA_LAYER) == []


@pytest.mark.postgres
def test_a_postgresql_schema_behind_ends_the_portal_at_the_first_key(pg_server: Any) -> None:
    """An empty PostgreSQL database: the sign-in screen shows, the first key opens the
    database, and the portal ends with the one-line refusal naming the fix."""
    name = pg_server.create_database()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ETRAKIT_")}
        env.update(TERM="xterm-256color", ETRAKIT_DATABASE_URL=pg_server.url(name))
        env.pop("COLUMNS", None)
        env.pop("LINES", None)
        child = pexpect.spawn(
            sys.executable, ["-m", "etrakit_tui"], env=env, dimensions=(24, 80), timeout=60
        )
        child.expect("Login")
        child.send("a")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 1
        tail = child.before.decode("utf-8", "replace")
        # after the terminal is restored (escape sequences), the one error line
        errors = re.findall(r"etrakit-tui: error: [^\r\n]*", tail)
        assert len(errors) == 1, tail[-2000:]
        assert "database schema is behind (at empty" in errors[0]
        assert "etrakit-tui db upgrade" in errors[0]
        assert "Traceback" not in tail
    finally:
        pg_server.drop_database(name)

"""The console script as a user meets it: real processes, real files, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from etrakit_tui.domain.store.db import make_engine
from etrakit_tui.domain.store.schema import current_revision, head_revision


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ETRAKIT_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "etrakit_tui", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("etrakit-tui: error: ")
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("db", "demo-data", "company", "staff", "assign-inspections"):
        assert command in result.stdout


def test_db_upgrade_then_current(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    first = run("db", "upgrade", "--db", url)
    assert first.returncode == 0, first.stderr
    assert f"upgraded empty -> {head_revision()}" in first.stdout
    assert current_revision(make_engine(url)) == head_revision()
    again = run("db", "current", env={"ETRAKIT_DATABASE_URL": url})
    assert again.returncode == 0
    assert "(up to date)" in again.stdout


def test_unmigrated_database_is_refused_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()  # an empty SQLite database
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = run("assign-inspections", "--db", url)
    assert_one_line_error(result, "etrakit-tui db upgrade")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("db", "upgrade", "--db", "mysql://x/y"), "unsupported database"),
        (("db", "upgrade", "--db", "not a url"), "not a database URL"),
        (("demo-data", "--permits", "0"), "--permits"),
        (("no-such-command",), "No such command"),
        (("--demo-db", "/tmp/x.db"), "--demo-db needs --demo"),
    ],
)
def test_bad_arguments_are_one_line(args: tuple[str, ...], needle: str) -> None:
    assert_one_line_error(run(*args), needle)


def test_bad_config_names_the_key(tmp_path: Path) -> None:
    cfg = tmp_path / "city.toml"
    cfg.write_text("slot_capacity = -3\n")
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert run("db", "upgrade", "--db", url).returncode == 0
    result = run("assign-inspections", "--db", url, env={"ETRAKIT_CONFIG": str(cfg)})
    assert_one_line_error(result, "slot_capacity")


def test_unreachable_postgres_is_one_line() -> None:
    result = run("db", "current", "--db", "postgresql://nobody:pw-XYZ@127.0.0.1:1/none")
    # what failed: host, port, reason (issue 11 item 5); never the password
    assert_one_line_error(result, "cannot connect to PostgreSQL at 127.0.0.1:1: connection refused")
    assert "pw-XYZ" not in result.stderr


@pytest.fixture
def migrated(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'admin.db'}"
    assert run("db", "upgrade", "--db", url).returncode == 0
    return url


def test_company_administration_round_trip(migrated: str) -> None:
    from etrakit_tui.domain.accounts.auth import sign_in_company
    from etrakit_tui.domain.store.db import Database

    added = run(
        "company",
        "add",
        "BRIGHT PLUMBING INC",
        "--license",
        "998877",
        "--email",
        "office@bright.example",
        "--phone",
        "951-555-0101",
        "--db",
        migrated,
    )
    assert added.returncode == 0, added.stderr
    pin = added.stdout.split("PIN ")[1].split()[0]
    assert len(pin) == 8 and pin.isdigit()
    listed = run("company", "list", "--db", migrated)
    assert "BRIGHT PLUMBING INC\t998877\tawaiting first sign-in" in listed.stdout
    result = sign_in_company(Database.open(migrated), "BRIGHT PLUMBING INC", pin)
    assert result.must_set_password

    disabled = run("company", "disable", "BRIGHT PLUMBING INC", "--db", migrated)
    assert disabled.returncode == 0
    assert "\tdisabled" in run("company", "list", "--db", migrated).stdout


def test_company_errors_are_one_line(migrated: str) -> None:
    args = ("--email", "a@b.example", "--phone", "951-555-0101", "--db", migrated)
    assert run("company", "add", "ONE INC", "--license", "111", *args).returncode == 0
    duplicate = run("company", "add", "TWO INC", "--license", "111", *args)
    assert_one_line_error(duplicate, "license")
    assert_one_line_error(run("company", "issue-pin", "NOBODY LLC", "--db", migrated), "not found")
    bad_email = run(
        "company",
        "add",
        "THREE INC",
        "--license",
        "333",
        "--email",
        "nope",
        "--phone",
        "951-555-0101",
        "--db",
        migrated,
    )
    assert_one_line_error(bad_email, "email")


def test_staff_add_creates_a_working_account(migrated: str) -> None:
    from etrakit_tui.domain.accounts.auth import sign_in_staff
    from etrakit_tui.domain.store.db import Database

    result = run(
        "staff",
        "add",
        "jdoe",
        "--name",
        "Jane Doe",
        "--role",
        "inspector",
        "--district",
        "NORTH",
        "--password",
        "field-work-2026",
        "--db",
        migrated,
    )
    assert result.returncode == 0, result.stderr
    signed = sign_in_staff(Database.open(migrated), "jdoe", "field-work-2026")
    assert signed.actor.is_inspector

"""``etrakit-tui field checkout|sync`` as an inspector meets them: the real console script
on a real SQLite city file, the password on stdin, the city taken away (its file moved and
a folder left in its place) and brought back; errors are one line, never a traceback."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from etrakit_tui.domain.field import field_status, open_field, record_offline
from etrakit_tui.domain.inspections.assignment import assign_inspector
from etrakit_tui.domain.inspections.calendar import format_day, local_today
from etrakit_tui.domain.inspections.cancel import cancel_inspection
from etrakit_tui.domain.store.db import Database
from tests.unit.test_field_checkout import PASSWORD, FieldScene, build_field_scene


def run(*args: str, stdin: str = "", home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETRAKIT_")}
    if home is not None:
        env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"))
    return subprocess.run(
        [sys.executable, "-m", "etrakit_tui", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("etrakit-tui: error: ")
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def city(tmp_path: Path, migrated_sqlite_template: Path) -> tuple[str, Path, FieldScene]:
    """A city file whose inspections are today (the commands use the real clock)."""
    path = tmp_path / "city" / "etrakit.db"
    path.parent.mkdir()
    shutil.copyfile(migrated_sqlite_template, path)
    db = Database.open(f"sqlite:///{path}")
    fs = build_field_scene(db, 3, day=local_today(db.jurisdiction, db.now()))
    db.dispose()
    return f"sqlite:///{path}", path, fs


def test_checkout_record_offline_and_sync_through_the_console_script(
    city: tuple[str, Path, FieldScene], tmp_path: Path
) -> None:
    url, path, fs = city
    home = tmp_path / "home"
    result = run(
        "field", "checkout", "--username", "ana", "--db", url, stdin=PASSWORD + "\n", home=home
    )
    assert result.returncode == 0, result.stderr
    db = Database.open(url)
    today = local_today(db.jurisdiction, db.now())
    default_file = home / "data" / "etrakit-tui" / "field" / "ana.db"
    assert result.stdout.strip() == (
        f"Checked out 3 inspection(s) for {format_day(today)} into {default_file}"
    )
    assert stat.S_IMODE(default_file.stat().st_mode) == 0o600

    cancel_inspection(db, fs.scene.clerk, fs.ids[0])  # the desk cancels one meanwhile
    assign_inspector(db, fs.scene.clerk, fs.ids[1], "ben")
    db.dispose()
    field = open_field(default_file)
    record_offline(field, fs.ids[0], "PASSED", "done")
    record_offline(field, fs.ids[1], "PASSED", "done")
    record_offline(field, fs.ids[2], "FAILED", "No bonding jumper")
    field.close()

    away = tmp_path / "away.db"
    path.rename(away)
    path.mkdir()  # the city cannot be opened
    down = run("field", "sync", "--db", url, home=home)
    assert_one_line_error(down, "3 result(s) still waiting in", str(default_file))
    path.rmdir()
    away.rename(path)

    up = run("field", "sync", "--db", url, home=home)  # the only field file: no option needed
    assert up.returncode == 0, up.stderr
    lines = up.stdout.strip().splitlines()
    assert lines[0] == "Sent 3 result(s): 1 applied, 2 not applied (conflicts)"
    assert "cancelled by the building division; your result is kept" in lines[1]
    assert "reassigned to Ben Oh; your result is kept" in lines[2]
    assert (
        lines[3] == f"Route for {format_day(today)}: 2 inspection(s) (0 added, 2 changed "
        "at the city)"
    )
    again = run("field", "sync", "--db", url, "--field-file", str(default_file), home=home)
    assert again.stdout.splitlines()[0] == "Nothing waiting to be sent."
    field = open_field(default_file)
    status = field_status(field)
    field.close()
    assert (status.waiting, status.applied, status.conflicts) == (0, 1, 2)


def test_field_commands_refuse_bad_input_in_one_line(
    city: tuple[str, Path, FieldScene], tmp_path: Path
) -> None:
    url, _, _ = city
    home = tmp_path / "home"
    wrong = run("field", "checkout", "--username", "ana", "--db", url, stdin="nope\n", home=home)
    assert_one_line_error(wrong, "Sign-in failed")
    nobody = run("field", "checkout", "--db", url, home=home)
    assert_one_line_error(nobody, "--username")
    bad_day = run("field", "checkout", "--username", "ana", "--date", "13/45/2026", home=home)
    assert_one_line_error(bad_day, "--date")
    missing = run("field", "sync", "--db", url, "--field-file", str(tmp_path / "no.db"))
    assert_one_line_error(missing, "no field file at", "check out first")
    none_yet = run("field", "sync", "--db", url, home=home)
    assert_one_line_error(none_yet, "no field file in")
    unreachable = run(
        "field",
        "checkout",
        "--username",
        "ana",
        "--db",
        "postgresql://nobody@127.0.0.1:1/city",
        stdin=PASSWORD + "\n",
        home=home,
    )
    assert_one_line_error(unreachable, "cannot connect to PostgreSQL at 127.0.0.1:1")
    no_app = run("field", "--db", url, "--field-file", str(tmp_path / "no.db"), home=home)
    assert_one_line_error(no_app, "no field file at")

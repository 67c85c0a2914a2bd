"""Which database a command acts on, as an operator meets it (issue 11, items 3 and 5).

The real console script (``.venv/bin/etrakit-tui``) runs with ``HOME`` and
``XDG_DATA_HOME`` inside the test's folder and its working directory there too, so the
default SQLite file — and anything else a command might leave behind — would appear in
that folder: the tests list it before and after. Every command is run once through the
console script on the chosen database (root ``--db`` or ``ETRAKIT_DATABASE_URL``, taking
turns); the per-command checks of both sources and of a ``--db`` given twice call the
same ``main()`` in-process, where each costs milliseconds instead of a process start.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import pexpect
import pytest

from tests.support.sshkit import free_port, wait_until

SCRIPT = Path(sys.executable).with_name("etrakit-tui")
COMPANY = "BRIGHT PLUMBING INC"
ONE_LINE = re.compile(r"etrakit-tui: error: [^\r\n]*")


@dataclass
class Place:
    """A test's whole world: a home (where the default database would go), a working
    directory, and the chosen database file."""

    root: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def chosen(self) -> Path:
        return self.root / "chosen" / "city.db"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.chosen}"

    @property
    def default(self) -> Path:
        return self.home / "data" / "etrakit-tui" / "etrakit.db"

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.upper().startswith(("ETRAKIT_", "TEXTUAL")) and k not in ("COLUMNS", "LINES")
        }
        env.update(HOME=str(self.home), XDG_DATA_HOME=str(self.home / "data"))
        env.update(TMPDIR=str(self.root / "tmp"), TERM="xterm-256color", **extra)
        return env

    def tree(self) -> list[str]:
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*"))

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SCRIPT), *args],
            capture_output=True,
            text=True,
            env=self.env(**env),
            cwd=self.work,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )


@pytest.fixture
def place(tmp_path: Path) -> Place:
    here = Place(tmp_path)
    for folder in (here.home, here.work, here.chosen.parent, tmp_path / "tmp"):
        folder.mkdir(parents=True)
    return here


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.args, result.stderr)
    return result.stdout


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.args, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("etrakit-tui: error: ")
    return lines[0]


def first_row(path: Path, sql: str, *params: object) -> tuple[object, ...]:
    with closing(sqlite3.connect(path)) as conn:
        row = conn.execute(sql, params).fetchone()
    assert row is not None, sql
    return tuple(row)


# --------------------------------------------------------------------------- every command


def serve_ssh(place: Place, *args: str) -> tuple[subprocess.Popen[bytes], Path]:
    """``etrakit-tui <args> --port P --host-key K`` started in ``place``, once it serves (or
    has ended); its output goes to the returned log file."""
    argv = [str(SCRIPT), *args, "--port", str(free_port())]
    argv += ["--host-key", str(place.root / "host_key")]
    log = place.root / "serve-ssh.log"
    with log.open("wb") as out:
        server = subprocess.Popen(argv, stdout=out, stderr=out, env=place.env(), cwd=place.work)
    if not wait_until(
        lambda: server.poll() is not None or "serving the portal" in log.read_text(), 90
    ):
        server.kill()
        server.wait(timeout=30)
        pytest.fail(log.read_text())
    return server, log


def test_every_command_acts_on_the_chosen_database(place: Place) -> None:
    """Each command once, through the console script, on the chosen database: the effect
    is in that database (and its audit log), and the default file never appears."""

    def by_root(*args: str) -> str:
        return ok(place.run("--db", place.url, *args))

    def by_env(*args: str) -> str:
        return ok(place.run(*args, ETRAKIT_DATABASE_URL=place.url))

    assert "upgraded empty -> " in by_root("db", "upgrade")
    assert place.chosen.exists()
    assert "(up to date)" in by_env("db", "current")
    contact = ("--email", "office@bright.example", "--phone", "951-555-0101")
    assert "PIN " in by_root("company", "add", COMPANY, "--license", "998877", *contact)
    # The root --config applies to the command after it: this city's PINs last 3 days.
    city = place.root / "city.toml"
    city.write_text("pin_valid_days = 3\n")
    zone = ZoneInfo("America/Los_Angeles")
    before = datetime.now(zone)
    pin = by_root("--config", str(city), "company", "issue-pin", COMPANY)
    days = {f"{(t + timedelta(days=3)):%m/%d/%Y}" for t in (before, datetime.now(zone))}
    assert any(f"expires {day}" in pin for day in days), pin
    assert f"{COMPANY}: disabled" in by_env("company", "disable", COMPANY)
    assert f"{COMPANY}: enabled" in by_root("company", "enable", COMPANY)
    inspector = ("--name", "Jane Doe", "--role", "inspector", "--district", "NORTH")
    assert "jdoe: inspector account created" in by_env(
        "staff", "add", "jdoe", *inspector, "--password", "field-work-2026"
    )
    assert "added 200 permits" in by_root("demo-data", "--permits", "200")
    parcel = ("--apn", "999-000-001", "--address", "1 TEST WAY", "--district", "NORTH")
    fees = ("--company", COMPANY, "--standard-fees")
    created = by_env("permit", "create", "--type", "ELECTRICAL", *parcel, *fees)
    assert "fees $175.00" in created
    number = created.split(":")[0]
    posted = by_root("review", "post", number, "--type", "BUILDING", "--reviewer", "Pat")
    review_id = posted.split()[1].rstrip(":")
    assert "APPROVED" in by_env("review", "update", review_id, "--status", "APPROVED")
    assert f"{number}: fees due $150.00" in by_root("payment", "record", number, "25.00")
    day, waiting = first_row(
        place.chosen,
        "SELECT requested_date, count(*) FROM inspection WHERE status = 'REQUESTED'"
        " GROUP BY requested_date ORDER BY requested_date",
    )
    assigned = by_root("assign-inspections", "--date", str(day))
    assert f"{waiting} inspection(s) assigned" in assigned
    left = "SELECT count(*) FROM inspection WHERE status = 'REQUESTED' AND requested_date = ?"
    assert first_row(place.chosen, left, day) == (0,)
    (open_id,) = first_row(place.chosen, "SELECT id FROM inspection WHERE status = 'SCHEDULED'")
    assert "-> Jane Doe" in by_env("inspection", "assign", str(open_id), "jdoe")
    by_env("notify")
    assert f"{COMPANY}\t998877\t" in by_root("company", "list", "--prefix", "BRIGHT")
    audit = by_env("audit", "list", "--limit", "1000")
    for trace in (COMPANY, "jdoe", number, f"inspection {open_id} -> jdoe"):
        assert trace in audit
    assert not place.default.exists()
    expected = ["chosen", "chosen/city.db", "chosen/city.db.writelock", "city.toml"]
    assert place.tree() == sorted([*expected, "home", "tmp", "work"])


def test_serve_ssh_and_the_portal_use_the_root_database(place: Place) -> None:
    """``serve-ssh``, ``ssh-shell`` and the portal itself with a root ``--db``: they start
    on the chosen database, and the default file (which they would create) never appears."""
    ok(place.run("--db", place.url, "db", "upgrade"))
    server, log = serve_ssh(place, "--db", place.url, "serve-ssh")
    try:
        assert server.poll() is None, log.read_text()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    for args in (["--db", place.url], ["--db", place.url, "ssh-shell"]):
        portal = pexpect.spawn(
            str(SCRIPT), args, env=place.env(), cwd=str(place.work), dimensions=(24, 80)
        )
        portal.expect("Login", timeout=60)
        portal.send("\x11")  # ctrl+q
        portal.expect(pexpect.EOF, timeout=30)
        portal.close()
        assert portal.exitstatus == 0, args
    assert not list(place.home.rglob("*.db")), place.tree()


# --------------------------------------------------------------------------- in-process

SETTLEMENT_SAMPLE = (
    Path(__file__).resolve().parents[2] / "src/etrakit_tui/democity/data/settlement-sample.csv"
)
"""A settlement file that exists (``payment import`` reads its file before the database)."""

# Arguments that make each command valid up to the point where it opens its database.
COMMAND_ARGS: dict[str, list[str]] = {
    "db current": [],
    "demo-data": ["--permits", "1"],
    "assign-inspections": [],
    "notify": [],
    "company add": ["X INC", "--license", "1", "--email", "a@b.example", "--phone", "1"],
    "company list": [],
    "company issue-pin": ["X INC"],
    "company disable": ["X INC"],
    "company enable": ["X INC"],
    "staff add": ["jdoe", "--name", "J", "--role", "staff", "--password", "long-enough-1"],
    "permit create": ["--type", "ELECTRICAL", "--apn", "1"],
    "review post": ["B1", "--type", "BUILDING", "--reviewer", "P"],
    "review update": ["1"],
    "payment record": ["B1", "1.00"],
    "payment import": [str(SETTLEMENT_SAMPLE)],
    "inspection assign": ["1", "jdoe"],
    "audit list": [],
    "serve-ssh": ["--port", "0"],
    "field checkout": ["--username", "jdoe"],
}
# Commands that add data: they create the default file on first use, as the portal does.
ADDS_DATA = {"demo-data", "company add", "staff add", "permit create", "serve-ssh"}
# Commands that take --db but never open the database in this process.
NOT_OPENED = {"db upgrade": "creates it (see above)", "ssh-shell": "the portal it starts does"}
# Commands that open the database only after reading their own file (tested with theirs).
OPENED_AFTER_ITS_FILE = {"field sync": "the field file first: tests/e2e/test_field_cli.py"}


def _commands_with(option: str) -> set[str]:
    from etrakit_tui.cli import cli

    found: set[str] = set()

    def walk(group: click.Group, prefix: str) -> None:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None
            if isinstance(command, click.Group):
                walk(command, f"{prefix}{name} ")
            elif any(option in p.opts for p in command.params):
                found.add(f"{prefix}{name}")

    walk(cli, "")
    return found


def test_the_table_names_every_command_with_a_database() -> None:
    assert _commands_with("--db") == set(COMMAND_ARGS) | set(NOT_OPENED) | set(
        OPENED_AFTER_ITS_FILE
    )


def _main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from etrakit_tui.cli import main

    try:
        main(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    else:
        code = 0
    return code, capsys.readouterr().err


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for key in list(os.environ):
        if key.upper().startswith("ETRAKIT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "a command created something"


@pytest.mark.parametrize("command", sorted(COMMAND_ARGS))
def test_each_command_takes_its_database_from_root_db_or_the_environment(
    command: str, homes: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pointed at a file that is not there, by root ``--db`` and then by the environment,
    each command names that file (so that is the one it would act on) and creates nothing
    (the fixture checks the folder stays empty)."""
    words, args = command.split(), COMMAND_ARGS[command]
    missing = homes / "missing.db"
    code, err = _main(["--db", f"sqlite:///{missing}", *words, *args], capsys)
    assert (code, err) == (
        1,
        f"etrakit-tui: error: no database at {missing} "
        f"(create it with: etrakit-tui --db sqlite:///{missing} db upgrade)\n",
    )
    monkeypatch.setenv("ETRAKIT_DATABASE_URL", f"sqlite:///{missing}")
    code, err = _main([*words, *args], capsys)
    assert code == 1 and f"no database at {missing} " in err
    # the same --db before and after the command is no conflict
    same = ["--db", f"sqlite:///{missing}", *words, *args, "--db", f"sqlite:///{missing}"]
    assert f"no database at {missing} " in _main(same, capsys)[1]
    if command not in ADDS_DATA:  # those create the default file on first use, as the portal
        monkeypatch.delenv("ETRAKIT_DATABASE_URL")
        code, err = _main([*words, *args], capsys)
        default = homes / "home" / "data" / "etrakit-tui" / "etrakit.db"
        assert (code, err) == (
            1,
            f"etrakit-tui: error: no database at {default} "
            "(create it with: etrakit-tui db upgrade)\n",
        )


@pytest.mark.parametrize(
    "command", sorted(COMMAND_ARGS | {k: [] for k in (*NOT_OPENED, *OPENED_AFTER_ITS_FILE)})
)
def test_a_database_given_twice_is_refused(
    command: str, homes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [*command.split(), *COMMAND_ARGS.get(command, [])]
    twice = ["--db", "sqlite:///a.db", *args, "--db", "sqlite:///b.db"]
    assert _main(twice, capsys) == (
        1,
        "etrakit-tui: error: --db given twice (before and after the command); give it once\n",
    )
    if "--config" in _options_of(command):
        twice = ["--config", "a.toml", *args, "--config", "b.toml"]
        assert _main(twice, capsys) == (
            1,
            "etrakit-tui: error: --config given twice (before and after the command); "
            "give it once\n",
        )


def _options_of(command: str) -> set[str]:
    from etrakit_tui.cli import cli

    ctx = click.Context(cli)
    found: click.Command | None = cli
    for word in command.split():
        assert isinstance(found, click.Group)
        found = found.get_command(ctx, word)
    assert found is not None
    return {opt for p in found.params for opt in p.opts}


def test_the_commands_that_apply_the_jurisdictions_rules_take_config() -> None:
    assert _commands_with("--config") == {
        "assign-inspections",
        "field checkout",
        "field sync",
        "payment import",
        "serve-ssh",
        "ssh-shell",
    }


# --------------------------------------------------------------------------- nothing created


def test_reading_a_database_that_is_not_there_creates_nothing(place: Place) -> None:
    """Through the console script: a reading command on a missing file (the default one,
    one in a missing folder, one named by the environment) says so and creates nothing;
    so does a command given two different databases."""
    before = place.tree()
    default = one_line_error(place.run("db", "current"))
    assert default == (
        f"etrakit-tui: error: no database at {place.default} "
        "(create it with: etrakit-tui db upgrade)"
    )
    nowhere = place.root / "no-such-folder" / "x.db"
    listed = one_line_error(place.run("--db", f"sqlite:///{nowhere}", "company", "list"))
    assert listed == f"etrakit-tui: error: cannot open the database at {nowhere}: no such folder"
    audit = one_line_error(place.run("audit", "list", ETRAKIT_DATABASE_URL=place.url))
    assert f"no database at {place.chosen} " in audit
    contact = ("--email", "a@b.example", "--phone", "951-555-0101")
    twice = ["--db", place.url, "company", "add", "X INC", "--license", "1", *contact]
    refused = one_line_error(place.run(*twice, "--db", f"sqlite:///{nowhere}"))
    assert refused.endswith("--db given twice (before and after the command); give it once")
    assert place.tree() == before


# --------------------------------------------------------------------------- file modes

HOLD_OPEN = """
import json, sys
from pathlib import Path
from etrakit_tui.cli.bootstrap import database_choice, open_chosen
database = open_chosen(database_choice(None, None))
with database.read_conn() as conn:
    conn.exec_driver_sql("SELECT count(*) FROM company").scalar()
    folder = Path(sys.argv[1])
    modes = {p.name: p.stat().st_mode & 0o777 for p in [folder, *folder.iterdir()]}
print(json.dumps(modes))
"""


def test_a_new_database_is_private_under_a_permissive_umask(place: Place) -> None:
    """umask 022 (new files 0644, folders 0755): ``company add`` creates the default
    database with its folder; a second process holds it open (so ``-wal`` and ``-shm``
    exist). Only the owner may read any of them."""
    umask_022 = ["sh", "-c", 'umask 022 && exec "$0" "$@"']
    contact = ("--email", "a@b.example", "--phone", "951-555-0101")
    added = subprocess.run(
        [*umask_022, str(SCRIPT), "company", "add", "X INC", "--license", "1", *contact],
        capture_output=True,
        text=True,
        env=place.env(),
        cwd=place.work,
        timeout=120,
    )
    assert ok(added).startswith("X INC: PIN ")
    folder = place.default.parent
    held = subprocess.run(
        [*umask_022, sys.executable, "-c", HOLD_OPEN, str(folder)],
        capture_output=True,
        text=True,
        env=place.env(),
        cwd=place.work,
        timeout=120,
    )
    modes = json.loads(ok(held))
    assert modes == {
        "etrakit-tui": 0o700,
        "etrakit.db": 0o600,
        "etrakit.db-wal": 0o600,
        "etrakit.db-shm": 0o600,
        "etrakit.db.writelock": 0o600,
        "etrakit.db.lock": 0o600,  # held while the new file is migrated
    }, {k: oct(v) for k, v in modes.items()}


# --------------------------------------------------------------------------- cannot exist


@pytest.mark.parametrize("where", ["in a missing folder", "under a file"])
def test_a_database_path_that_cannot_exist_stops_the_portal(place: Place, where: str) -> None:
    """The portal itself (no command), its standard input not a terminal: one line that
    says what is wrong with the path, before anything is drawn; nothing is created."""
    if where == "under a file":
        (place.root / "a-file").write_text("not a folder\n")
        path = place.root / "a-file" / "x.db"
        reason = f"{place.root / 'a-file'} is not a folder"
        args, env = [], {"ETRAKIT_DATABASE_URL": f"sqlite:///{path}"}  # as ssh sessions get it
    else:
        path = place.root / "no-such-folder" / "x.db"
        reason = "no such folder"
        args, env = ["--db", f"sqlite:///{path}"], {}
    before = place.tree()
    result = place.run(*args, **env)
    assert (
        one_line_error(result)
        == f"etrakit-tui: error: cannot open the database at {path}: {reason}"
    )
    assert result.stdout == ""
    assert place.tree() == before


# --------------------------------------------------------------------------- the demo


@pytest.mark.parametrize("ending", ["ctrl+q", "hang-up"])
def test_the_demo_leaves_no_temporary_folder(place: Place, ending: str) -> None:
    """``make demo`` (``etrakit-tui --demo``) under umask 022: its city lives in a private
    temporary folder while the portal runs, and the folder is gone once the portal is quit
    or its terminal window closed (SIGHUP)."""
    tmp = place.root / "tmp"
    portal = pexpect.spawn(
        "sh",
        ["-c", 'umask 022 && exec "$0" --demo', str(SCRIPT)],
        env=place.env(),
        cwd=str(place.work),
        dimensions=(24, 80),
    )
    try:
        portal.expect("Login", timeout=90)
        (folder,) = tmp.glob("etrakit-demo-*")
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE((folder / "demo.db").stat().st_mode) == 0o600
        if ending == "ctrl+q":
            portal.send("\x11")
        else:
            os.kill(portal.pid, signal.SIGHUP)
        portal.expect(pexpect.EOF, timeout=30)
    finally:
        portal.close(force=True)
    assert portal.exitstatus == (0 if ending == "ctrl+q" else 128 + signal.SIGHUP)
    assert list(tmp.iterdir()) == []


def test_serve_ssh_demo_removes_its_city_when_it_stops(place: Place) -> None:
    tmp = place.root / "tmp"
    server, _log = serve_ssh(place, "serve-ssh", "--demo")
    try:
        assert len(list(tmp.glob("etrakit-demo-*"))) == 1
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert list(tmp.iterdir()) == []

"""Passwords never reach a log line, and a database that cannot be reached is described for
the operator (host, port, reason) without its password."""

from __future__ import annotations

import logging
import stat
import sys
from pathlib import Path

import pytest

from etrakit_tui.domain.errors import UNAVAILABLE_MESSAGE, DatabaseUnavailable
from etrakit_tui.domain.store.db import Database, describe_failure, is_connection_failure
from etrakit_tui.logs import MaskPasswords, mask_url
from tests.support.sshkit import free_port

SECRET = "s3cr3t-Pw-XYZ"


def test_mask_url_hides_the_password_of_a_url() -> None:
    assert mask_url("postgresql://u:p@h:5/db") == "postgresql://u:***@h:5/db"
    text = f"could not use postgresql+psycopg://portal:{SECRET}@db.example:5433/city, retrying"
    masked = mask_url(text)
    assert SECRET not in masked
    assert "postgresql+psycopg://portal:***@db.example:5433/city, retrying" in masked
    assert (
        mask_url("sqlite:////var/lib/etrakit/portal.db") == "sqlite:////var/lib/etrakit/portal.db"
    )


def test_mask_url_hides_a_dsn_password() -> None:
    masked = mask_url(f"host=db.example port=5433 user=portal password={SECRET} dbname=city")
    assert masked == "host=db.example port=5433 user=portal password=*** dbname=city"
    assert SECRET not in mask_url(f"dbname=city password='{SECRET} with space' user=u")
    assert SECRET not in mask_url(f"postgresql://db.example/city?password={SECRET}&x=1")


def test_a_log_record_is_masked_in_message_and_traceback() -> None:
    url = f"postgresql://portal:{SECRET}@db.example:5433/city"
    try:
        raise RuntimeError(f"cannot use {url}")
    except RuntimeError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "url %s", (url,), None)
        record.exc_info = sys.exc_info()
    assert MaskPasswords().filter(record)
    line = logging.Formatter().format(record)
    assert SECRET not in line
    assert "portal:***@db.example" in line
    assert "Traceback" in line  # the full error still goes to the log


def test_a_server_that_is_down_is_described_with_host_and_port_not_password() -> None:
    port = free_port()  # nothing listens there
    database = Database.open(f"postgresql://portal:{SECRET}@127.0.0.1:{port}/city")
    try:
        with pytest.raises(DatabaseUnavailable) as caught, database.read() as session:
            session.connection()
    finally:
        database.dispose()
    err = caught.value
    assert str(err) == UNAVAILABLE_MESSAGE
    assert err.detail == f"cannot connect to PostgreSQL at 127.0.0.1:{port}: connection refused"
    assert SECRET not in err.url and "***" in err.url
    assert is_connection_failure(err.__cause__)  # the driver's error kept for the log


def test_describe_failure_names_the_url_host_even_when_the_driver_does_not() -> None:
    import psycopg

    with pytest.raises(psycopg.OperationalError) as caught:
        psycopg.connect("host=db.invalid port=5433 user=portal dbname=city", connect_timeout=2)
    url = f"postgresql://portal:{SECRET}@db.invalid:5433/city"
    text = describe_failure(url, caught.value)
    assert text.startswith("cannot connect to PostgreSQL at db.invalid:5433: ")
    assert "resolve" in text
    assert SECRET not in text


def test_a_sqlite_file_that_cannot_be_opened_is_unavailable() -> None:
    import sqlite3

    with pytest.raises(sqlite3.OperationalError) as caught:
        sqlite3.connect("file:/nonexistent-dir/x.db?mode=rw", uri=True).execute("select 1")
    assert is_connection_failure(caught.value)
    assert describe_failure("sqlite:////nonexistent-dir/x.db", caught.value) == (
        "cannot open the SQLite database /nonexistent-dir/x.db: unable to open database file"
    )


def test_the_command_line_says_what_failed_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from etrakit_tui.cli import main

    port = free_port()
    with pytest.raises(SystemExit) as ended:
        main(["--db", f"postgresql://portal:{SECRET}@127.0.0.1:{port}/city", "db", "current"])
    assert ended.value.code == 1
    err = capsys.readouterr().err
    assert err == (
        f"etrakit-tui: error: cannot connect to PostgreSQL at 127.0.0.1:{port}: "
        "connection refused\n"
    )


LOGGING_CHILD = """
import os
from pathlib import Path
from etrakit_tui.logs import configure_portal_logging, log_failure
local = os.environ.get("TEST_LOCAL_LOG")
configure_portal_logging(Path(local) if local else None)
try:
    raise RuntimeError("cannot use postgresql://portal:SECRET@db.example:5433/city")
except RuntimeError as exc:
    log_failure(exc, fatal=True)
import warnings
warnings.warn("postgresql://portal:SECRET@db.example/x is deprecated")
""".replace("SECRET", SECRET)


@pytest.mark.parametrize("sink", ["pipe", "none", "local file"])
def test_the_portal_process_never_logs_to_its_terminal(sink: str, tmp_path: Path) -> None:
    """The portal's standard streams are the visitor's terminal: its log goes to the pipe
    the service gave it (masked), to a local run's own private file, or nowhere; never to
    stdout/stderr."""
    import os
    import subprocess

    read_end, write_end = os.pipe()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETRAKIT_")}
    log_file = tmp_path / "log" / "portal.log"
    if sink == "pipe":
        env["ETRAKIT_LOG_FD"] = str(write_end)
    elif sink == "local file":
        env["TEST_LOCAL_LOG"] = str(log_file)
    result = subprocess.run(
        [sys.executable, "-c", LOGGING_CHILD],
        env=env,
        pass_fds=(write_end,),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        logged = pipe.read()
    assert result.stdout == "" and result.stderr == ""
    if sink == "pipe":
        assert "RuntimeError" in logged and "Traceback" in logged
        assert "portal:***@db.example" in logged and "is deprecated" in logged
        assert SECRET not in logged
    else:
        assert logged == ""
    if sink == "local file":
        written = log_file.read_text()
        assert "RuntimeError" in written and "portal:***@db.example" in written
        assert SECRET not in written
        assert stat.S_IMODE(log_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(log_file.parent.stat().st_mode) == 0o700
    else:
        assert not log_file.parent.exists()

"""One error path (issue 11 item 2): a database that cannot be reached is one plain line and
the portal goes on (retry by the next key, or quit); anything unexpected ends the portal with
status 1 and a plain line, and no traceback (with its local variables: a database URL, a
password) ever reaches the terminal."""

from __future__ import annotations

import inspect
import os
import shutil
import sys
import textwrap
from pathlib import Path

import pexpect
import pytest
from textual.app import App
from textual.binding import Binding
from textual.message_pump import MessagePump
from textual.widgets import Static
from textual.worker import Worker

from etrakit_tui.domain.errors import UNAVAILABLE_MESSAGE, DatabaseUnavailable
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.tui.app import CRASH_MESSAGE, EtrakitApp, PortalFailed, make_app
from etrakit_tui.tui.workers import run_service
from tests.support.sshkit import free_port
from tests.tui.conftest import demo_template_path, open_demo_copy, sign_in, type_text, until
from tests.tui.forms_support import flat, on_screen

SECRET = "s3cr3t-Pw-XYZ"


def unreachable_url() -> tuple[str, int]:
    """A PostgreSQL URL with a password, on a port where nothing listens."""
    port = free_port()
    return f"postgresql://portal:{SECRET}@127.0.0.1:{port}/city", port


class FlakyOpener:
    """Opens a PostgreSQL server that is down until ``up`` is set, then the demo city."""

    def __init__(self, tmp_path: Path, clock: FixedClock) -> None:
        self.tmp_path, self.clock = tmp_path, clock
        self.url, self.port = unreachable_url()
        self.up = False
        self.database: Database | None = None

    def __call__(self) -> Database:
        if not self.up:
            down = Database.open(self.url)
            with down.read() as session:  # raises: nothing listens there
                session.connection()
        if self.database is None:
            self.database = open_demo_copy(self.tmp_path, self.clock)
        return self.database


def login_message(app: App[object]) -> str:
    return str(app.screen.query_one("#login-error", Static).render())


def test_textual_still_sends_every_crash_through_the_hook_we_override() -> None:
    """EtrakitApp silences Textual's crash rendering (a traceback with local variables) by
    overriding ``App._handle_exception``. If a Textual upgrade renames it, or stops calling
    it from workers and message handlers, this fails: re-check app.py's override."""
    assert "_handle_exception" in vars(App), "Textual's crash hook is gone: see EtrakitApp"
    assert "_handle_exception" in vars(EtrakitApp)
    assert list(inspect.signature(App._handle_exception).parameters) == ["self", "error"]
    assert "app._handle_exception(worker_failed)" in inspect.getsource(Worker._run)
    handlers = inspect.getsource(MessagePump._process_messages_loop)
    assert "self.app._handle_exception(error)" in handlers
    # What Textual would otherwise print after exit: it must stay where we never add to it.
    assert "_exit_renderables" in inspect.getsource(App._print_error_renderables)


async def test_sign_in_screen_says_one_plain_line_and_the_next_key_retries(
    tmp_path: Path, clock: FixedClock
) -> None:
    opener = FlakyOpener(tmp_path, clock)
    app = make_app(opener, remote=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, "LoginScreen")
        await type_text(pilot, "A")
        await until(pilot, lambda: login_message(app) == UNAVAILABLE_MESSAGE, "the plain line")
        words = flat(pilot)
        assert SECRET not in words and str(opener.port) not in words
        assert "OperationalError" not in words and "psycopg" not in words
        assert app.is_running and app.return_code is None
        opener.up = True  # the server is back: the next key tries again
        await type_text(pilot, "C")
        await until(pilot, lambda: "ACME ELECTRIC INC" in flat(pilot), "the company list")
        assert login_message(app) == ""
    assert app.fatal_error is None


async def test_locally_the_operator_is_told_host_port_and_reason(
    tmp_path: Path, clock: FixedClock
) -> None:
    opener = FlakyOpener(tmp_path, clock)
    app = make_app(opener)  # run locally: the user is the operator
    async with app.run_test(size=(100, 24)) as pilot:
        await type_text(pilot, "A")
        expected = f"cannot connect to PostgreSQL at 127.0.0.1:{opener.port}: connection refused"
        await until(pilot, lambda: expected in login_message(app), "what failed")
        assert login_message(app).startswith(UNAVAILABLE_MESSAGE)
        assert SECRET not in flat(pilot)


async def test_a_worker_meeting_an_unreachable_database_shows_the_line_and_goes_on(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_app(open_demo_copy(tmp_path, clock), remote=True)
    url, _port = unreachable_url()
    down = Database.open(url)

    def read() -> None:
        with down.read() as session:
            session.connection()

    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "ACME ELECTRIC INC", "acmedemo22")
        # Through the helper every screen uses, and through a bare Textual worker (its
        # exception reaches the app's crash hook): both are one plain line, nothing ends.
        run_service(app.screen, read, group="test-down")
        app.screen.run_worker(read, thread=True, group="test-bare")  # exit_on_error=True
        await until(
            pilot,
            lambda: sum(n.message == UNAVAILABLE_MESSAGE for n in app._notifications) == 2,
            "two plain notifications",
        )
        assert all(SECRET not in n.message for n in app._notifications)
        await pilot.press("f3")  # the portal goes on: the menu still works
        await on_screen(pilot, "SearchScreen")
        assert app.is_running and app.return_code is None and app.fatal_error is None
    down.dispose()


class Crashing(EtrakitApp):
    """The portal with one key whose handler fails unexpectedly (a bug, provoked)."""

    BINDINGS = [*EtrakitApp.BINDINGS, Binding("f12", "boom", priority=True)]

    def action_boom(self) -> None:
        database_url = f"postgresql://portal:{SECRET}@db.example:5433/city"
        raise RuntimeError(f"unexpected, near {database_url}")


async def test_an_unexpected_error_in_a_handler_ends_the_portal_with_status_1(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = Crashing(open_demo_copy(tmp_path, clock), remote=True)
    with pytest.raises(RuntimeError):  # run_test hands the error to the test, as Textual does
        async with app.run_test(size=(80, 24)) as pilot:
            await on_screen(pilot, "LoginScreen")
            await pilot.press("f12")
            await until(pilot, lambda: not app.is_running, "the portal to end")
    assert app.return_code == 1
    assert isinstance(app.fatal_error, PortalFailed)
    assert str(app.fatal_error) == CRASH_MESSAGE
    assert app._exit_renderables == []  # nothing for Textual to print after exit


CHILD_SCRIPT = textwrap.dedent(
    """
    import etrakit_tui.tui.app as appmod
    from textual.binding import Binding

    class Crashing(appmod.EtrakitApp):
        BINDINGS = [*appmod.EtrakitApp.BINDINGS, Binding("f12", "boom", priority=True)]

        def action_boom(self):
            database_url = "postgresql://portal:SECRET@db.example:5433/city"
            raise RuntimeError("unexpected, near " + database_url)

    appmod.make_app = lambda database, **kw: Crashing(database, **kw)
    from etrakit_tui.ssh.child import main

    main([])
    """
).replace("SECRET", SECRET)


def test_a_crash_in_a_real_terminal_prints_one_plain_line_and_exits_1(tmp_path: Path) -> None:
    """The SSH session's process (``etrakit_tui.ssh.child``) on a real PTY: every byte it
    writes is kept; a bug in a key handler ends it with status 1 and one plain line."""
    database = tmp_path / "city.db"
    shutil.copy(demo_template_path(), database)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ETRAKIT_", "TEXTUAL_"))}
    env.update(TERM="xterm-256color", ETRAKIT_DATABASE_URL=f"sqlite:///{database}")
    child = pexpect.spawn(
        sys.executable, ["-c", CHILD_SCRIPT], env=env, dimensions=(24, 80), cwd=str(tmp_path)
    )
    transcript = bytearray()
    try:
        child.expect("Contractor Login", timeout=60)
        transcript += (child.before or b"") + (child.after or b"")
        child.send("\x1b[24~")  # F12
        child.expect(pexpect.EOF, timeout=60)
        transcript += child.before or b""
    finally:
        child.close(force=True)
    assert child.exitstatus == 1
    raw = bytes(transcript)
    assert b"Traceback" not in raw
    assert SECRET.encode() not in raw
    assert b"RuntimeError" not in raw and b"db.example" not in raw
    assert f"etrakit-tui: error: {CRASH_MESSAGE}".encode() in raw


def test_database_unavailable_says_only_the_plain_line() -> None:
    err = DatabaseUnavailable("cannot connect to PostgreSQL at db.example:5433: timeout")
    assert str(err) == "The portal cannot reach its database. Try again in a minute."

"""Shared fixtures for Pilot tests of the TUI.

* ``demo_template`` (session) / :func:`demo_template_path`: the demo city (SPEC §5) built ONCE
  per process at the tests' fixed clock into a template SQLite file; each test copies it
  (building takes seconds, copying is fast).
* ``demo_db`` / :func:`open_demo_copy`: a fresh copy of the demo city, opened with the clock.
* :func:`make_demo_app` ``(tmp_path, clock)``: an ``EtrakitApp`` on a fresh copy (demo mode,
  so the sign-in screen lists the demo credentials).
* :func:`sign_in` ``(pilot, company, password)``: drives the sign-in screen by keys only and
  waits until the signed-in home screen is up.
* :func:`until` ``(pilot, condition)``: let the app run (workers, messages) until
  ``condition()`` holds; fails with a message if it never does. Not a timing assertion:
  it only bounds how long a test may wait for something that must happen.

Other test folders (e.g. ``tests/snapshots``) import these helpers from here.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual import events
from textual.css.query import NoMatches
from textual.keys import _character_to_key
from textual.pilot import Pilot

from etrakit_tui.democity.demo import build_demo
from etrakit_tui.domain.store.db import Database, FixedClock, make_engine
from etrakit_tui.domain.store.schema import upgrade
from etrakit_tui.tui.app import EtrakitApp, make_app
from tests.conftest import DEFAULT_NOW
from tests.support.injection import screen_text

PATIENCE_SECONDS = 60.0
"""How long :func:`until` lets the app work before giving up (generous: a busy CI machine)."""
STEP_SECONDS = 0.02


def build_demo_template(path: Path, clock: FixedClock | None = None) -> Path:
    """Build the demo city into ``path`` (a new SQLite file) at ``clock`` (default: the
    tests' fixed clock) and checkpoint it so a plain file copy holds everything."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    database = Database.open(f"sqlite:///{path}", clock=clock or FixedClock(DEFAULT_NOW))
    build_demo(database)
    with database.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


_template: Path | None = None


def demo_template_path() -> Path:
    """The demo city at the tests' fixed clock, built once per test process (a temporary
    folder removed at exit). Both the fixture below and :func:`make_demo_app` use it."""
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="etrakit-demo-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _template = build_demo_template(folder / "demo.db")
    return _template


@pytest.fixture(scope="session")
def demo_template() -> Path:
    """The demo city at the tests' fixed clock (built once; copy it, never write to it)."""
    return demo_template_path()


def copy_demo(template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo template in ``tmp_path``."""
    path = tmp_path / "demo.db"
    shutil.copyfile(template, path)
    return path


def open_demo_copy(tmp_path: Path, clock: FixedClock) -> Database:
    """A fresh copy of the demo city in ``tmp_path``, opened with ``clock``."""
    return Database.open(f"sqlite:///{copy_demo(demo_template_path(), tmp_path)}", clock=clock)


@pytest.fixture
def demo_db(tmp_path: Path, clock: FixedClock) -> Iterator[Database]:
    """A fresh copy of the demo city, opened with the test's clock."""
    database = open_demo_copy(tmp_path, clock)
    yield database
    database.dispose()


def make_demo_app(
    tmp_path: Path, clock: FixedClock, *, database: Database | None = None
) -> EtrakitApp:
    """An app (demo mode) on a fresh copy of the demo city, or on ``database`` if given.

    The demo's dates are relative to the tests' fixed clock (``tests.conftest.DEFAULT_NOW``);
    ``clock`` is what the app's "now" is while it runs."""
    return make_app(database or open_demo_copy(tmp_path, clock), demo=True)


async def until(
    pilot: Pilot[object], condition: Callable[[], object], what: str = "the app to settle"
) -> None:
    """Let the app run until ``condition()`` is true (fail, naming ``what``, if it never is).

    A condition that queries a widget not mounted yet (``NoMatches``) counts as false."""

    def holds() -> bool:
        try:
            return bool(condition())
        except NoMatches:
            return False

    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        if holds():
            return
        await pilot.pause(STEP_SECONDS)
    if not holds():
        screen = type(pilot.app.screen).__name__
        raise AssertionError(
            f"gave up waiting for {what}; {screen} shows:\n{screen_text(pilot.app)}"
        )


async def type_text(pilot: Pilot[object], text: str) -> None:
    """Type ``text`` key by key (spaces and punctuation included), as a fast typist would:
    the key events are queued back to back (as a terminal delivers pasted-in keystrokes),
    then the app is let run until it has handled them all."""
    driver = pilot.app._driver
    assert driver is not None
    for char in text:
        key = char if char.isalnum() else _character_to_key(char)
        event = events.Key(key, char)
        event.set_sender(pilot.app)
        driver.send_message(event)
    await pilot.pause()


async def sign_in(pilot: Pilot[object], company: str, password: str) -> None:
    """Sign in on the contractor sign-in screen by keys, and wait for the signed-in home."""
    app = pilot.app
    assert isinstance(app, EtrakitApp)
    await until(pilot, lambda: type(app.screen).__name__ == "LoginScreen", "the sign-in screen")
    await type_text(pilot, company)
    await pilot.press("enter")
    if app.focused is not None and app.focused.id == "picker":
        await pilot.press("enter")  # the company list opened: take the first (exact) match
    await until(pilot, lambda: app.focused is not None and app.focused.id == "secret", "password")
    await type_text(pilot, password)
    await pilot.press("enter")
    await until(pilot, lambda: app.actor is not None, f"{company} to be signed in")
    await until(pilot, lambda: app.screen is app.home_screen, "the home screen")


def palette_prompts(app: object) -> list[str]:
    """The command palette's options, as plain strings (the palette must be the screen)."""
    from textual.widgets import OptionList

    options = app.screen.query_one(OptionList)  # type: ignore[attr-defined]
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def _palette_searching(app: object) -> bool:
    from textual.command import CommandPalette
    from textual.worker import WorkerState

    group = CommandPalette._GATHER_COMMANDS_GROUP
    return any(
        w.group == group and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
        for w in app.workers  # type: ignore[attr-defined]
    )


def palette_searched(app: object, typed: str) -> bool:
    """The palette holds ``typed`` and its search for it has ended (its options are final)."""
    from textual.widgets import Input

    return bool(app.screen.query_one(Input).value == typed) and not _palette_searching(app)  # type: ignore[attr-defined]


async def palette_choose(pilot: Pilot[object], typed: str, wanted: str) -> None:
    """Open the command palette (Ctrl+P), type ``typed`` and run the command whose prompt
    holds ``wanted``, by keys. Waits for the search of the whole typed text to end first:
    options of an earlier, shorter query are replaced (and re-ordered) when it does, so
    counting Down presses against them picked another command now and then."""
    from textual.command import CommandPalette
    from textual.widgets import OptionList

    app = pilot.app
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
    await type_text(pilot, typed)
    await until(
        pilot,
        lambda: palette_searched(app, typed) and any(wanted in p for p in palette_prompts(app)),
        f"{wanted} in the palette",
    )
    options = app.screen.query_one(OptionList)
    for _ in range(options.option_count):
        await pilot.press("down")
        highlighted = options.highlighted
        if highlighted is not None and wanted in palette_prompts(app)[highlighted]:
            break
    else:
        raise AssertionError(f"Down never reached {wanted}: {palette_prompts(app)}")
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(app.screen, CommandPalette), "the palette to close")

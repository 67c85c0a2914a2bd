"""The sign-in screen before the database is open (issue 7): the app starts on an *opener*;
the screen is drawn without it, the first key starts opening it, and everything that needs
it (company list, sign-in, forgot-password help) waits for it. By keys only."""

from __future__ import annotations

import gc
from pathlib import Path

from textual.widgets import Static

from etrakit_tui.domain.errors import DatabaseError
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.tui.app import make_app
from tests.tui.conftest import open_demo_copy, type_text, until
from tests.tui.forms_support import flat, on_screen


class Opener:
    """Opens a copy of the demo city, counting calls; fails while ``failures`` > 0."""

    def __init__(self, tmp_path: Path, clock: FixedClock, failures: int = 0) -> None:
        self.tmp_path, self.clock, self.failures = tmp_path, clock, failures
        self.calls = 0
        self.database: Database | None = None

    def __call__(self) -> Database:
        self.calls += 1
        if self.failures > 0:
            self.failures -= 1
            raise DatabaseError("database error: the server is not answering")
        if self.database is None:
            self.database = open_demo_copy(self.tmp_path, self.clock)
        return self.database


async def test_screen_is_drawn_before_the_database_and_first_key_opens_it(
    tmp_path: Path, clock: FixedClock
) -> None:
    opener = Opener(tmp_path, clock)
    app = make_app(opener)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, "LoginScreen")
        words = flat(pilot)
        assert "Contractor Login" in words and "City of Hemet" in words
        assert opener.calls == 0 and not app.database_ready

        await type_text(pilot, "ACME")
        await until(pilot, lambda: "ACME ELECTRIC INC" in flat(pilot), "the company list")
        assert app.screen.query_one("#picker").display
        await pilot.press("enter", "enter")  # into the list, take the match
        await until(pilot, lambda: getattr(app.focused, "id", "") == "secret", "the password")
        await type_text(pilot, "acmedemo22")
        await pilot.press("enter")
        await until(pilot, lambda: app.actor is not None, "the sign-in")
        await on_screen(pilot, "DashboardScreen")
        assert "Signed in as: ACME ELECTRIC INC" in flat(pilot)
        assert opener.calls == 1  # opened once, by the first key


async def test_a_start_without_the_collector_turns_it_on_once_drawn(
    tmp_path: Path, clock: FixedClock
) -> None:
    """The portal starts with the garbage collector off (``cli.portal.run_portal``: its
    collections cost start-up time). Once the sign-in screen is drawn it is on again, so a
    long session's garbage is collected, and what start-up made is frozen, not walked."""
    gc.unfreeze()
    gc.disable()
    try:
        app = make_app(Opener(tmp_path, clock))
        async with app.run_test(size=(80, 24)) as pilot:
            await on_screen(pilot, "LoginScreen")
            await until(pilot, gc.isenabled, "the collector back on")
            assert gc.get_freeze_count() > 0
            assert "Contractor Login" in flat(pilot)
    finally:
        gc.enable()
        gc.unfreeze()


async def test_forgot_password_waits_for_the_jurisdiction(
    tmp_path: Path, clock: FixedClock
) -> None:
    opener = Opener(tmp_path, clock)
    app = make_app(opener)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, "LoginScreen")
        await pilot.press("f9")
        await on_screen(pilot, "ForgotPasswordScreen")
        words = flat(pilot)
        assert "bldgstaff@cityofhemet.org" in words and "(951) 765-2475" in words
        assert opener.calls == 1


async def test_a_database_that_cannot_be_opened_is_said_at_sign_in_and_retried(
    tmp_path: Path, clock: FixedClock
) -> None:
    opener = Opener(tmp_path, clock, failures=2)  # the warm-up and the first sign-in fail
    app = make_app(opener)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, "LoginScreen")
        await pilot.press("f8")  # staff sign-in: no company list to look up
        await type_text(pilot, "admin")
        await until(pilot, lambda: opener.calls >= 1, "the first attempt to open")
        await pilot.press("enter")
        await type_text(pilot, "staffdesk2026")
        await pilot.press("enter")
        error = app.screen.query_one("#login-error", Static)
        await until(pilot, lambda: "not answering" in str(error.render()), "the refusal")
        assert app.actor is None

        await type_text(pilot, "staffdesk2026")
        await pilot.press("enter")
        await until(pilot, lambda: app.actor is not None, "the second sign-in")
        assert opener.calls == 3

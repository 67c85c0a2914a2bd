"""First sign-in with a PIN (SPEC §2.1, §4): SUNRISE SOLAR LLC signs in with PIN 24681357, is
taken to setting a password (the rule shown in words), a too-short one is refused at the
field, a good one leads to the dashboard; afterwards the new password works and the PIN
(single use) no longer does. All by keys on the sign-in screen."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from etrakit_tui.domain.store.db import FixedClock
from tests.tui.conftest import make_demo_app, until
from tests.tui.forms_support import flat, on_screen, sign_in_by_keys

PIN = "24681357"
PASSWORD = "sunny days 2026"


async def test_pin_then_password_then_dashboard_and_pin_is_spent(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in_by_keys(pilot, "SUNR", PIN)
        await on_screen(pilot, "SetPasswordScreen")
        assert app.actor is None  # not signed in until a password is set
        words = flat(pilot)
        assert "Choose your password" in words and "Company: SUNRISE SOLAR LLC" in words
        assert "Password rule: 8 to 128 characters of any kind" in words

        error = app.screen.query_one("#password-error", Static)
        await pilot.press(*"short", "enter", *"short", "enter")
        await until(pilot, lambda: str(error.render()) != "", "the refusal")
        assert str(error.render()) == "Use at least 8 characters (this one has 5)."
        assert app.actor is None

        await pilot.press("shift+tab")  # back to the password (its text is selected)
        await pilot.press(*PASSWORD, "enter", *PASSWORD, "enter")
        await until(pilot, lambda: app.actor is not None, "the sign-in")
        await until(pilot, lambda: app.screen is app.home_screen, "the home screen")
        assert app.actor is not None and app.actor.name == "SUNRISE SOLAR LLC"
        await on_screen(pilot, "DashboardScreen")
        assert "Signed in as: SUNRISE SOLAR LLC" in flat(pilot)

        # Sign out; the new password signs in.
        await pilot.press("f10")
        await on_screen(pilot, "LoginScreen")
        assert app.actor is None
        await sign_in_by_keys(pilot, "SUNR", PASSWORD)
        await until(pilot, lambda: app.actor is not None, "the second sign-in")
        await on_screen(pilot, "DashboardScreen")

        # The PIN was used up: it is refused like any wrong secret.
        await pilot.press("f10")
        await on_screen(pilot, "LoginScreen")
        await sign_in_by_keys(pilot, "SUNR", PIN)
        login_error = app.screen.query_one("#login-error", Static)
        await until(
            pilot, lambda: str(login_error.render()) not in ("", "Signing in..."), "the refusal"
        )
        assert app.actor is None
        assert type(app.screen).__name__ == "LoginScreen"

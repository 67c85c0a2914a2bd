"""The sign-in screen by keys at 80x24 (issue 13, item 5): the company picker finds any part of
the name, Down opens it, Shift+Tab lands on something you can see focused, the staff sign-in
key is shown and its screen speaks to staff, the privacy note is there, and the reason for an
idle sign-out stays until the next key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from textual.containers import ScrollableContainer
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, Input, OptionList, Static

from etrakit_tui.domain.store.db import FixedClock
from etrakit_tui.tui.screens.login import LoginScreen
from tests.tui.conftest import make_demo_app, sign_in, type_text, until
from tests.tui.forms_support import flat, on_screen, text_of

IDLE = "Signed out after 30 minutes without a key."


def _login(pilot: Pilot[Any]) -> LoginScreen:
    screen = pilot.app.screen
    assert isinstance(screen, LoginScreen)
    return screen


def _message(pilot: Pilot[Any]) -> str:
    return str(_login(pilot).query_one("#login-error", Static).render())


def _footer(pilot: Pilot[Any]) -> str:
    return text_of(pilot).splitlines()[-1]


def _words(pilot: Pilot[Any]) -> str:
    """The words of the screen on top (a dialog's own, not those of the screen under it)."""
    return " ".join(" ".join(str(w.render()).split()) for w in pilot.app.screen.query(Static))


def _look(widget: Widget) -> tuple[object, ...]:
    styles = widget.styles
    return (styles.border, styles.text_style, styles.background, styles.color, styles.outline)


async def test_typing_any_part_of_the_name_finds_the_company(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, "LoginScreen")
        await type_text(pilot, "hem")
        picker = app.screen.query_one("#picker", OptionList)
        await until(pilot, lambda: "CITY OF HEMET" in flat(pilot), "CITY OF HEMET in the list")
        assert picker.display

        await type_text(pilot, "et")  # "hemet": still there; a part of a word, too
        await pilot.press("home")
        await type_text(pilot, "of ")  # "of hemet": one company, taken with Enter
        await until(pilot, lambda: picker.option_count == 1, "one match")
        await pilot.press("enter", "enter")
        await until(pilot, lambda: getattr(app.focused, "id", "") == "secret", "the password")
        await type_text(pilot, "hemetdemo1")
        await pilot.press("enter")
        await until(pilot, lambda: app.actor is not None, "the sign-in")
        await until(pilot, lambda: "Signed in as: CITY OF HEMET" in flat(pilot), "the home")


async def test_down_opens_the_list_and_shift_tab_lands_on_a_visible_focus(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, "LoginScreen")
        await pilot.press("down")  # nothing typed: the list opens with the first companies
        await until(pilot, lambda: getattr(app.focused, "id", "") == "picker", "the list")
        assert "ACME ELECTRIC INC" in flat(pilot)
        await pilot.press("up")  # Up on the first company: back to the field
        await until(pilot, lambda: getattr(app.focused, "id", "") == "name", "the field")
        await pilot.press("down")
        await until(pilot, lambda: getattr(app.focused, "id", "") == "picker", "the list again")
        await pilot.press("down", "enter")  # the second company, taken
        await until(pilot, lambda: getattr(app.focused, "id", "") == "secret", "the password")
        assert app.screen.query_one("#name").value == "BLUE SKY ROOFING INC"  # type: ignore[attr-defined]

        await pilot.press("shift+tab")  # back to the company field, then beyond it
        assert getattr(app.focused, "id", "") == "name"
        await type_text(pilot, "X")  # a name: Down now moves into its list
        await pilot.press("shift+tab")
        focused = app.focused
        assert focused is not None and not isinstance(focused, ScrollableContainer)
        assert isinstance(focused, Button), focused  # wrapped round to the last button
        seen_focused = _look(focused)
        await pilot.press("tab")
        assert app.focused is not focused
        assert _look(focused) != seen_focused, "focus must change how the button looks"


async def test_staff_sign_in_key_is_shown_and_its_screen_speaks_to_staff(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, "LoginScreen")
        assert "f8 Staff sign-in" in _footer(pilot)
        await pilot.press("f8")
        await until(pilot, lambda: "Staff / Inspector Login" in flat(pilot), "staff sign-in")
        words = flat(pilot).replace("first login (PIN)", "")  # the demo's credentials list
        assert "User name:" in words and "Company" not in words.split("Demo sign-ins")[0]
        assert "PIN" not in words and "CONTRACTOR PORTAL" not in words
        assert "f8 Contractor sign-in" in _footer(pilot)

        await pilot.press("f9")
        await on_screen(pilot, "ForgotPasswordScreen")
        assert "ask the Building Division's administrator" in _words(pilot)
        assert "PIN" not in _words(pilot)
        await pilot.press("escape")
        await on_screen(pilot, "LoginScreen")
        await pilot.press("f8")  # and back
        await until(pilot, lambda: "Contractor Login" in flat(pilot), "contractor sign-in")
        assert "Password (first time: your PIN):" in flat(pilot)


async def test_privacy_note_is_on_the_sign_in_screen_with_the_form(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, "LoginScreen")
        words = flat(pilot)
        assert "Your privacy is important to the City of Hemet" in words
        assert "LOGIN" in words and "Forgot your password?" in words  # the form still fits
        assert "f2 Privacy" in _footer(pilot)

        await pilot.press("f2")
        await on_screen(pilot, "PrivacyNoteScreen")
        words = _words(pilot)
        assert "Email information will be used for city purposes only" in words
        assert "(951) 765-2475" in words
        assert "restricted to contractors with a valid license" in words
        await pilot.press("escape")
        await on_screen(pilot, "LoginScreen")
        assert getattr(app.focused, "id", "") == "name"


async def test_sign_out_reason_stays_until_the_next_key(tmp_path: Path, clock: FixedClock) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, "LoginScreen")
        await type_text(pilot, "ACME")
        await until(pilot, lambda: "ACME ELECTRIC INC" in flat(pilot), "the company list")

        _login(pilot).show_reason(IDLE)
        await pilot.pause()
        assert _message(pilot) == IDLE and IDLE in flat(pilot)
        assert app.screen.query_one("#name").value == ""  # type: ignore[attr-defined]
        assert not app.screen.query_one("#picker").display  # nor the company list
        assert not app._notifications  # a line on the screen, not a popup that goes away
        for _ in range(5):
            await pilot.pause()
        assert _message(pilot) == IDLE

        await pilot.press("tab")
        await until(pilot, lambda: _message(pilot) == "", "the message cleared by a key")

        _login(pilot).show_reason(IDLE)
        await pilot.pause()
        assert _message(pilot) == IDLE
        await type_text(pilot, "a")  # a key typed into a field clears it too
        await until(pilot, lambda: _message(pilot) == "", "the message cleared by typing")


async def test_an_idle_sign_out_says_why_on_the_sign_in_screen_until_a_key(
    tmp_path: Path, clock: FixedClock
) -> None:
    """The real path: the session check finds the session idle, the portal signs out, and
    the reason is the sign-in screen's message line (not a popup) until the next key."""
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "CITY OF HEMET", "hemetdemo1")
        minutes = app.database.jurisdiction.idle_minutes
        clock.set(clock.now() + timedelta(minutes=minutes + 1))
        app.check_session()
        await on_screen(pilot, "LoginScreen")
        reason = f"Signed out after {minutes} minutes without a key."
        await until(pilot, lambda: _message(pilot) == reason, "the reason")
        assert not app._notifications
        assert app.screen.query_one("#name").value == ""  # type: ignore[attr-defined]
        await type_text(pilot, "A")
        await until(pilot, lambda: _message(pilot) == "", "the reason cleared by a key")


async def test_after_a_sign_out_the_form_keeps_nothing_of_the_last_sign_in(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, "LoginScreen")
        await pilot.press("f8")
        await type_text(pilot, "admin")
        await pilot.press("enter")
        await type_text(pilot, "staffdesk2026")
        await pilot.press("enter")
        await on_screen(pilot, "StaffHomeScreen")
        await pilot.press("f10")
        await on_screen(pilot, "LoginScreen")
        assert "Contractor Login" in flat(pilot) and "f8 Staff sign-in" in _footer(pilot)
        assert [i.value for i in app.screen.query(Input)] == ["", ""]
        assert getattr(app.focused, "id", "") == "name"

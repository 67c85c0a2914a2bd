"""Navigation, generated from the registry (issue 13): for each kind of account every
destination is one key away from every other, Esc comes back; the Menu screen (F1) lists
every destination; at 80x24 the footer shows F1 Menu and the screen's own keys; Esc asks
before it throws input away; a sign-out leaves nothing of the session behind; the README's
keys are the registry's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList

from etrakit_tui.domain.accounts.actors import ActorKind
from etrakit_tui.domain.store.db import FixedClock
from etrakit_tui.tui import navigation
from etrakit_tui.tui.app import EtrakitApp
from etrakit_tui.tui.navigation import HOME, Destination, key_words
from etrakit_tui.tui.screens.discard import DiscardScreen
from etrakit_tui.tui.screens.menu import MenuScreen, screen_keys
from etrakit_tui.tui.widgets.footer import PortalFooter
from tests.tui.conftest import make_demo_app, palette_choose, sign_in, type_text, until
from tests.tui.forms_support import clear_and_type, field, on_screen, open_menu, text_of
from tests.tui.test_request import add, open_form, permit_where

README = Path(__file__).resolve().parents[2] / "README.md"

SIGN_INS: dict[ActorKind, tuple[str, str]] = {
    ActorKind.COMPANY: ("CITY OF HEMET", "hemetdemo1"),
    ActorKind.INSPECTOR: ("inspector", "inspect2026"),
    ActorKind.STAFF: ("admin", "staffdesk2026"),
}


async def sign_in_as(pilot: Pilot[Any], kind: ActorKind) -> EtrakitApp:
    """The demo sign-in of ``kind`` by keys (F8 first for staff and inspectors)."""
    app = pilot.app
    assert isinstance(app, EtrakitApp)
    await on_screen(pilot, "LoginScreen")
    if kind is not ActorKind.COMPANY:
        await pilot.press("f8")
    await sign_in(pilot, *SIGN_INS[kind])  # type: ignore[arg-type]
    return app


def footer(pilot: Pilot[Any]) -> str:
    """The footer as drawn: the screen's last row."""
    return text_of(pilot).splitlines()[-1]


async def on_destination(pilot: Pilot[Any], d: Destination) -> None:
    await until(pilot, lambda: type(pilot.app.screen) is d.screen_class(), d.title)


def own_keys(pilot: Pilot[Any]) -> list[str]:
    """The screen's own keys as the footer writes them (``^s Save``)."""
    app = pilot.app
    return [
        f"{app.get_key_display(active.binding)} {active.binding.description}"
        for key, active in app.screen.active_bindings.items()
        if (key, active.binding.description) in screen_keys(app.screen)
    ]


@pytest.mark.parametrize("kind", list(SIGN_INS), ids=[k.value for k in SIGN_INS])
async def test_every_destination_by_its_key_from_every_other_and_esc_back(
    tmp_path: Path, clock: FixedClock, kind: ActorKind
) -> None:
    """From each destination, each other destination's key opens it; Esc comes back to the
    one it was opened from (on the home screen Esc does nothing). On every destination at
    80x24 the footer shows F1 Menu and the screen's own keys."""
    menu = navigation.destinations(kind)
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in_as(pilot, kind)
        home = menu[0]
        assert home.name == HOME
        for start in menu:
            for goal in menu:
                if goal is start:
                    continue
                await pilot.press(home.key)
                await until(pilot, lambda: app.screen is app.home_screen, "home")
                if start is not home:
                    await pilot.press(start.key)
                    await on_destination(pilot, start)
                await pilot.press(goal.key)
                await on_destination(pilot, goal)
                await pilot.press("escape")
                await on_destination(pilot, start if goal is not home else home)
            await pilot.press(home.key)
            if start is not home:
                await pilot.press(start.key)
            await on_destination(pilot, start)
            await until(pilot, lambda: "f1 Menu" in footer(pilot), f"F1 Menu on {start.title}")
            shown = footer(pilot)
            for words in own_keys(pilot)[:4]:
                assert words in shown, f"{words!r} not in the footer of {start.title}: {shown}"
            if start is home:
                await pilot.press("escape")  # nothing happens on the home screen
                await pilot.pause()
                assert app.screen is app.home_screen and "Esc Back" not in footer(pilot)
            else:
                assert "esc Back" in footer(pilot) or len(shown) > 70, shown


@pytest.mark.parametrize("kind", list(SIGN_INS), ids=[k.value for k in SIGN_INS])
async def test_the_menu_lists_every_destination_and_enter_goes_there(
    tmp_path: Path, clock: FixedClock, kind: ActorKind
) -> None:
    """F1 on every destination: the Menu lists each destination with its key, and the
    screen's own keys, Sign out and Quit; Esc closes it; Enter on a destination opens it."""
    menu = navigation.destinations(kind)
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in_as(pilot, kind)
        for d in menu:
            await pilot.press(d.key)
            await on_destination(pilot, d)
            own = screen_keys(app.screen)
            await pilot.press("f1")
            await on_screen(pilot, "MenuScreen")
            lines = menu_lines(pilot)
            for other in menu:
                assert f"{key_words(other.key):<8}{other.title}" in lines
            for key, words in own:
                assert f"{key_words(key):<8}{words}" in lines
            assert "F10     Sign out" in lines and "Ctrl+Q  Quit" in lines
            await pilot.press("escape")
            await on_destination(pilot, d)
        last = menu[-1]
        await pilot.press(menu[0].key, "f1")
        await on_screen(pilot, "MenuScreen")
        options = app.screen.query_one(OptionList)
        index = next(
            i
            for i in range(options.option_count)
            if str(options.get_option_at_index(i).prompt).strip().endswith(last.title)
        )
        options.highlighted = index
        await pilot.press("enter")
        await on_destination(pilot, last)


def menu_lines(pilot: Pilot[Any]) -> list[str]:
    screen = pilot.app.screen
    assert isinstance(screen, MenuScreen)
    options = screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt).strip() for i in range(options.option_count)]


async def test_the_sign_in_screen_menu_shows_its_keys(tmp_path: Path, clock: FixedClock) -> None:
    """F1 on the sign-in screen: its own keys (F8 staff sign-in, forgot password), and Quit;
    no destination (nobody is signed in) and no Sign out."""
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, "LoginScreen")
        assert "f1 Menu" in footer(pilot) and "f8 Staff sign-in" in footer(pilot)
        await pilot.press("f1")
        await on_screen(pilot, "MenuScreen")
        lines = menu_lines(pilot)
        assert "F8      Staff sign-in" in lines and "Ctrl+Q  Quit" in lines
        assert not any("Sign out" in line or "Dashboard" in line for line in lines)
        await pilot.press("escape")
        await on_screen(pilot, "LoginScreen")


async def test_esc_on_a_request_with_rows_asks_first(tmp_path: Path, clock: FixedClock) -> None:
    """Two inspections added: Esc asks "Discard 2 inspections not yet sent?"; N and Esc keep
    them, Y goes back to the schedule screen with nothing sent; Enter discards too."""
    city = SIGN_INS[ActorKind.COMPANY]
    app = make_demo_app(tmp_path, clock)
    number = permit_where(app.database, city, "ROUGH_ELECTRICAL", None)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot, city, number)
        form = app.screen
        await add(pilot, "ROUGH ELECTRICAL", "Mon 11/23/2026", "AM")
        await add(pilot, "RACKING", None, None)
        for keep in ("n", "escape"):
            await pilot.press("escape")
            await on_screen(pilot, "DiscardScreen")
            assert "Discard 2 inspections not yet sent?" in text_of(pilot)
            await pilot.press(keep)
            await until(pilot, lambda: app.screen is form, "the form again")
            assert len(form.items) == 2  # type: ignore[attr-defined]
        await pilot.press("escape")
        await on_screen(pilot, "DiscardScreen")
        await pilot.press("y")
        await on_screen(pilot, "ScheduleScreen")
        assert form not in app.screen_stack

        await pilot.press("enter")  # the same permit again (the highlighted row)
        await on_screen(pilot, "InspectionRequestScreen")
        await until(pilot, lambda: bool(app.screen.types), "the form")  # type: ignore[attr-defined]
        await add(pilot, "ROUGH ELECTRICAL", "Mon 11/23/2026", "AM")
        await pilot.press("escape")
        await on_screen(pilot, "DiscardScreen")
        assert "Discard 1 inspection not yet sent?" in text_of(pilot)
        await pilot.press("enter")
        await on_screen(pilot, "ScheduleScreen")


async def test_esc_on_an_edited_profile_asks_first_and_f9_undoes(
    tmp_path: Path, clock: FixedClock
) -> None:
    """An edited field: Esc asks "Discard your changes to the profile?"; N keeps the edit;
    F9 puts back what is saved (Esc then leaves at once); an edit again, Esc, Y: back on the
    dashboard, nothing saved."""
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in_as(pilot, ActorKind.COMPANY)
        await open_menu(pilot, "f6", "ProfileScreen")
        await until(pilot, lambda: field(pilot, "city").text != "", "the profile")
        saved = field(pilot, "city").text
        await clear_and_type(pilot, "city", "RIVERSIDE")
        await pilot.press("escape")
        await on_screen(pilot, "DiscardScreen")
        assert "Discard your changes to the profile?" in text_of(pilot)
        await pilot.press("n")
        await on_screen(pilot, "ProfileScreen")
        assert field(pilot, "city").text == "RIVERSIDE"
        assert "f9 Undo changes" in footer(pilot) or "Undo changes" in str(screen_keys(app.screen))
        await pilot.press("f9")
        await until(pilot, lambda: field(pilot, "city").text == saved, "the saved city")
        await pilot.press("escape")  # nothing to lose: straight back
        await on_screen(pilot, "DashboardScreen")

        await open_menu(pilot, "f6", "ProfileScreen")
        await until(pilot, lambda: field(pilot, "city").text != "", "the profile")
        await clear_and_type(pilot, "city", "RIVERSIDE")
        await pilot.press("f2")  # the menu closes the profile: it asks too
        await on_screen(pilot, "DiscardScreen")
        await pilot.press("y")
        await on_screen(pilot, "DashboardScreen")
        await open_menu(pilot, "f6", "ProfileScreen")
        await until(pilot, lambda: field(pilot, "city").text == saved, "nothing was saved")


async def test_palette_has_sign_out_and_quit(tmp_path: Path, clock: FixedClock) -> None:
    """Ctrl+P offers Sign out and Quit; Sign out from it returns to the sign-in screen."""
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in_as(pilot, ActorKind.COMPANY)
        await pilot.press("ctrl+p")
        await on_screen(pilot, "CommandPalette")
        await type_text(pilot, "quit")
        await until(pilot, lambda: "Quit" in text_of(pilot), "Quit in the palette")
        await pilot.press("escape")
        await on_screen(pilot, "DashboardScreen")
        await palette_choose(pilot, "sign out", "Sign out")
        await on_screen(pilot, "LoginScreen")
        assert app.actor is None


async def test_sign_out_leaves_nothing_of_the_session(tmp_path: Path, clock: FixedClock) -> None:
    """A popup open over two screens and a notification: an idle sign-out closes them all
    and clears the notification; the reason reaches the sign-in screen."""
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in_as(pilot, ActorKind.COMPANY)
        await open_menu(pilot, "f3", "SearchScreen")
        app.notify("SECRET NOTE of the previous user")
        await until(pilot, lambda: notes(app), "the notification")
        await pilot.press("f1")
        await on_screen(pilot, "MenuScreen")
        app.action_sign_out("Signed out after 20 minutes without a key.")
        await on_screen(pilot, "LoginScreen")
        assert [type(s).__name__ for s in app.screen_stack][-1] == "LoginScreen"
        assert app.screen is app.sign_in_screen and app.screen_stack.index(app.screen) == 1
        assert not any("SECRET NOTE" in note for note in notes(app))
        reason = "20 minutes without a key"
        await until(  # on the sign-in screen (LoginScreen.show_reason), else notified
            pilot,
            lambda: reason in text_of(pilot) or any(reason in n for n in notes(app)),
            "the reason",
        )
        assert not any(isinstance(s, MenuScreen | DiscardScreen) for s in app.screen_stack)


def notes(app: EtrakitApp) -> list[str]:
    """The notifications shown now (Textual keeps them; the screen text has no toasts)."""
    return [n.message for n in app._notifications]


@pytest.mark.parametrize("width", [80, 120])
async def test_footer_fits_by_priority(tmp_path: Path, clock: FixedClock, width: int) -> None:
    """The dashboard's footer fits the width: its own keys, then F1 Menu, then the menu
    while it fits; wider shows more, never without F1 Menu."""
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(width, 24)) as pilot:
        await sign_in_as(pilot, ActorKind.COMPANY)
        await until(pilot, lambda: "f1 Menu" in footer(pilot), "the footer")
        line = app.screen.query_one(PortalFooter).text
        assert len(line) <= width and line.rstrip() == footer(pilot).rstrip()
        assert line.index("Parcel") < line.index("f1 Menu")
        if width >= 120:
            assert "f3 Search" in line


def test_registry_is_consistent() -> None:
    """One key per destination name across kinds, no key twice in a menu, every screen
    importable, every kind's home first."""
    by_name: dict[str, str] = {}
    for kind, menu in navigation.DESTINATIONS.items():
        assert menu[0].name == HOME, kind
        keys = [d.key for d in menu]
        assert len(keys) == len(set(keys)), kind
        assert not {navigation.MENU.key, navigation.SIGN_OUT.key} & set(keys)
        for d in menu:
            assert by_name.setdefault(d.name, d.key) == d.key, d.name
            assert d.screen_class().__name__ == d.screen


def test_readme_keys_table_is_the_registrys() -> None:
    """README "## Keys" holds the table generated from the registry, word for word."""
    text = README.read_text(encoding="utf-8")
    assert "## Keys" in text
    section = text.split("## Keys", 1)[1].split("\n## ", 1)[0]
    assert navigation.keys_table() in section, navigation.keys_table()

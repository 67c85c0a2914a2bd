"""Whose theme a session shows: a theme chosen on the sign-in screen (nobody signed in) is for
that session only and leaves nothing behind; a signed-in account keeps its own theme in the
database, finds it again at its next sign-in, and signing out returns to the default theme.
No file is written anywhere (HOME and the XDG folders stay empty)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Input

from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import Company, StaffUser
from etrakit_tui.tui import theme
from etrakit_tui.tui.app import EtrakitApp, make_app
from tests.tui.conftest import (
    make_demo_app,
    open_demo_copy,
    palette_choose,
    sign_in,
    until,
)
from tests.tui.forms_support import focus_by_id

CITY = ("CITY OF HEMET", "hemetdemo1")
ACME = ("ACME ELECTRIC INC", "acmedemo22")
HOME_DIRS = ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Empty HOME and XDG folders for the session: where a remembered theme used to go."""
    folders = []
    for name in HOME_DIRS:
        folder = tmp_path / "homes" / name.lower()
        folder.mkdir(parents=True)
        monkeypatch.setenv(name, str(folder))
        folders.append(folder)
    return folders


def written(folders: list[Path]) -> list[str]:
    return sorted(str(p) for folder in folders for p in folder.rglob("*"))


def kept_themes(db: Database) -> set[str | None]:
    with db.read() as s:
        companies = {c.theme for c in s.exec(select(Company)).all()}
        staff = {u.theme for u in s.exec(select(StaffUser)).all()}
    return companies | staff


def company_theme(db: Database, name: str) -> str | None:
    with db.read() as s:
        return s.exec(select(Company).where(Company.name == name)).one().theme


async def palette_theme(pilot: Pilot[Any], title: str) -> None:
    """Choose ``title`` (``Sunlight theme``) in the command palette, by keys."""
    await palette_choose(pilot, title, title)


async def theme_looked_up(pilot: Pilot[Any]) -> None:
    """Wait for the sign-in's theme lookup (a thread worker) to end."""
    lookups = [w for w in pilot.app.workers if w.group == "theme-load"]
    await pilot.app.workers.wait_for_complete(lookups)
    await pilot.pause()


async def sign_out(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, EtrakitApp)
    await pilot.press("f10")
    await until(pilot, lambda: type(app.screen).__name__ == "LoginScreen", "the sign-in screen")
    assert app.actor is None


async def sign_in_again(pilot: Pilot[Any], company: str, password: str) -> None:
    """On the sign-in screen after a sign-out: clear the company field, then sign in."""
    app = pilot.app
    assert isinstance(app, EtrakitApp)
    await focus_by_id(pilot, "name")
    await pilot.press("end", "ctrl+u")
    await until(pilot, lambda: app.screen.query_one("#name", Input).value == "", "a clear field")
    await sign_in(pilot, company, password)


async def test_a_theme_chosen_before_sign_in_is_for_this_session_only(
    tmp_path: Path, clock: FixedClock, homes: list[Path]
) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "LoginScreen", "sign-in")
        default = app.theme
        assert default != theme.SUNLIGHT
        await palette_theme(pilot, "Sunlight theme")
        await until(pilot, lambda: app.theme == theme.SUNLIGHT, "the sunlight theme")
        await pilot.pause()
    assert kept_themes(app.database) == {None}  # no account has a theme
    assert written(homes) == []  # and no file anywhere

    path = tmp_path / "demo.db"
    later = make_app(Database.open(f"sqlite:///{path}", clock=clock), demo=True)
    async with later.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: type(later.screen).__name__ == "LoginScreen", "sign-in")
        assert later.theme == default  # the next visitor starts from the default
        await sign_in(pilot, *CITY)
        await theme_looked_up(pilot)
        assert later.theme == default
    later.database.dispose()
    assert written(homes) == []


async def test_each_account_finds_its_own_theme_and_signing_out_resets_it(
    tmp_path: Path, clock: FixedClock, homes: list[Path]
) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "LoginScreen", "sign-in")
        default = app.theme
        await sign_in(pilot, *CITY)
        await palette_theme(pilot, "Sunlight theme")
        await until(pilot, lambda: app.theme == theme.SUNLIGHT, "the sunlight theme")
        await until(
            pilot,
            lambda: company_theme(app.database, CITY[0]) == theme.SUNLIGHT,
            "the theme kept for the company",
        )

        await sign_out(pilot)
        await until(pilot, lambda: app.theme == default, "the default theme after sign-out")

        await sign_in_again(pilot, *CITY)
        await until(pilot, lambda: app.theme == theme.SUNLIGHT, "the company's own theme")
        await sign_out(pilot)
        await until(pilot, lambda: app.theme == default, "the default theme again")

        await sign_in_again(pilot, *ACME)
        await theme_looked_up(pilot)
        assert app.theme == default  # another company: not the first one's theme
        assert company_theme(app.database, ACME[0]) is None
    assert kept_themes(app.database) == {None, theme.SUNLIGHT}
    assert written(homes) == []


async def test_another_session_of_the_same_account_finds_its_theme(
    tmp_path: Path, clock: FixedClock, homes: list[Path]
) -> None:
    """A second app on the same database file (another SSH session) sees the theme at once:
    it lives in the database, not in the process."""
    db = open_demo_copy(tmp_path, clock)
    first = make_app(db, demo=True)
    async with first.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, *ACME)
        await palette_theme(pilot, "Sunlight theme")
        await until(
            pilot,
            lambda: company_theme(db, ACME[0]) == theme.SUNLIGHT,
            "the theme kept for the company",
        )
        path = tmp_path / "demo.db"
        second = make_app(Database.open(f"sqlite:///{path}", clock=clock), demo=True)
        async with second.run_test(size=(100, 30)) as other:
            await sign_in(other, *ACME)
            await until(other, lambda: second.theme == theme.SUNLIGHT, "the company's theme")
            await palette_theme(other, "Standard theme")
            await until(
                other,
                lambda: company_theme(db, ACME[0]) not in (None, theme.SUNLIGHT),
                "the standard theme kept",
            )
        second.database.dispose()
    assert written(homes) == []

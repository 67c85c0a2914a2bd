"""Keyboard reach: every menu screen opens from the dashboard by its key and returns by F2,
and every focusable widget on it is reachable with Tab alone (no mouse needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widget import Widget

from etrakit_tui.domain.store.db import FixedClock
from etrakit_tui.tui.app import EtrakitApp
from tests.tui.conftest import make_demo_app, sign_in, until

MENU = [
    ("f3", "SearchScreen"),
    ("f4", "ScheduleScreen"),
    ("f5", "CancelScreen"),
    ("f6", "ProfileScreen"),
    ("f7", "ContactScreen"),
]


def _name(widget: Widget | None) -> str:
    return f"{type(widget).__name__}#{widget.id}" if widget is not None else "nothing"


async def _tab_through(pilot: object, app: EtrakitApp) -> set[int]:
    """Press Tab until focus comes back round; return the ids of the widgets it visited."""
    seen: set[int] = set()
    chain = app.screen.focus_chain
    for _ in range(len(chain) + 2):
        focused = app.focused
        if focused is not None:
            seen.add(id(focused))
        await pilot.press("tab")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
    return seen


@pytest.mark.slow
async def test_every_menu_screen_is_reached_by_keys_and_tab_reaches_every_control(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "CITY OF HEMET", "hemetdemo1")
        home = app.screen
        screens = [("dashboard", home)]
        dashboard_chain = {id(w) for w in home.focus_chain}
        assert dashboard_chain, "the dashboard has nothing to focus"
        assert dashboard_chain <= await _tab_through(pilot, app)

        for key, screen_name in MENU:
            await pilot.press(key)
            await until(pilot, lambda n=screen_name: type(app.screen).__name__ == n, screen_name)
            await pilot.pause(0.2)
            screen = app.screen
            screens.append((screen_name, screen))
            chain = screen.focus_chain
            assert chain, f"{screen_name} has nothing to focus"
            assert app.focused is not None, f"{screen_name} opened with no visible focus"
            reached = await _tab_through(pilot, app)
            missing = [_name(w) for w in chain if id(w) not in reached]
            assert not missing, f"{screen_name}: Tab never reaches {missing}"
            await pilot.press("f2")
            await until(pilot, lambda: app.screen is home, "back to the dashboard")

        # Drill down: Enter opens the highlighted permit; Escape comes back.
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "PermitScreen", "permit detail")
        await pilot.pause(0.2)
        permit = app.screen
        reached = await _tab_through(pilot, app)
        missing = [_name(w) for w in permit.focus_chain if id(w) not in reached]
        assert not missing, f"PermitScreen: Tab never reaches {missing}"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is home, "back to the dashboard")

        assert [name for name, _ in screens] == ["dashboard"] + [n for _, n in MENU]

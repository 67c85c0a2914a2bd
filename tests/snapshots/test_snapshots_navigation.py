"""Pictures at 80x24 of every destination of every kind of account, and of each kind's Menu
screen (F1), generated from the navigation registry: a new destination gets its picture
without a new test. Each footer must show the screen's own keys and ``f1 Menu`` at this size
(``tests/tui/test_navigation.py`` asserts that in words; these catch layout regressions).
Regenerate with ``pytest tests/snapshots/test_snapshots_navigation.py --snapshot-update``
and look at the SVGs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from etrakit_tui.domain.accounts.actors import ActorKind
from etrakit_tui.domain.store.db import FixedClock
from etrakit_tui.tui import navigation
from etrakit_tui.tui.navigation import Destination
from etrakit_tui.tui.screens.menu import MenuScreen
from etrakit_tui.tui.screens.staff import OPERATIONS
from tests.tui.conftest import make_demo_app, until
from tests.tui.test_navigation import on_destination, sign_in_as

SIZE = (80, 24)
SnapCompare = Callable[..., bool]

CASES = [(kind, d) for kind, found in navigation.DESTINATIONS.items() for d in found]


async def _settled(pilot: Pilot[Any]) -> None:
    """Wait until the screen's data has arrived: its loading workers are done (each hands
    its rows over on the UI thread before it ends), then one idle pass for the layout."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize(("kind", "where"), CASES, ids=[f"{k.value}-{d.name}" for k, d in CASES])
def test_every_destination_at_80x24(
    snap_compare: SnapCompare,
    tmp_path: Path,
    clock: FixedClock,
    kind: ActorKind,
    where: Destination,
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await sign_in_as(pilot, kind)
        await pilot.press(where.key)
        await on_destination(pilot, where)
        await _settled(pilot)

    app = make_demo_app(tmp_path, clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("kind", list(navigation.DESTINATIONS), ids=lambda k: k.value)
def test_the_menu_screen_at_80x24(
    snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock, kind: ActorKind
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await sign_in_as(pilot, kind)
        await _settled(pilot)
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(pilot.app.screen, MenuScreen), "the Menu")
        await pilot.pause()

    app = make_demo_app(tmp_path, clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


DESK = list(OPERATIONS)


@pytest.mark.parametrize("operation", DESK, ids=[op[3] for op in DESK])
def test_every_staff_desk_screen_at_80x24(
    snap_compare: SnapCompare,
    tmp_path: Path,
    clock: FixedClock,
    operation: tuple[str, str, str, str, str],
) -> None:
    """The staff desk's own screens, each opened by its desk key (the desk's list of
    operations is data too: a new one gets its picture)."""
    key, _label, _words, _module, screen = operation

    async def run_before(pilot: Pilot[Any]) -> None:
        await sign_in_as(pilot, ActorKind.STAFF)
        await _settled(pilot)
        await pilot.press(key)
        await until(pilot, lambda: type(pilot.app.screen).__name__ == screen, screen)
        await _settled(pilot)

    app = make_demo_app(tmp_path, clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

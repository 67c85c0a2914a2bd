"""Pictures at 80x24 of the inspector's and the staff's screens, on the demo city at the
tests' fixed clock (Wed 11/18/2026 10:00 in Hemet): *My route* (also in the high-contrast
sunlight theme), an inspection's details, the result form, the staff desk and the
register-company form.

A picture is not a test of what a screen says (``tests/tui/test_inspector.py`` and
``tests/tui/test_staff.py`` assert that); it catches layout regressions at the size
inspectors and staff use. Regenerate with
``pytest tests/snapshots/test_snapshots_staff.py --snapshot-update`` and look at the SVGs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from etrakit_tui.domain.accounts import auth
from etrakit_tui.domain.store.db import FixedClock
from etrakit_tui.tui import theme
from etrakit_tui.tui.app import EtrakitApp
from etrakit_tui.tui.screens.route import RouteScreen
from etrakit_tui.tui.screens.route_visit import InspectionScreen
from tests.tui.conftest import make_demo_app, until
from tests.tui.forms_support import flat, on_screen
from tests.tui.test_inspector import enter_as

SIZE = (80, 24)
INSPECTOR = ("inspector", "inspect2026")
ADMIN = ("admin", "staffdesk2026")
PLAN_CHECK = "A1806-065"
SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[Any]], Awaitable[None]]


async def route(pilot: Pilot[Any], *, next_day: bool = False) -> RouteScreen:
    """Signed in as the demo inspector, the route loaded (today's, or tomorrow's)."""
    app = pilot.app
    assert isinstance(app, EtrakitApp)
    await enter_as(pilot, auth.sign_in_staff(app.database, *INSPECTOR))
    await on_screen(pilot, "RouteScreen")
    screen = app.screen
    assert isinstance(screen, RouteScreen)
    if next_day:
        await until(pilot, lambda: screen.loaded_day is not None, "today's route")
        await pilot.press("n")
    day = "Thu 11/19/2026" if next_day else "Wed 11/18/2026"
    await until(
        pilot,
        lambda: screen.loaded_day is not None and day in flat(pilot) and bool(screen.stops),
        "the route",
    )
    return screen


async def visit(pilot: Pilot[Any]) -> InspectionScreen:
    """The plan check's FINAL (tomorrow's route), opened and loaded."""
    screen = await route(pilot, next_day=True)
    for _ in range(len(screen.stops)):
        if screen.highlighted and screen.highlighted.permit_number == PLAN_CHECK:
            break
        await pilot.press("down")
    await pilot.press("enter")
    await on_screen(pilot, "InspectionScreen")
    opened = pilot.app.screen
    assert isinstance(opened, InspectionScreen)
    await until(pilot, lambda: opened.detail is not None, "the permit")
    return opened


def test_route(snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await route(pilot)

    assert snap_compare(make_demo_app(tmp_path, clock), terminal_size=SIZE, run_before=run_before)


def test_route_in_the_sunlight_theme(
    snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await route(pilot)
        await pilot.press("s")
        await until(pilot, lambda: pilot.app.theme == theme.SUNLIGHT, "the sunlight theme")
        await pilot.pause()

    assert snap_compare(make_demo_app(tmp_path, clock), terminal_size=SIZE, run_before=run_before)


def test_inspection_detail(snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await visit(pilot)

    assert snap_compare(make_demo_app(tmp_path, clock), terminal_size=SIZE, run_before=run_before)


def test_result_form(snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock) -> None:
    """The result form with FAILED marked and the comments typed."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await visit(pilot)
        await pilot.press("r")
        await on_screen(pilot, "ResultScreen")
        await pilot.press("down", "down", "enter", "tab")
        await pilot.press(*"Handrail missing")
        await until(pilot, lambda: "Chosen: FAILED" in flat(pilot), "the choice")

    assert snap_compare(make_demo_app(tmp_path, clock), terminal_size=SIZE, run_before=run_before)


async def desk(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, EtrakitApp)
    await enter_as(pilot, auth.sign_in_staff(app.database, *ADMIN))
    await on_screen(pilot, "StaffHomeScreen")


def test_staff_desk(snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock) -> None:
    assert snap_compare(make_demo_app(tmp_path, clock), terminal_size=SIZE, run_before=desk)


def test_register_company_form(
    snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock
) -> None:
    """After Ctrl+S on an empty form: every required field says what it needs."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await desk(pilot)
        await pilot.press("c")
        await on_screen(pilot, "CompaniesScreen")
        await pilot.press("n")
        await on_screen(pilot, "RegisterCompanyScreen")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Company name is required." in flat(pilot), "the refusal")

    assert snap_compare(make_demo_app(tmp_path, clock), terminal_size=SIZE, run_before=run_before)

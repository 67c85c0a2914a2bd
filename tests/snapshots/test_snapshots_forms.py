"""Pictures at 80x24 of the contractor's form and lookup screens, on the demo city at the
tests' fixed clock: the inspection request form with two inspections on its list, schedule,
cancel, search with results, profile, contact us, and the first-login set-password modal.

A picture is not a test of what a screen says (the Pilot tests in ``tests/tui`` assert
that); it catches layout regressions at the size contractors use over SSH. Regenerate with
``pytest tests/snapshots/test_snapshots_forms.py --snapshot-update`` and look at the SVGs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from etrakit_tui.domain.store.db import FixedClock
from etrakit_tui.tui.screens.cancel import CancelScreen
from etrakit_tui.tui.screens.login import SetPasswordScreen
from etrakit_tui.tui.screens.request import InspectionRequestScreen
from etrakit_tui.tui.screens.search import SearchScreen
from tests.tui.conftest import make_demo_app, until
from tests.tui.forms_support import (
    field,
    on_screen,
    open_menu,
    pick_row,
    signed_in,
)

SIZE = (80, 24)
CITY = ("CITY OF HEMET", "hemetdemo1")
SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[Any]], Awaitable[None]]


def menu_screen(key: str, name: str, ready: Callable[[Pilot[Any]], bool]) -> RunBefore:
    """Sign in as CITY OF HEMET, press a menu key, wait until ``ready``."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await signed_in(pilot, *CITY)
        await open_menu(pilot, key, name)
        await until(pilot, lambda: ready(pilot), f"the {name} to fill")

    return run_before


def test_request_form_with_two_inspections(
    snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock
) -> None:
    """The list is filled through the form's own action (the keys that do it are driven in
    tests/tui/test_request.py; here only the picture matters)."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await signed_in(pilot, *CITY)
        await open_menu(pilot, "f4", "ScheduleScreen")
        await pick_row(pilot, "permits", lambda row: row.permit_type == "SOLAR")
        await on_screen(pilot, "InspectionRequestScreen")
        screen = pilot.app.screen
        assert isinstance(screen, InspectionRequestScreen)
        await until(pilot, lambda: bool(screen.types) and pilot.app.focused is not None)
        for code, period in (("ATTACHMENT", "AM"), ("ROUGH_ELECTRICAL", "PM")):
            field(pilot, "inspection_type").control.value = code  # type: ignore[attr-defined]
            field(pilot, "requested_date").control.value = date(2026, 11, 23)  # type: ignore[attr-defined]
            field(pilot, "period").control.value = period  # type: ignore[attr-defined]
            screen.action_add_inspection()
            await pilot.pause()
        assert len(screen.items) == 2

    app = make_demo_app(tmp_path, clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_schedule(snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock) -> None:
    def ready(pilot: Pilot[Any]) -> bool:
        table = pilot.app.screen.query_one("#permits")
        return bool(table.items) and not table.loading  # type: ignore[attr-defined]

    app = make_demo_app(tmp_path, clock)
    assert snap_compare(
        app, terminal_size=SIZE, run_before=menu_screen("f4", "ScheduleScreen", ready)
    )


def test_cancel(snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock) -> None:
    def ready(pilot: Pilot[Any]) -> bool:
        screen = pilot.app.screen
        return isinstance(screen, CancelScreen) and bool(screen.views)

    app = make_demo_app(tmp_path, clock)
    assert snap_compare(
        app, terminal_size=SIZE, run_before=menu_screen("f5", "CancelScreen", ready)
    )


def test_search_with_results(snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await signed_in(pilot, *CITY)
        await open_menu(pilot, "f3", "SearchScreen")
        screen = pilot.app.screen
        assert isinstance(screen, SearchScreen)
        await pilot.press(*"FLORIDA", "enter")
        await until(pilot, lambda: bool(screen.results.items) and not screen.results.loading)

    app = make_demo_app(tmp_path, clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_profile(snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock) -> None:
    def ready(pilot: Pilot[Any]) -> bool:
        return field(pilot, "address").text != ""

    app = make_demo_app(tmp_path, clock)
    assert snap_compare(
        app, terminal_size=SIZE, run_before=menu_screen("f6", "ProfileScreen", ready)
    )


def test_contact(snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock) -> None:
    app = make_demo_app(tmp_path, clock)
    assert snap_compare(
        app, terminal_size=SIZE, run_before=menu_screen("f7", "ContactScreen", lambda _: True)
    )


def test_set_password_modal(snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock) -> None:
    """The modal a first sign-in with a PIN leads to (opened directly: a picture only; the
    keys that lead to it are driven in tests/tui/test_first_login.py)."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await on_screen(pilot, "LoginScreen")
        pilot.app.push_screen(SetPasswordScreen("SUNRISE SOLAR LLC", "24681357"))
        await on_screen(pilot, "SetPasswordScreen")

    app = make_demo_app(tmp_path, clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

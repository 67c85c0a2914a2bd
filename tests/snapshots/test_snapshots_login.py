"""Pictures at 80x24 of the sign-in screen on the demo city (credentials shown), the company
picker narrowing as the user types, the staff sign-in switch, and the forgot-password help.

The Pilot tests in ``tests/tui`` assert what these screens say; the pictures catch layout
regressions. Regenerate with ``--snapshot-update`` and look at the SVGs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from etrakit_tui.domain.store.db import FixedClock
from tests.tui.conftest import make_demo_app, type_text, until

SIZE = (80, 24)
SnapCompare = Callable[..., bool]


async def _login_ready(pilot: Pilot[Any]) -> None:
    await until(pilot, lambda: type(pilot.app.screen).__name__ == "LoginScreen", "sign-in")


def test_login_demo(snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock) -> None:
    app = make_demo_app(tmp_path, clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=_login_ready)


def test_login_picker_narrows(snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _login_ready(pilot)
        await type_text(pilot, "ACME")
        await until(
            pilot,
            lambda: pilot.app.screen.query_one("#picker").option_count > 0,
            "the picker",
        )

    app = make_demo_app(tmp_path, clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_login_staff_and_forgot_password(
    snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _login_ready(pilot)
        await pilot.press("f8", "f9")
        await until(
            pilot,
            lambda: type(pilot.app.screen).__name__ == "ForgotPasswordScreen",
            "the forgot-password help",
        )

    app = make_demo_app(tmp_path, clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

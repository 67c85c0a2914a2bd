"""Pictures at 80x24 of the focus on the inspection request form (issue 13 item 4): a focused
dropdown as a 16-colour terminal (``TERM=xterm``) shows it, and a focused text field with
``NO_COLOR``. Each ``run_before`` first asserts (tests/tui/focus_support.py) that the focused
control is inverted against one without focus; the picture then shows how it looks.

Regenerate with ``pytest tests/snapshots/test_snapshots_focus.py --snapshot-update``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, Select

from etrakit_tui.domain.store.db import FixedClock
from etrakit_tui.tui.app import EtrakitApp
from etrakit_tui.tui.screens.request import InspectionRequestScreen
from tests.tui.conftest import make_demo_app, open_demo_copy, until
from tests.tui.focus_support import SixteenColourApp, cells, contrast, reversed_share
from tests.tui.forms_support import signed_in

SIZE = (80, 24)
SnapCompare = Callable[..., bool]


async def focus_on(pilot: Pilot[Any], field: str, kind: type[Widget], other: str) -> Widget:
    """The request form of A1806-065, the control of ``field`` focused; asserts it is shown
    inverted against the (unfocused) control of ``other``."""
    app = pilot.app
    assert isinstance(app, EtrakitApp)
    await signed_in(pilot, "CITY OF HEMET", "hemetdemo1")
    screen = InspectionRequestScreen("A1806-065")
    app.push_screen(screen)
    await until(pilot, lambda: app.screen is screen and bool(screen.types), "the request form")
    focused = screen.query_one(f"#field-{field}").query_one(kind)
    unfocused = screen.query_one(f"#field-{other}").query_one(kind)
    focused.focus()
    await until(pilot, lambda: focused.has_focus, f"focus on {field}")
    await pilot.pause()
    lit, unlit = contrast(cells(focused)), contrast(cells(unfocused))
    assert lit * unlit < 0, f"focused {lit:+.2f}, not focused {unlit:+.2f}"
    return focused


def test_focus_select_16_colours(
    snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.delenv("COLORTERM", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    app = SixteenColourApp(open_demo_copy(tmp_path, clock), demo=True)
    assert app.console.color_system == "standard"

    async def run_before(pilot: Pilot[Any]) -> None:
        await focus_on(pilot, "inspection_type", Select, "requested_date")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_focus_input_no_color(
    snap_compare: SnapCompare, tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")  # Textual reads (and removes) it when the app is made
    app = make_demo_app(tmp_path, clock)
    assert app.no_color

    async def run_before(pilot: Pilot[Any]) -> None:
        focused = await focus_on(pilot, "contact_name", Input, "contact_email")
        assert reversed_share(cells(focused)) == 1.0

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

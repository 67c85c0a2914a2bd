"""Pictures of the dashboard and the permit screens (pytest-textual-snapshot).

The demo city is fixed (seeded, built at the tests' clock), so each picture is stable.
Each ``run_before`` drives the app by keys and asserts what the screen says before the
picture is taken: a picture is a check of layout, not a substitute for those assertions.
Regenerate after an intended change with ``pytest tests/snapshots --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import TabbedContent

from etrakit_tui.domain.store.db import FixedClock
from etrakit_tui.tui.app import EtrakitApp
from etrakit_tui.tui.screens.attachments import AttachmentViewer
from etrakit_tui.tui.screens.dashboard import DashboardScreen
from etrakit_tui.tui.screens.permit import PermitScreen
from etrakit_tui.tui.widgets.paged_table import PagedTable
from tests.support.injection import screen_text
from tests.tui.conftest import make_demo_app, sign_in, until

Snap = Callable[..., bool]
Steps = Callable[[Pilot[Any]], Awaitable[None]]
WIDE = (120, 40)


def portal(pilot: Pilot[Any]) -> EtrakitApp:
    app = pilot.app
    assert isinstance(app, EtrakitApp)
    return app


async def dashboard(pilot: Pilot[Any]) -> None:
    """Signed in as CITY OF HEMET, the three tables loaded."""
    app = portal(pilot)
    await sign_in(pilot, "CITY OF HEMET", "hemetdemo1")
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen), "the dashboard")
    await until(
        pilot,
        lambda: (
            all(t.complete and not t.is_loading for t in app.screen.query(PagedTable))
            and len(app.screen.query(PagedTable)) == 3
        ),
        "the tables",
    )
    # DataTable sizes its columns on idle after rows arrive: wait for the widths to settle
    # (the expired table's address shown whole) before the picture is taken.
    await until(pilot, lambda: "3800 THORNTON AVE" in screen_text(app), "the columns sized")
    await pilot.pause()
    text = screen_text(app)
    assert "Hello CITY OF HEMET." in text and "My Active Permits · 5 total records" in text


async def permit(pilot: Pilot[Any], tab: str = "1", marker: str = "Type:") -> None:
    """A1806-065 from the dashboard, on tab ``tab`` (a key 1-6)."""
    app = portal(pilot)
    await dashboard(pilot)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, PermitScreen), "the permit")
    await until(pilot, lambda: app.screen.query(TabbedContent), "the tabs")
    await pilot.press(tab)
    await until(pilot, lambda: marker in screen_text(app), marker)
    await pilot.pause()
    assert "Permit #A1806-065" in screen_text(app)


def snap(snap_compare: Snap, app: EtrakitApp, steps: Steps, size: tuple[int, int]) -> None:
    assert snap_compare(app, terminal_size=size, run_before=steps)


@pytest.fixture
def demo(tmp_path: Path, clock: FixedClock) -> EtrakitApp:
    return make_demo_app(tmp_path, clock)


def test_dashboard_80x24(snap_compare: Snap, demo: EtrakitApp) -> None:
    snap(snap_compare, demo, dashboard, (80, 24))


def test_dashboard_120x40(snap_compare: Snap, demo: EtrakitApp) -> None:
    snap(snap_compare, demo, dashboard, WIDE)


def test_dashboard_no_color(
    snap_compare: Snap, tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")  # Textual reads (and removes) it when the app is made
    app = make_demo_app(tmp_path, clock)
    assert app.no_color
    snap(snap_compare, app, dashboard, (80, 24))


def test_permit_info_80x24(snap_compare: Snap, demo: EtrakitApp) -> None:
    snap(snap_compare, demo, permit, (80, 24))


def test_permit_info_120x40(snap_compare: Snap, demo: EtrakitApp) -> None:
    snap(snap_compare, demo, permit, WIDE)


async def _reviews(pilot: Pilot[Any]) -> None:
    await permit(pilot, "6", "Sorted by SUBMITTED, newest first.")


def test_permit_reviews_80x24(snap_compare: Snap, demo: EtrakitApp) -> None:
    snap(snap_compare, demo, _reviews, (80, 24))


async def _fees(pilot: Pilot[Any]) -> None:
    await dashboard(pilot)
    await pilot.press("f")
    await until(pilot, lambda: "AMOUNT DUE" in screen_text(portal(pilot)), "the fees")


def test_fees_modal_80x24(snap_compare: Snap, demo: EtrakitApp) -> None:
    snap(snap_compare, demo, _fees, (80, 24))


async def _viewer(pilot: Pilot[Any]) -> None:
    app = portal(pilot)
    await permit(pilot)
    await until(pilot, lambda: app.focused is app.screen.query_one("#attachments"), "focus")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, AttachmentViewer), "the viewer")
    await until(pilot, lambda: getattr(app.screen, "kind", "") == "image", "the picture")
    await pilot.pause()
    assert "IMG_5427.JPG" in screen_text(app)


def test_attachment_viewer_80x24(snap_compare: Snap, demo: EtrakitApp) -> None:
    snap(snap_compare, demo, _viewer, (80, 24))

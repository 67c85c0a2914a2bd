"""A picture at 80x24 of field mode's *My route* (issue 16): the demo inspector's Thursday
checked out into a field file, one FAILED result recorded on the laptop and not sent yet —
the status line above the route says so. Layout only (``tests/tui/test_field.py`` tests
what the screens say). Regenerate with
``pytest tests/snapshots/test_snapshots_field.py --snapshot-update`` and look at the SVG."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from etrakit_tui.domain.field import open_field, record_offline
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import InspectionStatus
from etrakit_tui.tui.field_app import make_field_app
from tests.tui.conftest import until
from tests.tui.forms_support import flat
from tests.tui.test_field import THURSDAY, checked_out, thursday_clock
from tests.tui.test_inspector import COMMENTS, PLAN_CHECK, inspection_row

SIZE = (80, 24)
SnapCompare = Callable[..., bool]


def test_field_route_offline_with_a_result_waiting(
    snap_compare: SnapCompare, tmp_path: Path
) -> None:
    clock: FixedClock = thursday_clock()
    city, url, field_file = checked_out(tmp_path, clock)
    inspection_id = inspection_row(city, PLAN_CHECK).id
    assert inspection_id is not None
    city.dispose()
    session = open_field(field_file, clock=clock)
    record_offline(session, inspection_id, InspectionStatus.FAILED, COMMENTS)
    # Not synced: the scene stays as set (the sync is the key's, and never pressed here).
    app = make_field_app(session, lambda: Database.open(url, clock=clock), sync_seconds=None)

    async def run_before(pilot: Pilot[Any]) -> None:
        await until(
            pilot,
            lambda: (
                f"My route — {THURSDAY}" in flat(pilot)
                and "1 result waiting to be sent" in flat(pilot)
                and "FAILED" in flat(pilot)
            ),
            "the field route",
        )

    try:
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    finally:
        session.close()

"""Pictures of paying fees (issue 15): the Fees popup of a permit on a payment order, at
80x24 — the breakdown scrolled to its amount due, the order listed with its state, the keys
(P Pay, O Open order, Esc Close) in the footer.

The order is the demo city's (CITY OF HEMET's open order ``PO-DEMO-0001``); ``run_before``
opens the popup by keys and checks what it says before the picture is taken.
Regenerate after an intended change with ``pytest tests/snapshots --snapshot-update``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from etrakit_tui.democity.payorder import DEMO_ORDER_NUMBER
from etrakit_tui.domain.accounts.actors import ActorKind
from etrakit_tui.domain.payments import orders
from etrakit_tui.domain.store.db import FixedClock
from tests.tui.forms_support import flat
from tests.tui.test_dashboard import dashboard_ready, hemet_actor
from tests.tui.test_navigation import sign_in_as
from tests.tui.test_payments import open_fees, pay_app

Snap = Callable[..., bool]


def test_fees_popup_with_an_order_80x24(
    snap_compare: Snap, tmp_path: Path, clock: FixedClock
) -> None:
    app = pay_app(tmp_path, clock)
    permit = next(
        p
        for p in orders.payable_permits(app.database, hemet_actor(app.database))
        if p.open_order == DEMO_ORDER_NUMBER
    )

    async def fees_with_order(pilot: Pilot[Any]) -> None:
        await sign_in_as(pilot, ActorKind.COMPANY)
        await dashboard_ready(pilot)
        await open_fees(app, pilot, permit.number)
        await pilot.pause()
        text = flat(pilot)
        assert re.search(rf"{DEMO_ORDER_NUMBER} +OPEN +\$175\.00 +until", text), text
        assert "AMOUNT DUE" in text and "p Pay" in text and "o Open order" in text

    assert snap_compare(app, terminal_size=(80, 24), run_before=fees_with_order)

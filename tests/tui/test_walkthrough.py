"""What the keyboard walkthrough at 80x24 found wrong on screens (issue 13, item 6), each as a
user meets it: the one-line filters of the staff desk show what is typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from etrakit_tui.domain.db import FixedClock
from tests.tui.conftest import make_demo_app, type_text, until
from tests.tui.forms_support import field, flat, focus_by_id, on_screen, text_of
from tests.tui.test_staff import desk


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize(
    ("key", "screen", "field"),
    [("c", "CompaniesScreen", "company-filter"), ("r", "ReviewDeskScreen", "review-permit")],
)
async def test_a_desk_filter_shows_what_is_typed(
    tmp_path: Path, clock: FixedClock, size: tuple[int, int], key: str, screen: str, field: str
) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=size) as pilot:
        await desk(pilot)
        await pilot.press(key)
        await on_screen(pilot, screen)
        await focus_by_id(pilot, field)
        await type_text(pilot, "Q7X")  # matches nothing: only the field can show it
        widget = app.screen.query_one(f"#{field}", Input)
        await until(pilot, lambda: widget.value == "Q7X", "the typed text")
        region = widget.content_region
        assert region.height >= 1, "the field has no row for its text"
        rows = text_of(pilot).splitlines()
        assert "Q7X" in rows[region.y], rows[region.y - 1 : region.y + 2]


async def test_payment_amount_is_prefilled_with_the_amount_due(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await desk(pilot)
        await pilot.press("p")
        await on_screen(pilot, "PaymentScreen")
        amount = field(pilot, "amount").control
        assert isinstance(amount, Input) and amount.value == "" and not amount.placeholder
        await type_text(pilot, "B2610-015")
        await pilot.press("enter")
        await until(pilot, lambda: "B2610-015: fees due $116.00" in flat(pilot), "the fees")
        assert amount.value == "116.00" and app.focused is amount
        assert "116.00" in text_of(pilot).splitlines()[amount.content_region.y]

        await pilot.press("ctrl+s")  # the whole amount due, as prefilled
        await until(pilot, lambda: "fees due now $0.00" in flat(pilot), "the payment")
        assert "Recorded $116.00 on B2610-015" in flat(pilot)
        assert amount.value == ""  # nothing more is due

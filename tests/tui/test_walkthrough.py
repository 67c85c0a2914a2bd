"""What the keyboard walkthrough at 80x24 found wrong on screens (issue 13, item 6), each as a
user meets it: the one-line filters of the staff desk show what is typed, the payment amount
is the amount due, the request form checks a row when it is added."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from textual.widgets import Input

from etrakit_tui.domain.store.db import FixedClock
from tests.tui.conftest import make_demo_app, type_text, until
from tests.tui.forms_support import field, field_error, flat, focus_by_id, on_screen, text_of
from tests.tui.test_request import CITY, add, open_form, permit_where, request_list
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


async def test_add_checks_the_row_at_once_and_keeps_it_to_change(
    tmp_path: Path, clock: FixedClock
) -> None:
    """The same type twice on the list is refused at Add, at the type field, in a sentence;
    the row keeps its choices; another type on the same date and AM/PM is then added."""
    app = make_demo_app(tmp_path, clock)
    number = permit_where(app.database, CITY, "ROUGH_ELECTRICAL", None)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot, CITY, number)
        await add(pilot, "ROUGH ELECTRICAL", "Mon 11/23/2026", "AM")
        assert request_list(app) == [["1", "ROUGH ELECTRICAL", "Mon 11/23/2026", "AM"]]
        await add(pilot, "ROUGH ELECTRICAL", "Tue 11/24/2026", None)
        assert field_error(pilot, "inspection_type") == (
            "ROUGH ELECTRICAL is already on this request; add each inspection once."
        )
        assert len(request_list(app)) == 1  # not added; the list as it was
        assert field(pilot, "inspection_type").value == "ROUGH_ELECTRICAL"  # kept, to change
        assert field(pilot, "requested_date").value == date(2026, 11, 24)
        await add(pilot, "RACKING", None, None)
        assert field_error(pilot, "inspection_type") == ""
        assert [row[1] for row in request_list(app)] == ["ROUGH ELECTRICAL", "RACKING / ATTACHMENT"]


async def test_add_refuses_a_type_already_passed_in_a_sentence(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    passed = permit_where(app.database, CITY, "FOUNDATION", "has already passed")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot, CITY, passed)
        await add(pilot, "FOUNDATION", "Mon 11/23/2026", "AM")
        assert field_error(pilot, "inspection_type") == (
            "The FOUNDATION inspection has already passed."
        )
        assert request_list(app) == []

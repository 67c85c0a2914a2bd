"""Cancel inspection (SPEC §2.7, §4): the company's upcoming inspections; cancel one with a
key and a confirmation until 07:00 local on its day; at 07:00 the refusal says to call the
division after 7:30am. The clock is a FixedClock moved with ``clock.set``."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select

from etrakit_tui.domain.store.db import FixedClock
from etrakit_tui.domain.store.models import Parcel, Permit
from etrakit_tui.tui.screens.cancel import CancelScreen
from tests.support.injection import SHORT_CORPUS, assert_inert_output, shown_form
from tests.tui.conftest import make_demo_app, until
from tests.tui.forms_support import (
    flat,
    hemet_time,
    on_screen,
    open_inspections,
    open_menu,
    signed_in,
    text_of,
)

CITY = ("CITY OF HEMET", "hemetdemo1")
HOSTILE_ADDRESS = " ".join(SHORT_CORPUS)  # every short corpus string at once


def message(screen: CancelScreen) -> str:
    return str(screen.query_one("#cancel-message").render())


async def test_cancel_until_the_cutoff_and_refused_from_it(
    tmp_path: Path, clock: FixedClock
) -> None:
    """06:59 on Thu 11/19: A1806-065's FINAL that morning is cancelled (after a "no" that
    keeps it). 07:00 on Fri 11/20: B2606-018's FINAL that morning is refused with the
    phone message, although the list was read at 06:59."""
    app = make_demo_app(tmp_path, clock)
    db = app.database
    with db.write() as s:  # A1806-065's site address is hostile text: shown inert
        parcel_id = s.exec(select(Permit.parcel_id).where(Permit.number == "A1806-065")).one()
        parcel = s.exec(select(Parcel).where(col(Parcel.id) == parcel_id)).one()
        parcel.address = HOSTILE_ADDRESS
        s.add(parcel)
    clock.set(hemet_time(2026, 11, 19, 6, 59))
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, *CITY)
        await open_menu(pilot, "f5", "CancelScreen")
        screen = app.screen
        assert isinstance(screen, CancelScreen)
        await until(pilot, lambda: bool(screen.views), "the upcoming inspections")
        first = screen.views[0]
        assert (first.permit_number, first.type_code, first.period) == ("A1806-065", "FINAL", "AM")
        words = flat(pilot)
        assert "A1806-065" in words and "Thu 11/19/2026" in words and "can cancel" in words
        assert "can be cancelled online until 7:00am on Thu 11/19/2026" in words
        assert shown_form(HOSTILE_ADDRESS) in str(screen.query_one("#detail").render())
        assert_inert_output(text_of(pilot))

        await pilot.press("c")  # ask...
        await on_screen(pilot, "ConfirmCancelScreen")
        assert "Cancel this inspection?" in flat(pilot)
        assert "FINAL on Thu 11/19/2026 AM (A1806-065)" in flat(pilot)
        site = str(app.screen.query_one("#confirm-site").render())
        assert site == shown_form(f"Site: {HOSTILE_ADDRESS}")
        assert_inert_output(text_of(pilot))
        await pilot.press("n")  # ...and keep it
        await on_screen(pilot, "CancelScreen")
        assert message(screen) == "Nothing was cancelled."
        assert ("FINAL", "2026-11-19", "AM", "SCHEDULED") in open_inspections(db, "A1806-065")

        await pilot.press("c")
        await on_screen(pilot, "ConfirmCancelScreen")
        await pilot.press("y")
        await on_screen(pilot, "CancelScreen")
        await until(pilot, lambda: message(screen).startswith("Cancelled"), "the result")
        assert message(screen) == "Cancelled: FINAL on Thu 11/19/2026 AM (A1806-065)."
        assert ("FINAL", "2026-11-19", "AM", "CANCELLED") in open_inspections(db, "A1806-065")
        await until(
            pilot,
            lambda: all(v.permit_number != "A1806-065" for v in screen.views),
            "the list to drop it",
        )

        # Friday: the list is read at 06:59, the key pressed at 07:00.
        clock.set(hemet_time(2026, 11, 20, 6, 59))
        await pilot.press("r")
        await until(pilot, lambda: screen.views[0].requested_date.day == 20, "Friday's list")
        target = screen.views[0]
        assert target.can_cancel
        clock.set(hemet_time(2026, 11, 20, 7, 0))
        await pilot.press("c")
        await on_screen(pilot, "ConfirmCancelScreen")
        await pilot.press("y")
        await on_screen(pilot, "CancelScreen")
        await until(pilot, lambda: message(screen).startswith("Not cancelled"), "the refusal")
        assert "call (951) 765-2475 after 7:30am" in message(screen)
        assert message(screen) == (
            "Not cancelled: Inspections can be cancelled online only until 7:00am on the day "
            "of the inspection. To cancel this one, please call (951) 765-2475 after 7:30am."
        )
        status = [
            row for row in open_inspections(db, target.permit_number) if row[1] == "2026-11-20"
        ]
        assert status and status[0][3] in ("REQUESTED", "SCHEDULED")
        # Read again, the list says so too.
        await pilot.press("r")
        await until(pilot, lambda: not screen.views[0].can_cancel, "the list read again")
        assert "call to cancel" in flat(pilot)
        assert "too late to cancel online: call (951) 765-2475 after 7:30am" in flat(pilot)
        assert app.is_running

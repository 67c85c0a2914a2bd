"""Contact us (SPEC §2.9): the division's name, address, phone, email and hours (menu F7)."""

from __future__ import annotations

from pathlib import Path

from etrakit_tui.domain.store.db import FixedClock
from tests.tui.conftest import make_demo_app
from tests.tui.forms_support import flat, open_menu, signed_in


async def test_contact_us_shows_how_to_reach_the_division(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    j = app.database.jurisdiction
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, "ACME ELECTRIC INC", "acmedemo22")
        await open_menu(pilot, "f7", "ContactScreen")
        assert "Contact us" in flat(pilot)
        card = str(app.screen.query_one("#contact-card").render()).splitlines()
        assert card == [
            "City of Hemet Building Division",
            "",
            "Address:  445 E. Florida Ave, Hemet, CA 92543",
            "Phone:    (951) 765-2475",
            "Email:    bldgstaff@cityofhemet.org",
            f"Hours:    {j.hours}",
        ]
        assert "Monday-Thursday 7:30am-5:30pm" in j.hours
        note = " ".join(str(app.screen.query_one("#contact-note").render()).split())
        assert "New PIN or a forgotten password: email bldgstaff@cityofhemet.org" in note
        assert "please call (951) 765-2475 after 7:30am" in note

"""My Dashboard, driven by keys: the guide's records in the three tables with their counts,
the row keys (Enter, a, r, f), Tab between tables, and server paging at 300 permits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.pilot import Pilot

from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.accounts.hashing import hash_secret
from etrakit_tui.domain.errors import DatabaseError
from etrakit_tui.domain.permits import dashboard
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.tui.app import EtrakitApp, make_app
from etrakit_tui.tui.screens.dashboard import PAGE_SIZE, DashboardScreen
from etrakit_tui.tui.screens.permit import PermitScreen
from etrakit_tui.tui.widgets.paged_table import PagedTable
from tests.support.factories import make_company, make_permit
from tests.support.injection import screen_text
from tests.tui.conftest import make_demo_app, sign_in, until

HEMET, HEMET_PASSWORD = "CITY OF HEMET", "hemetdemo1"
TABLES = ("active-permits", "active-inspections", "expired-permits")


def table(app: EtrakitApp, name: str) -> PagedTable[object, object]:
    return app.screen.query_one(f"#{name}", PagedTable)


def row_text(app: EtrakitApp, name: str, index: int) -> list[str]:
    """The cells of a row as the user reads them (no trailing gaps)."""
    return [cell.plain.strip() for cell in table(app, name).get_row_at(index)]


async def dashboard_ready(pilot: Pilot[object]) -> EtrakitApp:
    app = pilot.app
    assert isinstance(app, EtrakitApp)
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen), "the dashboard")
    await until(
        pilot,
        lambda: all(
            table(app, n).total is not None and not table(app, n).is_loading for n in TABLES
        ),
        "the three tables to load",
    )
    return app


def hemet_actor(database: Database) -> Actor:
    from etrakit_tui.domain.accounts import auth

    return auth.sign_in_company(database, HEMET, HEMET_PASSWORD).actor


async def test_dashboard_shows_the_guides_records_with_counts(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    expected = dashboard.dashboard(app.database, hemet_actor(app.database))
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, HEMET, HEMET_PASSWORD)
        await dashboard_ready(pilot)
        text = screen_text(app)
        assert "Hello CITY OF HEMET. Below is a Dashboard of your current activities." in text
        assert "Signed in as: CITY OF HEMET" in text
        for name, title, page in (
            ("active-permits", "My Active Permits", expected.active_permits),
            ("active-inspections", "My Active Inspections", expected.active_inspections),
            ("expired-permits", "My Expired Permits", expected.expired_permits),
        ):
            assert page.total and page.total < PAGE_SIZE
            assert f"{title} · {page.total} total records" in text
            assert table(app, name).row_count == page.total  # every record is listed

        # My Active Permits: A1806-065 offers Request and owes $0.00.
        first = row_text(app, "active-permits", 0)
        assert first[0] == "A1806-065"
        assert first[2:4] == ["ACCESSIBILITY", "ACTIVE"]
        assert first[5:] == ["Request", "$0.00"]
        assert "Request" in text and "$0.00" in text
        # My Active Inspections: its FINAL, with the date and AM/PM, and where each stands
        # (the guide: active once an inspector's name has been assigned), at 80 columns.
        inspection = row_text(app, "active-inspections", 0)
        assert inspection[0] == "A1806-065"
        assert inspection[3:6] == ["FINAL", "11/19/2026 AM", "Scheduled: RAY DELGADO"]
        assert "11/19/2026 AM Scheduled: RAY DELGADO" in text
        states = [row.state for row in expected.active_inspections.items]
        assert states == ["Scheduled: RAY DELGADO", "Requested", "Requested"]
        for i, state in enumerate(states):
            assert row_text(app, "active-inspections", i)[5] == state
        assert text.count(" Requested ") == 2
        # My Expired Permits: B1906-174, expired 12/22/2019.
        expired = row_text(app, "expired-permits", 0)
        assert expired[0] == "B1906-174"
        assert expired[2:5] == ["ELECTRICAL", "EXPIRED", "12/22/2019"]
        assert "B1906-174" in text and "12/22/2019" in text


async def test_row_keys_open_parcel_fees_and_request(tmp_path: Path, clock: FixedClock) -> None:
    """Tab between tables; Enter opens the permit, ``a`` its parcel, ``f`` its fees, ``r``
    the request form only where Request shows (elsewhere it says why)."""
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, HEMET, HEMET_PASSWORD)
        await dashboard_ready(pilot)
        assert app.focused is table(app, "active-permits")
        await pilot.press("tab")
        assert app.focused is table(app, "active-inspections")
        await pilot.press("tab")
        assert app.focused is table(app, "expired-permits")

        # a: B1906-174's parcel, on the Site Info tab.
        await pilot.press("a")
        await until(pilot, lambda: "APN:" in screen_text(app), "Site Info")
        screen = app.screen
        assert isinstance(screen, PermitScreen) and screen.number == "B1906-174"
        assert screen.tab == "site"
        text = screen_text(app)
        assert "Address:         3800 THORNTON AVE" in text
        assert "Zoning:          O-P" in text
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), "the dashboard")
        assert app.focused is table(app, "expired-permits")  # back where we were

        # r where Request does not show: the reason, in words.
        await pilot.press("r")
        await until(pilot, lambda: "not offered" in screen_text(app), "the reason")
        text = " ".join(screen_text(app).split())
        assert "Request is not offered on B1906-174; contact the City of Hemet" in text
        assert "(951) 765-2475" in text
        assert "(this one is EXPIRED)" in text  # and why, in the domain's words
        assert isinstance(app.screen, DashboardScreen)

        # Enter from My Active Inspections: the inspection's permit.
        await pilot.press("shift+tab", "enter")
        await until(pilot, lambda: isinstance(app.screen, PermitScreen), "the permit")
        await until(pilot, lambda: "Type:" in screen_text(app), "the permit's details")
        assert "Permit #A1806-065" in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), "the dashboard")

        # f: the fee breakdown; a permit that owes money shows the same amount due.
        await pilot.press("shift+tab", "f")
        await until(pilot, lambda: "AMOUNT DUE" in screen_text(app), "the fees")
        text = screen_text(app)
        assert "Fees — Permit #A1806-065" in text
        assert "Plan check fee" in text and "$486.00" in text
        assert "VISA x3838" in text
        assert re.search(r"AMOUNT DUE +\$0\.00", text)
        await pilot.press("escape")
        rows = table(app, "active-permits")
        owing = next(i for i, item in enumerate(rows.items) if item.fees_due_cents > 0)
        due = row_text(app, "active-permits", owing)[-1]
        await pilot.press(*["down"] * owing, "f")
        await until(pilot, lambda: "AMOUNT DUE" in screen_text(app), "the fees")
        assert due != "$0.00"
        assert re.search(rf"AMOUNT DUE +{re.escape(due)}", screen_text(app))
        await pilot.press("escape", *["up"] * owing)

        # r where Request shows: the inspection request form.
        assert table(app, "active-permits").current_item.number == "A1806-065"
        await pilot.press("r")
        await until(pilot, lambda: not isinstance(app.screen, DashboardScreen), "the form")
        assert type(app.screen).__name__ == "InspectionRequestScreen"


async def test_a_dashboard_that_cannot_be_read_says_so_and_ctrl_r_reads_it_again(
    tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the first pages cannot be read, each table says why in words (no rows, no
    crash), and Ctrl+R reads the lists again."""
    app = make_demo_app(tmp_path, clock)

    def unavailable(*args: object, **kwargs: object) -> object:
        raise DatabaseError("The database is not available right now.")

    # The first pages are read together (permits.dashboard), later ones list by list.
    for name in (
        "dashboard",
        "active_permits_page",
        "active_inspections_page",
        "expired_permits_page",
    ):
        monkeypatch.setattr(dashboard, name, unavailable)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, HEMET, HEMET_PASSWORD)
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), "the dashboard")
        await until(pilot, lambda: all(table(app, n).error for n in TABLES), "the tables to fail")
        message = "The database is not available right now."
        # each table says it in words, once the screen has drawn what the tables hold
        await until(pilot, lambda: screen_text(app).count(message) == 3, "the three messages")
        assert all(table(app, n).row_count == 0 for n in TABLES)

        monkeypatch.undo()
        await pilot.press("ctrl+r")
        await dashboard_ready(pilot)
        text = screen_text(app)
        assert "not available" not in text
        assert app.actor is not None
        total = dashboard.active_permits_page(app.database, app.actor).total
        assert total and f"My Active Permits · {total} total records" in text
        assert row_text(app, "active-permits", 0)[0] == "A1806-065"


# --------------------------------------------------------------------------- paging

BULK = 300


def many_permits(database: Database) -> None:
    """A company with 300 active permits (the tests' clock: all unexpired)."""
    with database.write() as s:
        company = make_company(s, "BULK BUILDERS INC", password_hash=hash_secret("bulkpass99"))
        for n in range(BULK):
            make_permit(s, f"B26{n // 100 + 1:02d}-{n % 100:03d}", company=company)


async def test_a_large_dashboard_pages_from_the_server(db: Database) -> None:
    many_permits(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "BULK BUILDERS INC", "bulkpass99")
        await dashboard_ready(pilot)
        active = table(app, "active-permits")
        assert active.total == BULK
        assert "My Active Permits · 300 total records" in screen_text(app)
        first_load = active.row_count
        assert first_load <= 2 * PAGE_SIZE < BULK  # a page or two, not all 300
        assert not active.complete

        # PageDown: the next page arrives before the cursor reaches the end.
        while active.cursor_row < first_load - 1:
            await pilot.press("pagedown")
        await until(pilot, lambda: active.row_count > first_load, "more rows")
        assert active.items[first_load].number > active.items[first_load - 1].number

        presses = 0
        while not active.complete:  # End: the last loaded row, which loads the next page
            await pilot.press("end")
            await until(pilot, lambda: not active.is_loading, "the next page")
            presses += 1
            assert presses <= BULK // PAGE_SIZE + 2
        assert active.row_count == BULK
        await pilot.press("end")
        assert active.current_item is not None
        assert active.current_item.number == "B2603-099"  # the last permit, by number
        assert "row 300 of 300" in screen_text(app)

        # Open the last permit and come back: the list is read again, the cursor kept.
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PermitScreen), "the permit")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), "the dashboard")
        await until(pilot, lambda: active.complete and not active.is_loading, "the rows")
        assert active.current_item is not None
        assert active.current_item.number == "B2603-099"

        await pilot.press("home")
        assert active.cursor_row == 0 and "row 1 of 300" in screen_text(app)

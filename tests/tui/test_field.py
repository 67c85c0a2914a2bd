"""Field mode (issue 16) by keys only: the inspector checks the day out from the route
screen, works with the city database really gone (the PostgreSQL server stopped), records a
FAILED result with comments, syncs once the server is back — and the contractor, in another
app on the city database, sees it FAILED. Then: the status line, the automatic sync, the
day+1 refusal where the inspector acted, a conflict shown and kept (to the inspector and on
the staff desk), and the checkout key in a portal served over SSH.

The demo city is built at the tests' clock (Wed 11/18/2026); the field work happens on
Thursday 11/19, when the demo's FINAL inspection of the plan check is due."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from etrakit_tui.democity.demo import build_demo
from etrakit_tui.domain.accounts import auth
from etrakit_tui.domain.field import checkout, default_field_file, open_field, record_offline
from etrakit_tui.domain.inspections import results
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import InspectionStatus
from etrakit_tui.domain.store.schema import upgrade
from etrakit_tui.tui.app import EtrakitApp, make_app
from etrakit_tui.tui.field_app import FieldApp, make_field_app
from etrakit_tui.tui.screens.route_visit import InspectionScreen, ResultScreen
from etrakit_tui.tui.widgets.footer import PortalFooter
from tests.conftest import DEFAULT_NOW
from tests.support.injection import SHORT_CORPUS, assert_inert_output, shown_form
from tests.support.inspection_scene import hemet
from tests.support.pgserver import PgServer
from tests.tui.conftest import open_demo_copy, sign_in, type_text, until
from tests.tui.forms_support import flat, on_screen, text_of
from tests.tui.test_inspector import (
    CITY,
    COMMENTS,
    INSPECTOR,
    PLAN_CHECK,
    choose_failed,
    highlight,
    inspection_row,
    inspections_tab,
    route_loaded,
    staff_sign_in,
)

THURSDAY = "Thu 11/19/2026"
ADMIN = ("admin", "staffdesk2026")


def thursday_clock() -> FixedClock:
    return FixedClock(hemet(2026, 11, 19, 7, 30))


def demo_city_on(pg: PgServer) -> str:
    """A migrated demo city (built at the tests' clock) on ``pg``; its URL."""
    url = pg.url(pg.create_database())
    database = Database.open(url, clock=FixedClock(DEFAULT_NOW))
    upgrade(database.engine)
    build_demo(database)
    database.dispose()
    return url


def footer(app: EtrakitApp) -> str:
    return app.screen.query_one(PortalFooter).text


def field_app(app: object) -> FieldApp:
    assert isinstance(app, FieldApp)
    return app


async def status_says(pilot: Pilot[Any], words: str) -> None:
    """Wait until the status line says ``words`` (no sync running, one tried)."""
    app = field_app(pilot.app)

    def says() -> bool:
        link = app.field
        return link is not None and link.tried and not link.syncing and words in flat(pilot)

    await until(pilot, says, f"the status line to say {words!r}")


async def record_failed(pilot: Pilot[Any], number: str) -> InspectionScreen:
    """From the route: open ``number``'s inspection, choose FAILED, type the comments,
    confirm (Y). Returns the inspection screen (its message line says what happened)."""
    app = pilot.app
    screen = app.screen
    await highlight(pilot, screen, number)  # type: ignore[arg-type]
    await pilot.press("enter")
    await on_screen(pilot, "InspectionScreen")
    visit = app.screen
    assert isinstance(visit, InspectionScreen)
    await until(pilot, lambda: visit.detail is not None, "the permit")
    await pilot.press("r")
    await on_screen(pilot, "ResultScreen")
    result = app.screen
    assert isinstance(result, ResultScreen)
    await choose_failed(pilot, result)
    await pilot.press("ctrl+s")
    await on_screen(pilot, "ConfirmResultScreen")
    await pilot.press("y")
    await on_screen(pilot, "InspectionScreen")
    return visit


def check_out(city: Database, field_file: Path, clock: FixedClock) -> None:
    """The command line's checkout (the route key's is the first test's subject)."""
    summary = checkout(
        city, *INSPECTOR, day=clock.now().date(), field_file=field_file, laptop_clock=clock
    )
    assert summary.inspections > 0


def checked_out(tmp_path: Path, clock: FixedClock) -> tuple[Database, str, Path]:
    """A copy of the demo city on SQLite, its URL, and the inspector's day checked out from
    it into a field file on the "laptop"."""
    city = open_demo_copy(tmp_path, clock)
    field_file = tmp_path / "laptop" / "inspector.db"
    check_out(city, field_file, clock)
    return city, f"sqlite:///{tmp_path / 'demo.db'}", field_file


# --------------------------------------------------------------------------- the whole way


@pytest.mark.postgres
@pytest.mark.slow
async def test_checkout_offline_failed_result_sync_and_the_contractor_sees_it(
    own_pg: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the laptop's data folder
    url = demo_city_on(own_pg)
    clock = thursday_clock()

    # Online, on the route: C checks Thursday out (the password asked again).
    city = Database.open(url, clock=clock)
    online = make_app(city, demo=True)
    async with online.run_test(size=(80, 24)) as pilot:
        await staff_sign_in(pilot, *INSPECTOR)
        await route_loaded(pilot, THURSDAY)
        assert "c Check out" in footer(online)
        await pilot.press("c")
        await on_screen(pilot, "CheckoutPasswordScreen")
        await pilot.press("enter")  # nothing typed yet
        await until(pilot, lambda: "Enter your password." in flat(pilot), "a refusal")
        await type_text(pilot, "not-the-password")
        await pilot.press("enter")
        await on_screen(pilot, "RouteScreen")
        await until(pilot, lambda: "Not checked out:" in flat(pilot), "the refusal")
        await pilot.press("c")
        await on_screen(pilot, "CheckoutPasswordScreen")
        await type_text(pilot, INSPECTOR[1])
        await pilot.press("enter")
        await on_screen(pilot, "RouteScreen")
        await until(pilot, lambda: "Checked out" in flat(pilot), "the checkout")
        assert f"for {THURSDAY}" in flat(pilot)
    city.dispose()
    field_file = default_field_file(INSPECTOR[0])
    assert stat.S_IMODE(field_file.stat().st_mode) == 0o600

    # The network is gone: the city's server is stopped.
    own_pg.halt()
    session = open_field(field_file, clock=clock)
    app = make_field_app(session, lambda: Database.open(url, clock=clock))
    async with app.run_test(size=(80, 24)) as pilot:
        await route_loaded(pilot, THURSDAY)  # no password asked: straight to the route
        await status_says(pilot, "OFFLINE — 0 results waiting to be sent")
        assert "y Sync" in footer(app) and "x Conflicts" in footer(app)
        assert "p Prev" not in footer(app)  # the field file holds Thursday only
        visit = await record_failed(pilot, PLAN_CHECK)
        kept = "Result recorded on this laptop: FAILED"
        await until(pilot, lambda: kept in flat(pilot), "the result kept")
        assert "FAILED" in flat(pilot)
        await status_says(pilot, "OFFLINE — 1 result waiting to be sent")
        assert visit.stop.status == "FAILED"
        await pilot.press("escape")
        await route_loaded(pilot, THURSDAY)
        await until(pilot, lambda: "FAILED" in flat(pilot), "the route to show FAILED")

        own_pg.launch()  # the network is back; Y syncs now
        await pilot.press("y")
        await status_says(pilot, "ONLINE — 0 results waiting to be sent")
        assert "FAILED" in flat(pilot), text_of(pilot)
    session.close()

    # Another app on the city database, signed in as the permit's company.
    city = Database.open(url, clock=clock)
    row = inspection_row(city, PLAN_CHECK)
    assert (row.status, row.comments) == (InspectionStatus.FAILED.value, COMMENTS)
    contractor = make_app(city, demo=True)
    async with contractor.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, *CITY)
        await on_screen(pilot, "DashboardScreen")
        await until(pilot, lambda: PLAN_CHECK in flat(pilot), "the dashboard")
        await pilot.press("enter")  # the first active permit is the plan check
        await on_screen(pilot, "PermitScreen")
        await until(pilot, lambda: "Inspections (" in flat(pilot), "the permit")
        assert PLAN_CHECK in flat(pilot)
        await inspections_tab(pilot)
        await until(pilot, lambda: "Result: FAILED" in flat(pilot), "the inspections tab")
        assert COMMENTS in flat(pilot)
    city.dispose()


# --------------------------------------------------------------------------- on SQLite


async def test_results_are_sent_on_their_own_when_the_city_is_reachable(tmp_path: Path) -> None:
    clock = thursday_clock()
    city, url, field_file = checked_out(tmp_path, clock)
    session = open_field(field_file, clock=clock)
    app = make_field_app(session, lambda: Database.open(url, clock=clock), sync_seconds=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        await route_loaded(pilot, THURSDAY)
        await status_says(pilot, "ONLINE — 0 results waiting to be sent")
        await record_failed(pilot, PLAN_CHECK)
        # No key pressed: the periodic sync sends it.
        await until(
            pilot,
            lambda: inspection_row(city, PLAN_CHECK).status == "FAILED",
            "the result at the city",
        )
        await status_says(pilot, "ONLINE — 0 results waiting to be sent")
        assert_inert_output(text_of(pilot))
    session.close()
    city.dispose()


async def test_a_checkout_older_than_its_day_plus_one_refuses_new_results_where_typed(
    tmp_path: Path,
) -> None:
    clock = thursday_clock()
    city, url, field_file = checked_out(tmp_path, clock)
    clock.set(hemet(2026, 11, 21, 8, 0))  # Saturday: Thursday's checkout is too old
    session = open_field(field_file, clock=clock)
    app = make_field_app(session, lambda: Database.open(url, clock=clock), sync_seconds=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await route_loaded(pilot, THURSDAY)
        await until(pilot, lambda: "check out again" in flat(pilot), "the status line")
        await record_failed(pilot, PLAN_CHECK)
        refused = f"Not recorded: This checkout is from {THURSDAY}; sync and check out again."
        await until(pilot, lambda: refused in flat(pilot), "the refusal on the inspection")
    session.close()
    assert inspection_row(city, PLAN_CHECK).status == "SCHEDULED"
    city.dispose()


async def test_a_conflict_is_shown_and_kept_for_the_inspector_and_on_the_staff_desk(
    tmp_path: Path,
) -> None:
    clock = thursday_clock()
    city, url, field_file = checked_out(tmp_path, clock)
    session = open_field(field_file, clock=clock)
    app = make_field_app(session, lambda: Database.open(url, clock=clock), sync_seconds=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await route_loaded(pilot, THURSDAY)
        await record_failed(pilot, PLAN_CHECK)
        await until(pilot, lambda: "Result recorded on this laptop" in flat(pilot), "kept")
        # Meanwhile, at the counter, the same inspection is resulted PASSED.
        counter = auth.sign_in_staff(city, *INSPECTOR).actor
        inspection_id = inspection_row(city, PLAN_CHECK).id
        assert inspection_id is not None
        results.record_result(city, counter, inspection_id, InspectionStatus.PASSED, "OK.")
        await pilot.press("escape")
        await route_loaded(pilot, THURSDAY)
        await pilot.press("y")
        await status_says(pilot, "ONLINE — 0 results waiting to be sent — 1 conflict")
        await pilot.press("x")
        await on_screen(pilot, "FieldConflictsScreen")
        await until(pilot, lambda: "1 result(s) not applied" in flat(pilot), "the conflicts")
        words = flat(pilot)
        assert "Not applied:" in words and "your result is kept" in words
        assert PLAN_CHECK in words and COMMENTS[:40] in words
        assert "At the city the inspection is PASSED" in words
        assert_inert_output(text_of(pilot))
    session.close()
    assert inspection_row(city, PLAN_CHECK).status == "PASSED"  # the first result stands

    desk = make_app(city, demo=True)
    async with desk.run_test(size=(80, 24)) as pilot:
        await staff_sign_in(pilot, *ADMIN)
        # The desk's list names the key (its footer shows the first keys that fit; F1 all).
        await until(pilot, lambda: "F Field conflicts" in flat(pilot), "the desk's list")
        await pilot.press("f")
        await on_screen(pilot, "FieldConflictsDeskScreen")
        await until(pilot, lambda: "1 result(s) not applied" in flat(pilot), "the list")
        words = flat(pilot)
        assert PLAN_CHECK in words and "RAY DELGADO" in words
        assert "Not applied:" in words and COMMENTS[:40] in words
    city.dispose()


async def test_checkout_over_ssh_writes_nothing_and_says_where_it_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    clock = thursday_clock()
    city = open_demo_copy(tmp_path, clock)
    app = make_app(city, demo=True, remote=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await staff_sign_in(pilot, *INSPECTOR)
        await route_loaded(pilot, THURSDAY)
        await pilot.press("c")
        await until(pilot, lambda: "laptop's own portal" in flat(pilot), "the explanation")
        assert type(app.screen).__name__ == "RouteScreen"  # no password asked
        assert "Nothing was written on this server." in flat(pilot)
    assert not default_field_file(INSPECTOR[0]).exists()
    assert not (tmp_path / "data").exists()
    city.dispose()


async def test_hostile_comments_in_a_conflict_stay_inert_for_the_inspector_and_staff(
    tmp_path: Path,
) -> None:
    """SPEC §7: a conflict's comments holding markup and action links are shown as text on
    the inspector's conflicts screen and on the staff desk, and run nothing (control and
    bidi characters never get in: recording refuses them, as online)."""
    clock = thursday_clock()
    city, url, field_file = checked_out(tmp_path, clock)
    inspection_id = inspection_row(city, PLAN_CHECK).id
    assert inspection_id is not None
    session = open_field(field_file, clock=clock)
    markup = " ".join(v for v in SHORT_CORPUS if v.isprintable())  # controls: refused
    record_offline(session, inspection_id, InspectionStatus.FAILED, markup)
    inspector = auth.sign_in_staff(city, *INSPECTOR).actor
    results.record_result(city, inspector, inspection_id, InspectionStatus.PASSED, "OK.")
    app = make_field_app(session, lambda: Database.open(url, clock=clock), sync_seconds=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await route_loaded(pilot, THURSDAY)
        await pilot.press("y")
        await status_says(pilot, "1 conflict")
        await pilot.press("x")
        await on_screen(pilot, "FieldConflictsScreen")
        await until(pilot, lambda: "1 result(s) not applied" in flat(pilot), "the conflicts")
        assert shown_form(SHORT_CORPUS[0]) in flat(pilot)
        assert_inert_output(text_of(pilot))
        await pilot.press("down", "up")
        assert app.is_running
    session.close()

    desk = make_app(city, demo=True)
    async with desk.run_test(size=(80, 24)) as pilot:
        await staff_sign_in(pilot, *ADMIN)
        await pilot.press("f")
        await on_screen(pilot, "FieldConflictsDeskScreen")
        await until(pilot, lambda: "1 result(s) not applied" in flat(pilot), "the list")
        assert shown_form(SHORT_CORPUS[0]) in flat(pilot)
        assert_inert_output(text_of(pilot))
        assert desk.is_running
    city.dispose()

"""The inspector in the field (SPEC §3), by keys only, on the demo city at the tests' clock
(Wed 11/18/2026 10:00 in Hemet): *My route* for today and other days, an inspection's
details, recording a FAILED result with comments (confirmed first) — and a second app on
the same database file, signed in as the contractor, showing the result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import RadioSet, TabbedContent

from etrakit_tui.domain.accounts import auth
from etrakit_tui.domain.accounts.views import SignInResult
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import (
    Condition,
    Inspection,
    InspectionRequest,
    InspectionStatus,
    Outbox,
    Permit,
)
from etrakit_tui.tui import theme
from etrakit_tui.tui.app import EtrakitApp, make_app
from etrakit_tui.tui.navigation import home_for
from etrakit_tui.tui.screens.route import RouteScreen
from etrakit_tui.tui.screens.route_visit import InspectionScreen, ResultScreen
from tests.support.injection import CORPUS, SHORT_CORPUS, assert_inert_output, shown_form
from tests.support.inspection_scene import hemet
from tests.support.readside import account_theme
from tests.tui.conftest import make_demo_app, sign_in, type_text, until
from tests.tui.forms_support import flat, on_screen, text_of

INSPECTOR = ("inspector", "inspect2026")
CITY = ("CITY OF HEMET", "hemetdemo1")
PLAN_CHECK = "A1806-065"
COMMENTS = "Handrail missing at ramp top; call for reinspection."


async def staff_sign_in(pilot: Pilot[Any], username: str, password: str) -> None:
    """F8 switches the sign-in screen to staff/inspector; then user name and password."""
    app = pilot.app
    await until(pilot, lambda: type(app.screen).__name__ == "LoginScreen", "the sign-in screen")
    await pilot.press("f8")
    await sign_in(pilot, username, password)


async def enter_as(pilot: Pilot[Any], signed: SignInResult) -> None:
    """Skip the typing: hand a sign-in made through the domain to the app's own hook (the
    sign-in screen does exactly this after its keys). For tests whose subject is after it."""
    app = pilot.app
    assert isinstance(app, EtrakitApp)
    await until(pilot, lambda: type(app.screen).__name__ == "LoginScreen", "the sign-in screen")
    app.signed_in(signed.actor, signed.display_name, home_for(signed.actor.kind), signed.theme)
    await until(pilot, lambda: app.screen is app.home_screen, "the home screen")


def route_screen(pilot: Pilot[Any]) -> RouteScreen:
    screen = pilot.app.screen
    assert isinstance(screen, RouteScreen)
    return screen


async def route_loaded(pilot: Pilot[Any], day_words: str) -> RouteScreen:
    """Wait for the route of the day shown as ``day_words`` (``Thu 11/19/2026``)."""
    await on_screen(pilot, "RouteScreen")
    screen = route_screen(pilot)
    await until(
        pilot,
        lambda: screen.loaded_day is not None and f"My route — {day_words}" in flat(pilot),
        f"the route of {day_words}",
    )
    return screen


async def highlight(pilot: Pilot[Any], screen: RouteScreen, number: str) -> None:
    """Arrow down to the stop of permit ``number``."""
    for _ in range(len(screen.stops) + 1):
        stop = screen.highlighted
        if stop is not None and stop.permit_number == number:
            return
        await pilot.press("down")
    raise AssertionError(f"{number} is not on the route")


def inspection_row(db: Database, number: str) -> Inspection:
    with db.read() as s:
        row = s.exec(
            select(Inspection)
            .join(Permit, col(Permit.id) == col(Inspection.permit_id))
            .where(Permit.number == number)
            .order_by(col(Inspection.id).desc())
        ).first()
    assert row is not None
    return row


async def test_route_today_is_am_first_with_what_the_inspector_needs(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await staff_sign_in(pilot, *INSPECTOR)
        screen = await route_loaded(pilot, "Wed 11/18/2026")
        periods = [stop.period for stop in screen.stops]
        assert periods and periods == sorted(periods)  # AM before PM
        assert "AM" in periods and "PM" in periods
        words = flat(pilot)
        assert f"{len(periods)} inspection(s): {periods.count('AM')} AM" in words
        first = screen.stops[0]
        assert first.address[:15] in words and first.permit_number in words
        assert first.contact_phone in words
        # The highlighted stop says who to call and what the request's notes say.
        assert f"Contact: {first.contact_name}, {first.contact_phone}" in words
        noted = next(s for s in screen.stops if s.notes)
        await highlight(pilot, screen, noted.permit_number)
        assert f"Notes: {noted.notes}" in flat(pilot)

        # Previous day, next day, a typed date, back to today.
        await pilot.press("p")
        await route_loaded(pilot, "Tue 11/17/2026")
        await pilot.press("n", "n")
        await route_loaded(pilot, "Thu 11/19/2026")
        assert PLAN_CHECK in flat(pilot)
        await pilot.press("g")
        await type_text(pilot, "11/24/2026")
        await pilot.press("enter")
        await route_loaded(pilot, "Tue 11/24/2026")
        await pilot.press("g")
        await type_text(pilot, "not a day")
        await pilot.press("enter")
        await until(pilot, lambda: "Enter a date like 11/19/2026." in flat(pilot), "a refusal")
        await pilot.press("escape", "t")
        await route_loaded(pilot, "Wed 11/18/2026")


async def test_failed_result_reaches_the_contractor_in_another_app(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    path = tmp_path / "demo.db"
    async with app.run_test(size=(80, 24)) as pilot:
        await staff_sign_in(pilot, *INSPECTOR)
        await route_loaded(pilot, "Wed 11/18/2026")
        await pilot.press("n")
        screen = await route_loaded(pilot, "Thu 11/19/2026")
        await highlight(pilot, screen, PLAN_CHECK)
        await pilot.press("enter")
        await on_screen(pilot, "InspectionScreen")
        visit = app.screen
        assert isinstance(visit, InspectionScreen)
        await until(pilot, lambda: visit.detail is not None, "the permit")
        words = flat(pilot)
        assert f"FINAL — {PLAN_CHECK} — 445 E FLORIDA AVE" in words
        assert f"Contact:     {visit.stop.contact_name}" in text_of(pilot)
        assert f"Permit {PLAN_CHECK}: ACCESSIBILITY" in words
        assert "Earlier inspections (3):" in words
        assert "Ramp, handrails and landings OK." in words
        assert "Conditions (1):" in visit_text(visit)

        await pilot.press("r")  # Esc leaves the result form: nothing is recorded
        await on_screen(pilot, "ResultScreen")
        await pilot.press("escape")
        await until(pilot, lambda: "Nothing was recorded." in flat(pilot), "the message")

        await pilot.press("r")
        await on_screen(pilot, "ResultScreen")
        result = app.screen
        assert isinstance(result, ResultScreen)
        await pilot.press("ctrl+s")  # no result chosen yet
        await until(pilot, lambda: "Choose a result first." in flat(pilot), "a refusal")
        await choose_failed(pilot, result)
        await pilot.press("ctrl+s")
        await on_screen(pilot, "ConfirmResultScreen")
        assert "Record FAILED?" in flat(pilot)
        assert "emailed if their profile asks for it" in flat(pilot)
        await pilot.press("n")  # not yet: back to the form, choice and comments kept
        await on_screen(pilot, "ResultScreen")
        assert "Chosen: FAILED" in flat(pilot) and COMMENTS[:30] in flat(pilot)
        assert inspection_row(app.database, PLAN_CHECK).status == "SCHEDULED"
        await pilot.press("ctrl+s")
        await on_screen(pilot, "ConfirmResultScreen")
        await pilot.press("y")  # still Wednesday: Thursday's inspection has no result yet
        await on_screen(pilot, "InspectionScreen")
        early = (
            "Not recorded: This inspection is scheduled for Thu 11/19/2026; "
            "record its result on or after that day."
        )
        await until(pilot, lambda: early in flat(pilot), "the refusal")
        assert inspection_row(app.database, PLAN_CHECK).status == "SCHEDULED"

        clock.set(hemet(2026, 11, 19, 0, 0))  # midnight in Hemet: the inspection's day
        await pilot.press("r")
        await on_screen(pilot, "ResultScreen")
        result = app.screen
        assert isinstance(result, ResultScreen)
        await choose_failed(pilot, result)
        await pilot.press("ctrl+s")
        await on_screen(pilot, "ConfirmResultScreen")
        await pilot.press("y")
        await on_screen(pilot, "InspectionScreen")
        await until(pilot, lambda: "Result recorded: FAILED" in flat(pilot), "the result")

        row = inspection_row(app.database, PLAN_CHECK)
        assert row.status == InspectionStatus.FAILED.value
        assert row.comments == COMMENTS
        with app.database.read() as s:
            mails = s.exec(select(Outbox)).all()
        assert [m.to_addr for m in mails] == ["sretmier@cityofhemet.org"]
        assert mails[0].status == "PENDING"  # no SMTP configured: kept for the notify job

        await pilot.press("escape")
        screen = await route_loaded(pilot, "Thu 11/19/2026")
        await until(pilot, lambda: "FAILED" in flat(pilot), "the route to show FAILED")

        # A second app on the same database file: the contractor sees the result.
        other = make_app(Database.open(f"sqlite:///{path}", clock=clock), demo=True)
        async with other.run_test(size=(80, 24)) as second:
            await sign_in(second, *CITY)
            await on_screen(second, "DashboardScreen")
            await until(second, lambda: PLAN_CHECK in flat(second), "the dashboard")
            await second.press("enter")  # the first active permit is the plan check
            await on_screen(second, "PermitScreen")
            await until(second, lambda: "Inspections (" in flat(second), "the permit")
            await inspections_tab(second)
            await until(second, lambda: "Result: FAILED" in flat(second), "the inspections tab")
            words = flat(second)
            assert "FINAL" in words and "Inspector: RAY DELGADO" in words
            assert COMMENTS in words
            other.database.dispose()


async def choose_failed(pilot: Pilot[Any], result: ResultScreen) -> None:
    """On the result form: arrow to "Failed", mark it, and type the comments."""
    radio = result.query_one(RadioSet)
    for _ in range(6):
        if radio._selected == 2:
            break
        await pilot.press("down")
    await pilot.press("enter")
    assert "Chosen: FAILED" in flat(pilot)
    await pilot.press("tab")
    await type_text(pilot, COMMENTS)


async def inspections_tab(pilot: Pilot[Any]) -> None:
    """``i`` on the permit screen; pressed again if the tab did not switch (a key pressed
    while the permit screen is still settling after its first paint can be lost)."""
    for _ in range(3):
        await pilot.press("i")
        for _ in range(100):
            if pilot.app.screen.query_one(TabbedContent).active == "inspections":
                return
            await pilot.pause(0.02)
    raise AssertionError("the Inspections tab never opened")


def visit_text(screen: InspectionScreen) -> str:
    """Everything the inspection screen holds, scrolled or not."""
    return " ".join(
        str(screen.query_one(f"#{name}").render())
        for name in ("visit-permit", "visit-earlier", "visit-conditions")
    )


async def test_sunlight_theme_is_kept_for_the_inspector(tmp_path: Path, clock: FixedClock) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        signed = auth.sign_in_staff(app.database, *INSPECTOR)
        await enter_as(pilot, signed)
        await route_loaded(pilot, "Wed 11/18/2026")
        await pilot.press("s")
        await until(pilot, lambda: app.theme == theme.SUNLIGHT, "the sunlight theme")
        assert "Sunlight theme on." in flat(pilot)
        assert_inert_output(flat(pilot))
        await until(
            pilot,
            lambda: account_theme(app.database, signed.actor) == theme.SUNLIGHT,
            "the theme kept for the account",
        )

    again = make_app(app.database, demo=True)  # the inspector's next session
    async with again.run_test(size=(80, 24)) as pilot:
        signed = auth.sign_in_staff(again.database, *INSPECTOR)
        assert signed.theme == theme.SUNLIGHT
        await enter_as(pilot, signed)
        await route_loaded(pilot, "Wed 11/18/2026")
        await until(pilot, lambda: again.theme == theme.SUNLIGHT, "the inspector's theme")
        await pilot.press("s")
        await until(pilot, lambda: again.theme != theme.SUNLIGHT, "the standard theme")
        await until(
            pilot,
            lambda: account_theme(again.database, signed.actor) == again.theme,
            "the standard theme kept",
        )


async def test_hostile_text_on_the_route_and_the_inspection_stays_inert(
    tmp_path: Path, clock: FixedClock
) -> None:
    """SPEC §7: request notes, contact names, permit texts, conditions and earlier comments
    holding markup, escapes and bidi controls are shown as text and run nothing."""
    app = make_demo_app(tmp_path, clock)
    hostile = " ".join(SHORT_CORPUS)
    with app.database.write() as s:
        for row in s.exec(select(InspectionRequest)).all():
            row.notes, row.contact_name = hostile + CORPUS[-1], SHORT_CORPUS[0]
            s.add(row)
        plan_check = s.exec(select(Permit).where(Permit.number == PLAN_CHECK)).one()
        plan_check.description = plan_check.notes = hostile
        s.add(plan_check)
        for condition in s.exec(select(Condition)).all():
            condition.name, condition.description = SHORT_CORPUS[1], hostile
            s.add(condition)
        for inspection in s.exec(
            select(Inspection).where(Inspection.permit_id == plan_check.id)
        ).all():
            inspection.comments = inspection.comments or hostile
            s.add(inspection)
    async with app.run_test(size=(80, 24)) as pilot:
        await enter_as(pilot, auth.sign_in_staff(app.database, *INSPECTOR))
        screen = await route_loaded(pilot, "Wed 11/18/2026")
        assert_inert_output(text_of(pilot))
        assert shown_form(SHORT_CORPUS[0]) in text_of(pilot)
        await pilot.press("n")
        screen = await route_loaded(pilot, "Thu 11/19/2026")
        await highlight(pilot, screen, PLAN_CHECK)
        await pilot.press("enter")
        await on_screen(pilot, "InspectionScreen")
        visit = app.screen
        assert isinstance(visit, InspectionScreen)
        await until(pilot, lambda: visit.detail is not None, "the permit")
        for _ in range(3):
            await pilot.press("pagedown")
            assert_inert_output(text_of(pilot))
        assert shown_form("[@click=app.quit]x[/]") in visit_text(visit)
        await pilot.press("r")
        await on_screen(pilot, "ResultScreen")
        assert_inert_output(text_of(pilot))
        await pilot.press("escape")
        assert app.is_running

"""The staff desk (SPEC §3), driven by keys, on the demo city at the tests' clock (Wed
11/18/2026 10:00 in Hemet): companies and PINs, accounts, permits, reviews, inspection
assignment, payments and the audit log. Where a change matters to someone else, a second
app instance on the same database file shows it from their side. Long values are pasted
(a terminal's bracketed paste) rather than typed key by key, to keep the tests quick."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from textual import events
from textual.pilot import Pilot
from textual.widgets import Select, Static, TextArea

from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts import auth
from etrakit_tui.domain.accounts.actors import SYSTEM, ActorKind
from etrakit_tui.domain.errors import AuthenticationFailed
from etrakit_tui.domain.inspections import assignment
from etrakit_tui.domain.permits import reviews
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import (
    AuditEvent,
    Company,
    Inspection,
    Parcel,
    Permit,
    PermitContact,
    Review,
    StaffUser,
)
from etrakit_tui.tui.app import EtrakitApp, make_app
from etrakit_tui.tui.screens.staff_inspections import AssignScreen
from etrakit_tui.tui.widgets.paged_table import PagedTable
from tests.support.injection import CORPUS, SHORT_CORPUS, assert_inert_output, shown_form
from tests.tui.conftest import make_demo_app, type_text, until
from tests.tui.forms_support import (
    clear_and_type,
    field_error,
    flat,
    focus_field,
    on_screen,
    paste_into,
    text_of,
)
from tests.tui.test_inspector import enter_as

ADMIN = ("admin", "staffdesk2026")
CITY = ("CITY OF HEMET", "hemetdemo1")
ACME = ("ACME ELECTRIC INC", "acmedemo22")


async def desk(pilot: Pilot[Any]) -> EtrakitApp:
    """Signed in as the demo staff member, at the desk. The sign-in screen's own keys
    (F8, user name, password) are driven in ``test_inspector.py``; here the sign-in goes
    through the domain and the app's own hook, to keep these tests quick."""
    app = pilot.app
    assert isinstance(app, EtrakitApp)
    await enter_as(pilot, auth.sign_in_staff(app.database, *ADMIN))
    await on_screen(pilot, "StaffHomeScreen")
    return app


def second_app(app: EtrakitApp, clock: FixedClock) -> EtrakitApp:
    """Another app (as another process would be) on the same database file."""
    return make_app(Database.open(app.database.url, clock=clock), demo=True)


async def shown_pin(pilot: Pilot[Any]) -> str:
    """Wait for the PIN window and read the PIN off the screen."""
    await on_screen(pilot, "PinScreen")
    await until(pilot, lambda: re.search(r"PIN: \d{8}", flat(pilot)), "the PIN window")
    note = " ".join(str(w.render()) for w in pilot.app.screen.query(Static))
    assert "It is shown only this once" in " ".join(note.split())
    found = re.search(r"PIN: (\d{8})", flat(pilot))
    assert found, "no PIN on screen"
    return found.group(1)


async def login_message(pilot: Pilot[Any], name: str, secret: str) -> str:
    """Try to sign in on the contractor sign-in screen; the message it shows."""
    app = pilot.app
    await until(pilot, lambda: type(app.screen).__name__ == "LoginScreen", "the sign-in screen")
    await type_text(pilot, name)
    await pilot.press("enter")
    if app.focused is not None and app.focused.id == "picker":
        await pilot.press("enter")
    await type_text(pilot, secret)
    await pilot.press("enter")
    await until(pilot, lambda: "Signing in..." not in flat(pilot), "the sign-in answer")
    return flat(pilot)


async def tab_to_notes(pilot: Pilot[Any]) -> None:
    """Press Tab until the notes (a TextArea) have the focus."""
    for _ in range(12):
        if isinstance(pilot.app.focused, TextArea):
            return
        await pilot.press("tab")
    raise AssertionError("Tab never reached the notes")


async def pick(pilot: Pilot[Any], name: str, typed: str) -> None:
    """Open the Select of field ``name`` (Enter), type the start of an option (the list
    jumps to it), Enter."""
    select = await focus_field(pilot, name)
    assert isinstance(select, Select)
    await pilot.press("enter")
    await until(pilot, lambda: select.expanded, "the option list to open")
    await pilot.press(*typed)
    await pilot.press("enter")
    await until(pilot, lambda: not select.expanded, "the option list to close")
    assert str(select.value).upper().startswith(typed.upper()), select.value


async def paste(pilot: Pilot[Any], text: str) -> None:
    """Paste ``text`` where the focus is (a terminal's bracketed paste)."""
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


def apn_of(db: Database, number: str) -> str:
    with db.read() as s:
        return s.exec(
            select(Parcel.apn)
            .join(Permit, col(Permit.parcel_id) == col(Parcel.id))
            .where(Permit.number == number)
        ).one()


def open_statuses(db: Database, day: str) -> list[str]:
    with db.read() as s:
        rows = s.exec(
            select(Inspection.status).where(
                col(Inspection.requested_date) == day,
                col(Inspection.status).in_(("REQUESTED", "SCHEDULED")),
            )
        ).all()
    return list(rows)


def audit_actions(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


# --------------------------------------------------------------------------- companies


async def test_register_company_shows_the_pin_once_and_it_signs_in(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await desk(pilot)
        await pilot.press("c")
        await on_screen(pilot, "CompaniesScreen")
        await until(pilot, lambda: "companies" in flat(pilot), "the list")
        await pilot.press("n")
        await on_screen(pilot, "RegisterCompanyScreen")
        await pilot.press("ctrl+s")  # nothing filled in: every required field says so
        await until(pilot, lambda: field_error(pilot, "name") != "", "the refusal")
        assert field_error(pilot, "name") == "Company name is required."
        assert field_error(pilot, "phone") != ""
        await paste_into(pilot, "name", "NEW SPARK ELECTRIC LLC")
        await clear_and_type(pilot, "license_no", "1099001")
        await paste_into(pilot, "email", "office@newspark.example")
        await paste_into(pilot, "phone", "951-555-0142")
        await clear_and_type(pilot, "city", "HEMET")
        await pilot.press("ctrl+s")
        pin = await shown_pin(pilot)
        assert "PIN for NEW SPARK ELECTRIC LLC" in flat(pilot)
        await pilot.press("enter")
        await on_screen(pilot, "CompaniesScreen")
        await until(pilot, lambda: "NEW SPARK ELECTRIC LLC" in flat(pilot), "the new company")
        assert pin not in flat(pilot)  # gone for good
        assert "awaiting first sign-in" in flat(pilot)
        with app.database.read() as s:
            row = s.exec(select(Company).where(Company.name == "NEW SPARK ELECTRIC LLC")).one()
        assert row.pin_hash and pin not in row.pin_hash and row.phone == "(951) 555-0142"
        assert all(pin not in e.detail for e in audit_actions(app.database, "register_company"))

        other = second_app(app, clock)
        async with other.run_test(size=(80, 24)) as second:
            await login_message(second, "NEW SPARK ELECTRIC LLC", pin)
            await on_screen(second, "SetPasswordScreen")
            await type_text(second, "spark-plug-2026")
            await second.press("enter")
            await type_text(second, "spark-plug-2026")
            await second.press("enter")
            await on_screen(second, "DashboardScreen")
            assert "Signed in as: NEW SPARK ELECTRIC LLC" in flat(second)
        other.database.dispose()


async def test_reissue_pin_and_disable(tmp_path: Path, clock: FixedClock) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await desk(pilot)
        await pilot.press("c")
        await on_screen(pilot, "CompaniesScreen")
        await pilot.press("tab")  # from the list to the name filter
        await type_text(pilot, "ACME")
        await pilot.press("enter")
        await until(pilot, lambda: "1 companies" in flat(pilot), "the filtered list")
        await pilot.press("p")
        await on_screen(pilot, "ConfirmScreen")
        assert "Issue a new PIN to ACME ELECTRIC INC?" in flat(pilot)
        await pilot.press("y")
        pin = await shown_pin(pilot)
        await pilot.press("escape")
        await on_screen(pilot, "CompaniesScreen")
        await until(pilot, lambda: "awaiting first sign-in" in flat(pilot), "the new state")

        # The old password no longer works; the new PIN does.
        with pytest.raises(AuthenticationFailed):
            auth.sign_in_company(app.database, *ACME)
        assert auth.sign_in_company(app.database, ACME[0], pin).must_set_password

        # Disable CITY OF HEMET: it can no longer sign in.
        await pilot.press("shift+tab")
        await pilot.press("ctrl+u")
        await type_text(pilot, "CITY")
        await pilot.press("enter")
        await until(pilot, lambda: "CITY OF HEMET" in flat(pilot), "CITY OF HEMET")
        await pilot.press("d")
        await on_screen(pilot, "ConfirmScreen")
        assert "Disable CITY OF HEMET?" in flat(pilot)
        await pilot.press("y")
        await on_screen(pilot, "CompaniesScreen")
        await until(pilot, lambda: "CITY OF HEMET: disabled." in flat(pilot), "the message")
        assert "disabled" in flat(pilot).split("CITY OF HEMET")[-1]

    with pytest.raises(AuthenticationFailed):  # the generic sign-in refusal
        auth.sign_in_company(app.database, *CITY)
    assert [e.outcome for e in audit_actions(app.database, "disable_company")] == ["ok"]


# ------------------------------------------------------------------ accounts, inspections


async def test_add_an_inspector_then_assign_inspections(tmp_path: Path, clock: FixedClock) -> None:
    """A new inspector account; an inspection given to them by hand; the daily run."""
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await desk(pilot)
        await pilot.press("a")
        await on_screen(pilot, "AddAccountScreen")
        await clear_and_type(pilot, "username", "mlopez")
        await paste_into(pilot, "full_name", "MARIA LOPEZ")
        await pick(pilot, "role", "Insp")
        await pick(pilot, "district", "SOUTH")
        await paste_into(pilot, "password", "fieldwork2026")
        await paste_into(pilot, "confirm", "fieldwork2025")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: field_error(pilot, "confirm") != "", "the mismatch")
        assert field_error(pilot, "confirm") == "The two passwords are not the same."
        await paste_into(pilot, "confirm", "fieldwork2026")
        await pilot.press("ctrl+s")
        await on_screen(pilot, "StaffHomeScreen")
        with app.database.read() as s:
            user = s.exec(select(StaffUser).where(StaffUser.username == "mlopez")).one()
        assert (user.role, user.district, user.full_name) == ("inspector", "SOUTH", "MARIA LOPEZ")
        signed = auth.sign_in_staff(app.database, "mlopez", "fieldwork2026")
        assert signed.actor.kind is ActorKind.INSPECTOR

        await pilot.press("i")
        await on_screen(pilot, "AssignScreen")
        await pilot.press("n", "n")  # Friday 11/20
        screen = app.screen
        assert isinstance(screen, AssignScreen)
        table = screen.query_one(PagedTable)
        await until(pilot, lambda: "Fri 11/20/2026" in flat(pilot) and table.complete, "Friday")
        assert "REQUESTED" in open_statuses(app.database, "2026-11-20")
        for _ in range(len(table.items)):
            if table.current_item and table.current_item.status == "REQUESTED":
                break
            await pilot.press("down")
        chosen = table.current_item
        assert chosen is not None and chosen.status == "REQUESTED"
        await pilot.press("a")
        await on_screen(pilot, "PickInspectorScreen")
        names = [i.username for i in assignment.list_inspectors(app.database, SYSTEM)]
        await pilot.press(*["down"] * names.index("mlopez"), "enter")
        await until(pilot, lambda: "assigned to MARIA LOPEZ" in flat(pilot), "the assignment")
        with app.database.read() as s:
            row = s.get(Inspection, chosen.id)
            assert row is not None and (row.status, row.inspector_id) == ("SCHEDULED", user.id)

        await pilot.press("d")
        await on_screen(pilot, "ConfirmScreen")
        assert "Run the daily assignment for Fri 11/20/2026?" in flat(pilot)
        await pilot.press("y")
        await on_screen(pilot, "AssignScreen")
        await until(pilot, lambda: "Daily assignment: Fri 11/20/2026:" in flat(pilot), "report")
    assert set(open_statuses(app.database, "2026-11-20")) == {"SCHEDULED"}


# ---------------------------------------------------------------------- permits, payments


async def test_create_a_permit_then_record_a_payment(tmp_path: Path, clock: FixedClock) -> None:
    """A permit with contacts and the fee schedule; a payment; the contractor's dashboard
    (another app on the same database) lists the permit with what is still due."""
    app = make_demo_app(tmp_path, clock)
    hall = apn_of(app.database, "A1806-065")  # an existing parcel (a new one: unit tests)
    async with app.run_test(size=(80, 24)) as pilot:
        await desk(pilot)
        await pilot.press("n")
        await on_screen(pilot, "CreatePermitScreen")
        await pick(pilot, "permit_type", "ELEC")
        await pick(pilot, "status", "ISS")
        await paste_into(pilot, "apn", hall)
        await paste_into(pilot, "company", "CITY OF HEMET")
        await paste_into(pilot, "contact_name", "JANE OWNER")  # role: OWNER unless chosen
        await pilot.press("f5")  # the fee schedule of ELECTRICAL
        await until(pilot, lambda: "ELEC 95.00" in flat(pilot), "the standard fees")
        await pilot.press("ctrl+s")
        await on_screen(pilot, "StaffHomeScreen")
        await until(pilot, lambda: "Created permit" in flat(pilot), "the report")
        number = re.search(r"Created permit (\w\d{4}-\d{3})", flat(pilot))
        assert number is not None
        created = number.group(1)
        assert created.startswith("B2611-")
        assert "445 E FLORIDA AVE" in flat(pilot) and "$175.00" in flat(pilot)

        await pilot.press("p")
        await on_screen(pilot, "PaymentScreen")
        await paste(pilot, created)
        await pilot.press("enter")
        await until(pilot, lambda: f"{created}: fees due $175.00" in flat(pilot), "the fees")
        await clear_and_type(pilot, "amount", "175.01")  # more than is due
        await pilot.press("ctrl+s")
        await until(pilot, lambda: field_error(pilot, "amount") != "", "the refusal")
        assert "exceeds the amount due ($175.00)" in field_error(pilot, "amount")
        await clear_and_type(pilot, "amount", "25.00")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "fees due now $150.00" in flat(pilot), "the new amount due")

    with app.database.read() as s:
        permit = s.exec(select(Permit).where(Permit.number == created)).one()
        contacts = s.exec(
            select(PermitContact.role, PermitContact.name).where(
                PermitContact.permit_id == permit.id
            )
        ).all()
    assert permit.status == "ISSUED" and permit.issued_on is not None
    assert sorted(contacts) == [("CONTRACTOR", "CITY OF HEMET"), ("OWNER", "JANE OWNER")]
    outcomes = [e.outcome for e in audit_actions(app.database, "payment_recorded")]
    assert outcomes == ["refused", "ok"]

    other = second_app(app, clock)
    async with other.run_test(size=(80, 24)) as second:
        await enter_as(second, auth.sign_in_company(other.database, *CITY))
        await on_screen(second, "DashboardScreen")
        screen = second.app.screen
        await until(
            second,
            lambda: screen.query_one("#active-permits", PagedTable).complete,
            "the active permits",
        )
        table = screen.query_one("#active-permits", PagedTable)
        mine = [row for row in table.items if row.number == created]
        assert len(mine) == 1 and mine[0].fees_due_cents == 150_00 and mine[0].can_request
        await second.press("end")
        await until(second, lambda: created in flat(second), "the new permit on screen")
    other.database.dispose()


# --------------------------------------------------------------------------- audit log


async def test_audit_log_filtered_by_action_and_hostile_text_stays_inert(
    tmp_path: Path, clock: FixedClock
) -> None:
    """The audit log filtered by action shows those events, newest first. SPEC §7: company
    names and audit details holding markup, escapes and bidi controls are shown as text on
    the companies list and the audit log, and run nothing."""
    app = make_demo_app(tmp_path, clock)
    with app.database.write() as s:
        for i, name in enumerate(SHORT_CORPUS):
            s.add(Company(name=f"A{i} {name}", license_no=f"X{i}", created_at=clock.now()))
            audit.record(s, SYSTEM, "hostile", at=clock.now(), target=name, detail=CORPUS[-2])
    async with app.run_test(size=(80, 24)) as pilot:
        await desk(pilot)
        await pilot.press("c")
        await on_screen(pilot, "CompaniesScreen")
        await until(pilot, lambda: "A0 " in flat(pilot), "the companies")
        assert_inert_output(text_of(pilot))
        assert shown_form(f"A0 {SHORT_CORPUS[0]}") in text_of(pilot)
        await pilot.press("escape", "l")
        await on_screen(pilot, "AuditScreen")
        table = app.screen.query_one(PagedTable)
        await until(pilot, lambda: bool(table.items), "the log")
        assert {row.action for row in table.items} >= {"sign_in", "hostile", "demo.build"}
        for _ in range(len(SHORT_CORPUS)):
            assert_inert_output(text_of(pilot))
            await pilot.press("down")
        await pick(pilot, "action", "sign_i")
        await until(
            pilot,
            lambda: table.items and {r.action for r in table.items} == {"sign_in"},
            "the filtered log",
        )
        assert table.items[0].actor_name == "admin"  # newest first: our own sign-in
        assert "sign_in" in flat(pilot) and "demo.build" not in flat(pilot)
        await clear_and_type(pilot, "actor_name", "nobody")
        await pilot.press("enter")
        await until(pilot, lambda: table.complete and table.items == [], "no events")
        assert "no records" in flat(pilot)
        assert app.is_running


# --------------------------------------------------------------------------- reviews


async def test_post_and_update_a_review(tmp_path: Path, clock: FixedClock) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await desk(pilot)
        await pilot.press("r")
        await on_screen(pilot, "ReviewDeskScreen")
        await type_text(pilot, "a1806-065")
        await pilot.press("enter")
        await until(pilot, lambda: "A1806-065: 6 review(s)" in flat(pilot), "the reviews")
        await pilot.press("a")
        await on_screen(pilot, "PostReviewScreen")
        await pick(pilot, "review_type", "FIRE")
        await paste_into(pilot, "reviewer", "PAT FIREMAN")
        await tab_to_notes(pilot)
        await paste(pilot, "Provide the hydrant flow test.")
        await pilot.press("ctrl+s")
        await on_screen(pilot, "ReviewDeskScreen")
        await until(pilot, lambda: "A1806-065: 7 review(s)" in flat(pilot), "the new review")
        assert "Posted FIRE review, cycle 1, SUBMITTED." in flat(pilot)
        assert "PAT FIREMAN" in flat(pilot)

        await pilot.press("e")  # the newest (just posted) is highlighted first
        await on_screen(pilot, "UpdateReviewScreen")
        assert "Update the FIRE review (cycle 1) on A1806-065" in flat(pilot)
        await until(pilot, lambda: "hydrant flow test" in flat(pilot), "the notes")
        await pick(pilot, "status", "APPR")
        await tab_to_notes(pilot)
        await pilot.press("f7")  # select everything in the notes
        await paste(pilot, "Flow test received. Approved.")
        await pilot.press("ctrl+s")
        await on_screen(pilot, "ReviewDeskScreen")
        await until(pilot, lambda: "Updated the FIRE review: APPROVED." in flat(pilot), "saved")
        await pilot.press("m")
        await on_screen(pilot, "ReviewNotesScreen")
        await until(pilot, lambda: "Flow test received. Approved." in flat(pilot), "More Info")

    with app.database.read() as s:
        review = s.exec(select(Review).where(Review.reviewer == "PAT FIREMAN")).one()
    assert (review.status, review.notes) == ("APPROVED", "Flow test received. Approved.")
    assert review.completed_on is not None and review.completed_on.isoformat() == "2026-11-18"
    # The contractor's More Info shows the same notes.
    city = auth.sign_in_company(app.database, *CITY).actor
    assert review.id is not None
    assert reviews.review_notes(app.database, city, review.id).notes.startswith("Flow test")
    assert len(audit_actions(app.database, "review_posted")) == 1
    assert len(audit_actions(app.database, "review_updated")) == 1

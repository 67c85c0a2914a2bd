"""The inspection request form (SPEC §2.6, §4), driven by keys on the demo city at the tests'
fixed clock (Wed 11/18/2026 10:00 in Hemet): the prefilled contact block, the rules in words,
the request list, all-or-nothing confirmation, and each refusal at the field it concerns."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import DataTable, Select

from etrakit_tui.domain.accounts import auth
from etrakit_tui.domain.inspections import requests
from etrakit_tui.domain.permits import dashboard
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import (
    Company,
    InspectionRequest,
    InspectionSlot,
    InspectionType,
)
from etrakit_tui.tui.app import EtrakitApp
from etrakit_tui.tui.screens.cancel import CancelScreen
from etrakit_tui.tui.screens.request import InspectionRequestScreen
from tests.support.injection import SHORT_CORPUS, assert_inert_output, shown_form
from tests.tui.conftest import make_demo_app, until
from tests.tui.forms_support import (
    choose,
    choose_from_list,
    clear_and_type,
    field,
    field_error,
    flat,
    hemet_time,
    inspection_count,
    on_screen,
    open_inspections,
    open_menu,
    option_words,
    paste_into,
    pick_row,
    signed_in,
    text_of,
)

CITY = ("CITY OF HEMET", "hemetdemo1")
ACME = ("ACME ELECTRIC INC", "acmedemo22")
MARKUP = "[bold red]loud[/bold red] [link=http://x]y[/link] $var {x}"


def permit_where(db: Database, who: tuple[str, str], code: str, reason_has: str | None) -> str:
    """One of ``who``'s permits offering *Request* whose inspection type ``code`` is
    requestable (``reason_has`` None) or refused with a reason containing ``reason_has``."""
    actor = auth.sign_in_company(db, *who).actor
    for row in dashboard.active_permits_page(db, actor, limit=200).items:
        if not row.can_request:
            continue
        for option in requests.inspection_types_for(db, actor, row.number):
            if option.code == code and (
                (reason_has is None and option.requestable)
                or (reason_has and option.reason and reason_has in option.reason)
            ):
                return row.number
    raise AssertionError(f"no permit of {who[0]} where {code} is {reason_has or 'requestable'}")


async def open_form(
    pilot: Pilot[Any], who: tuple[str, str], number: str, *, sign_in: bool = True
) -> EtrakitApp:
    """Sign in, F4, arrow down to the permit, Enter: the request form, filled."""
    app = pilot.app
    assert isinstance(app, EtrakitApp)
    if sign_in:
        await signed_in(pilot, *who)
    await open_menu(pilot, "f4", "ScheduleScreen")
    await pick_row(pilot, "permits", lambda row: row.number == number)
    await on_screen(pilot, "InspectionRequestScreen")
    screen = app.screen
    assert isinstance(screen, InspectionRequestScreen)
    await until(pilot, lambda: bool(screen.types) and app.focused is not None, "the form")
    return app


def request_list(app: EtrakitApp) -> list[list[str]]:
    table = app.screen.query_one("#request-list", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def add(pilot: Pilot[Any], type_words: str, day: str | None, period: str | None) -> None:
    """Choose the type (and the date and AM/PM, if given), then F8 (Add Inspection)."""
    await choose(pilot, "inspection_type", type_words)
    if day:
        await choose(pilot, "requested_date", day)
    if period:
        await choose(pilot, "period", period)
    await press_add(pilot)


async def press_add(pilot: Pilot[Any]) -> None:
    """F8 (Add Inspection), and wait for the domain's check of the row."""
    await pilot.press("f8")
    await until(pilot, lambda: not getattr(pilot.app.screen, "adding", False), "the check")


async def confirm_refused(pilot: Pilot[Any], name: str) -> str:
    """Ctrl+S (Confirm), then the message shown at field ``name``."""
    await pilot.press("ctrl+s")
    await until(pilot, lambda: field_error(pilot, name) != "", f"a message at {name}")
    return field_error(pilot, name)


# --------------------------------------------------------------------------- the form


async def test_form_rules_and_refusals_at_their_fields(tmp_path: Path, clock: FixedClock) -> None:
    """A1806-065: the prefilled form (the company's name is hostile text: shown inert) and
    its rules; a type already requested, an empty list, and bad contact fields and notes
    each refused at their field; Esc leaves with nothing saved. Then B2605-020: a type whose
    prerequisite has not passed; B1906-174 (expired) and an unknown number typed on the
    schedule screen."""
    app = make_demo_app(tmp_path, clock)
    db = app.database
    # Markup and every control/escape string of the corpus (fits the 120-character field).
    hostile = " ".join(SHORT_CORPUS[:2] + SHORT_CORPUS[5:])
    with db.read() as s:
        names = s.exec(
            select(InspectionType.name)
            .where(InspectionType.permit_type == "ACCESSIBILITY")
            .order_by(col(InspectionType.sort_order))
        ).all()
    prerequisite = permit_where(db, CITY, "INSULATION", "only after FRAME has passed")
    before = inspection_count(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, *CITY)
        with db.write() as s:  # renamed after sign-in: the form reads the profile afresh
            city = s.exec(select(Company).where(Company.name == CITY[0])).one()
            city.name = hostile
            s.add(city)
        await open_form(pilot, CITY, "A1806-065", sign_in=False)
        assert "PERMIT Inspection Request - A1806-065" in flat(pilot)
        assert "Any items with an * are REQUIRED fields" in flat(pilot)
        assert field(pilot, "contact_name").text == shown_form(hostile)
        assert_inert_output(text_of(pilot))
        assert field(pilot, "contact_phone").text == "(951) 765-2475"
        assert field(pilot, "site_address").text == "445 E FLORIDA AVE"
        assert field(pilot, "contact_email").text.endswith("@cityofhemet.org")
        assert all(field(pilot, n).required for n in ("contact_name", "contact_email"))
        assert app.focused is field(pilot, "inspection_type").control  # contact filled in
        rules = " ".join(str(app.screen.query_one("#rules").render()).split())
        for words in (
            "Inspections can be scheduled up to 7 days in advance",
            "AM inspections are performed 8:30am-12:00pm",
            "PM inspections are performed 1:00pm-5:00pm",
            "Inspections are active once an inspector's name has been assigned",
            "updated daily by 7:30am",
            "You can cancel inspections up to 7:00am the day of the inspection",
            "please call (951) 765-2475 after 7:30am",
        ):
            assert words in rules
        types = field(pilot, "inspection_type").control
        assert isinstance(types, Select)
        words = option_words(types)  # this permit type's only; refused ones say so
        assert [w.removesuffix(" (not available now)") for w in words] == list(names)
        assert "RESTROOM" in words and "FINAL (not available now)" in words

        # A type already requested (open) on the permit: chosen from the opened list.
        await choose_from_list(pilot, "inspection_type", "FINAL")
        await press_add(pilot)
        assert field_error(pilot, "inspection_type") == (
            "A FINAL inspection is already requested for Thu 11/19/2026 AM."
        )
        assert "Error: A FINAL inspection is already requested" in flat(pilot)
        assert request_list(app) == []
        # Confirm with nothing on the list.
        message = await confirm_refused(pilot, "inspection_type")
        assert message == "Add at least one inspection before confirming."
        # Control characters typed or pasted are refused at once, at the field, and never
        # reach the screen.
        await paste_into(pilot, "notes", "bad \x1b[2J notes")
        assert field(pilot, "notes").text == ""
        assert field_error(pilot, "notes") == (
            "Notes cannot contain control or text-direction characters (such as ESC); "
            "that text was not entered."
        )
        assert_inert_output(text_of(pilot))
        # Contact fields: every message at its field, all at once; the first bad field
        # takes the focus.
        await paste_into(pilot, "contact_email", "not-an-email")
        await clear_and_type(pilot, "contact_name", "")
        await confirm_refused(pilot, "contact_email")
        assert field_error(pilot, "contact_name") == "Contact name is required."
        assert field_error(pilot, "contact_email") == (
            "Enter an email address like name@example.com."
        )
        assert field_error(pilot, "contact_phone") == ""
        assert field_error(pilot, "notes") == ""
        assert app.focused is field(pilot, "contact_name").control
        # Cancel: nothing saved.
        await pilot.press("escape")
        await on_screen(pilot, "ScheduleScreen")
        assert "nothing was saved" in " ".join(n.message for n in app._notifications)
        assert inspection_count(db) == before

        # A prerequisite that has not passed.
        await pick_row(pilot, "permits", lambda row: row.number == prerequisite)
        await on_screen(pilot, "InspectionRequestScreen")
        await until(pilot, lambda: app.focused is not None, "the form")
        await add(pilot, "INSULATION", None, None)
        assert field_error(pilot, "inspection_type") == (
            "The INSULATION inspection can be requested only after FRAME has passed."
        )
        await pilot.press("escape")
        await on_screen(pilot, "ScheduleScreen")

        # Typed numbers: an expired permit says why; an unknown one is not found.
        await paste_into(pilot, "permit", "B1906-174")
        await pilot.press("enter")
        await until(pilot, lambda: field_error(pilot, "permit") != "", "a message")
        assert field_error(pilot, "permit") == (
            "Inspections can be requested only on issued or active permits (this one is EXPIRED)."
        )
        await paste_into(pilot, "permit", "Z9999-999")
        await pilot.press("enter")
        await until(pilot, lambda: "not found" in field_error(pilot, "permit"), "not found")
        assert type(app.screen).__name__ == "ScheduleScreen"
    assert inspection_count(db) == before


async def test_full_slot_names_the_next_free_one_then_that_one_is_accepted(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    db = app.database
    with db.write() as s:  # the NORTH district's Thursday AM slot: full
        s.exec(
            update(InspectionSlot)
            .where(
                col(InspectionSlot.district) == "NORTH",
                col(InspectionSlot.day) == date(2026, 11, 19),
                col(InspectionSlot.period) == "AM",
            )
            .values(capacity=col(InspectionSlot.booked))
        )
    before = inspection_count(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot, CITY, "A1806-065")
        await add(pilot, "RESTROOM", "Thu 11/19/2026", "AM")  # refused at once, at the row
        assert field_error(pilot, "requested_date") == (
            "The AM slot on Thu 11/19/2026 is full; next free: Thu 11/19/2026 PM."
        )
        assert "Error: The AM slot on Thu 11/19/2026 is full" in flat(pilot)
        assert request_list(app) == [] and "Inspections to request: none yet" in flat(pilot)
        kept = [field(pilot, n).value for n in ("inspection_type", "requested_date", "period")]
        assert kept == ["RESTROOM", date(2026, 11, 19), "AM"], kept  # still there, to change
        assert inspection_count(db) == before

        await choose(pilot, "period", "PM")  # take the slot the message names
        await press_add(pilot)
        assert request_list(app) == [["1", "RESTROOM", "Thu 11/19/2026", "PM"]]
        # Markup-looking text is data: stored and shown literally.
        await paste_into(pilot, "notes", MARKUP)
        await paste_into(pilot, "contact_name", "[@click=app.quit]x[/]")
        await pilot.press("ctrl+s")
        await on_screen(pilot, "ScheduleScreen")
        assert "Requested: RESTROOM on Thu 11/19/2026 PM." in [
            n.message for n in app._notifications
        ]
        assert ("RESTROOM", "2026-11-19", "PM", "REQUESTED") in open_inspections(db, "A1806-065")
        assert inspection_count(db) == before + 1
        with db.read() as s:
            saved = s.exec(
                select(InspectionRequest.contact_name, InspectionRequest.notes).where(
                    InspectionRequest.notes == MARKUP
                )
            ).all()
        assert [tuple(row) for row in saved] == [("[@click=app.quit]x[/]", MARKUP)]

        await open_menu(pilot, "f5", "CancelScreen")  # my upcoming inspections list it
        cancel = app.screen
        assert isinstance(cancel, CancelScreen)
        await until(pilot, lambda: bool(cancel.views), "the upcoming inspections")
        assert ("A1806-065", "RESTROOM", "PM") in [
            (v.permit_number, v.type_name, v.period) for v in cancel.views
        ]
        assert "RESTROOM" in flat(pilot)


async def test_two_on_the_list_all_or_nothing_then_one_removed_and_sent(
    tmp_path: Path, clock: FixedClock
) -> None:
    """Both were fine when added; another session requested one of them before Confirm:
    the domain refuses at the type field and neither is saved. F9 removes that one; the
    other is then sent."""
    app = make_demo_app(tmp_path, clock)
    db = app.database
    number = permit_where(db, CITY, "ROUGH_ELECTRICAL", None)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot, CITY, number)
        await add(pilot, "ROUGH ELECTRICAL", "Mon 11/23/2026", "AM")
        await add(pilot, "RACKING", None, None)  # same date and AM/PM
        assert request_list(app) == [
            ["1", "ROUGH ELECTRICAL", "Mon 11/23/2026", "AM"],
            ["2", "RACKING / ATTACHMENT", "Mon 11/23/2026", "AM"],
        ]
        actor = auth.sign_in_company(db, *CITY).actor
        contact = requests.ContactInfo("X", "(951) 765-2475", "x@example.com", "1 A ST")
        meanwhile = requests.RequestedItem("ROUGH_ELECTRICAL", date(2026, 11, 25), "PM")
        requests.request_inspections(db, actor, number, contact, [meanwhile])
        before = open_inspections(db, number)

        message = await confirm_refused(pilot, "inspection_type")
        assert message == (
            "A ROUGH ELECTRICAL inspection is already requested for Wed 11/25/2026 PM."
        )
        assert open_inspections(db, number) == before  # the racking was not saved either
        assert type(app.screen) is InspectionRequestScreen

        await pilot.press("f9")  # removes the highlighted (first) one
        assert request_list(app) == [["1", "RACKING / ATTACHMENT", "Mon 11/23/2026", "AM"]]
        await pilot.press("ctrl+s")
        await on_screen(pilot, "ScheduleScreen")
        assert ("ATTACHMENT", "2026-11-23", "AM", "REQUESTED") in open_inspections(db, number)
        assert "Requested: RACKING / ATTACHMENT on Mon 11/23/2026 AM." in [
            n.message for n in app._notifications
        ]


async def test_dates_are_the_requestable_ones_and_final_refused_while_fees_due(
    tmp_path: Path, clock: FixedClock
) -> None:
    """A date outside the window cannot be chosen: from Mon 11/23/2026 the list runs from
    the next business day to day 7, skipping the weekend, Thanksgiving and the day after.
    And a FINAL on a permit with fees due is refused at the type field."""
    clock.set(hemet_time(2026, 11, 23, 10))
    app = make_demo_app(tmp_path, clock)
    number = permit_where(app.database, ACME, "FINAL", "while fees are due")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot, ACME, number)
        dates = field(pilot, "requested_date").control
        assert isinstance(dates, Select)
        assert option_words(dates) == ["Tue 11/24/2026", "Wed 11/25/2026", "Mon 11/30/2026"]
        await add(pilot, "FINAL", None, None)
        message = field_error(pilot, "inspection_type")
        assert message.startswith("A final inspection cannot be requested while fees are due ($")
        assert message.endswith("please pay them first.")
        assert request_list(app) == []

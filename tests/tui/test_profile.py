"""View/Edit Profile (SPEC §2.2): each bad field refused at the field with nothing saved;
a good save says what was saved; the password change (wrong current refused, the new one
works for a new sign-in); hostile text shown inert, refused or stored literally."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from etrakit_tui.domain.accounts import auth
from etrakit_tui.domain.errors import AuthenticationFailed
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import Company
from etrakit_tui.tui.screens.profile import ProfileScreen
from tests.support.injection import CORPUS, SHORT_CORPUS, assert_inert_output, shown_form
from tests.tui.conftest import make_demo_app, until
from tests.tui.forms_support import (
    clear_and_type,
    field,
    field_error,
    flat,
    open_menu,
    paste_into,
    signed_in,
    text_of,
)

CITY = ("CITY OF HEMET", "hemetdemo1")
NEW_PASSWORD = "correct horse 42"


def company(db: Database, license_no: str = "TEST") -> Company:
    with db.read() as s:
        row = s.exec(select(Company).where(Company.license_no == license_no)).one()
        s.expunge(row)
        return row


def message(screen: ProfileScreen) -> str:
    return str(screen.query_one("#profile-message").render())


async def save_and_wait(pilot: object, screen: ProfileScreen) -> str:
    await pilot.press("ctrl+s")  # type: ignore[attr-defined]
    await until(pilot, lambda: message(screen) not in ("", "Saving..."), "the save")  # type: ignore[arg-type]
    return message(screen)


async def test_profile_fields_refused_at_the_field_then_saved(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    db = app.database
    before = company(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, *CITY)
        await open_menu(pilot, "f6", "ProfileScreen")
        screen = app.screen
        assert isinstance(screen, ProfileScreen)
        await until(pilot, lambda: field(pilot, "address").text != "", "the profile")
        words = flat(pilot)
        assert "Company Name: CITY OF HEMET" in words and "State License #: TEST" in words
        assert "Password rule: 8 to 128 characters of any kind" in words
        assert all(field(pilot, n).required for n in ("address", "city", "state", "zip"))
        assert not field(pilot, "fax").required

        await clear_and_type(pilot, "city", "")
        await paste_into(pilot, "email", "bad@")
        assert (await save_and_wait(pilot, screen)).startswith("Not saved")
        assert field_error(pilot, "city") == "City is required."
        assert field_error(pilot, "email") == "Enter an email address like name@example.com."
        assert field_error(pilot, "address") == ""
        assert "Error: City is required." in flat(pilot)
        assert app.focused is field(pilot, "city").control  # the first bad field
        after = company(db)
        assert (after.city, after.email) == (before.city, before.email)  # nothing saved

        await paste_into(pilot, "address", "100 N MAIN ST")
        await paste_into(pilot, "city", before.city)
        await paste_into(pilot, "email", "ops@example.com")
        await paste_into(pilot, "phone", "951-555-0100")
        assert await save_and_wait(pilot, screen) == "Saved: address, email, phone."
        after = company(db)
        assert (after.address, after.email, after.phone) == (
            "100 N MAIN ST",
            "ops@example.com",
            "(951) 555-0100",
        )
        assert field(pilot, "phone").text == "(951) 555-0100"  # shown as saved
        assert field_error(pilot, "city") == ""

        # Change password: a wrong current password is refused at its field.
        await paste_into(pilot, "current_password", "not-my-password")
        await paste_into(pilot, "password", NEW_PASSWORD)
        await paste_into(pilot, "confirm", NEW_PASSWORD)
        assert (await save_and_wait(pilot, screen)).startswith("Not saved")
        assert field_error(pilot, "current_password") == "The current password is not correct."
        assert company(db).password_hash == after.password_hash

        await paste_into(pilot, "current_password", CITY[1])
        assert await save_and_wait(pilot, screen) == "Saved: password."
        assert field(pilot, "password").text == ""  # not left on the screen

    # The new password works for a new sign-in; the old one no longer does.
    assert auth.sign_in_company(db, CITY[0], NEW_PASSWORD).actor.name == CITY[0]
    with pytest.raises(AuthenticationFailed):
        auth.sign_in_company(db, *CITY)


async def test_hostile_profile_text_inert_refused_or_stored_literally(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    db = app.database
    hostile_name = " ".join(SHORT_CORPUS)  # every short corpus string at once
    hostile_address = " ".join(reversed(SHORT_CORPUS))
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, *CITY)
        with db.write() as s:
            row = s.exec(select(Company).where(Company.license_no == "TEST")).one()
            row.name, row.address = hostile_name, hostile_address
            s.add(row)
        await open_menu(pilot, "f6", "ProfileScreen")
        screen = app.screen
        assert isinstance(screen, ProfileScreen)
        await until(pilot, lambda: field(pilot, "address").text != "", "the profile")
        name = " ".join(str(screen.query_one("#company-name").render()).split())
        assert name == " ".join(shown_form(f"Company Name: {hostile_name}").split())
        assert field(pilot, "address").text == shown_form(hostile_address)
        assert_inert_output(text_of(pilot))

        await paste_into(pilot, "city", "HEMET\x9b31m")
        assert field(pilot, "city").text == ""
        assert field_error(pilot, "city") == (
            "City cannot contain control or text-direction characters (such as ESC); "
            "that text was not entered."
        )
        assert_inert_output(text_of(pilot))
        assert company(db).city == "HEMET"

        await paste_into(pilot, "address", CORPUS[-1])  # 10,000 characters: refused, in words
        assert field(pilot, "address").text == ""
        assert field_error(pilot, "address") == (
            "Address holds at most 200 characters; that text was not entered."
        )

        markup = "[bold red]loud[/bold red] $var {x} @click"
        await paste_into(pilot, "address", markup)
        await paste_into(pilot, "city", "[@click=app.quit]x[/]")
        assert await save_and_wait(pilot, screen) == "Saved: address, city."
        saved = company(db)
        assert (saved.address, saved.city) == (markup, "[@click=app.quit]x[/]")
        assert_inert_output(text_of(pilot))
        assert app.is_running

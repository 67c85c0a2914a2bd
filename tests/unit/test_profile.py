"""The company profile: every field checked at once, all or nothing saved, Save says what."""

from __future__ import annotations

import dataclasses

import pytest

from etrakit_tui.domain.accounts import admin, auth
from etrakit_tui.domain.accounts.actors import ANONYMOUS, SYSTEM, Actor
from etrakit_tui.domain.accounts.profile import (
    ProfileUpdate,
    get_profile,
    save_theme,
    update_profile,
)
from etrakit_tui.domain.accounts.views import ProfileView
from etrakit_tui.domain.errors import AuthenticationFailed, NotFound, ValidationFailed
from etrakit_tui.domain.store.db import Database
from tests.support.readside import account_theme
from tests.unit.accounts_support import PASSWORD, audit_rows, company_with_password

NAME = "ACME ELECTRIC INC"


def as_update(view: ProfileView, **changes: object) -> ProfileUpdate:
    fields = {f.name for f in dataclasses.fields(ProfileUpdate)}
    current = {k: v for k, v in dataclasses.asdict(view).items() if k in fields}
    return ProfileUpdate(**{**current, **changes})


@pytest.fixture
def company(db: Database) -> Actor:
    return company_with_password(db)


def test_profile_shows_the_registered_data_and_the_password_rule(
    db: Database, company: Actor
) -> None:
    view = get_profile(db, company)
    assert (view.name, view.license_no) == (NAME, "987654")
    assert (view.address, view.city, view.state, view.zip) == (
        "445 E. Florida Ave",
        "Hemet",
        "CA",
        "92543",
    )
    assert view.phone == "(951) 765-2475"
    assert view.password_rule.startswith("8 to 128 characters")
    assert view.changed_fields == ()


def test_each_bad_field_gets_its_own_message_and_nothing_is_saved(
    db: Database, company: Actor
) -> None:
    before = get_profile(db, company)
    bad = as_update(
        before,
        address="",
        city="Hemet\x1b[2J",
        state="XX",
        zip="9254",
        email="office-at-acme",
        phone="765-2475",
        cell="12",
        fax="call",
        notify_failed_inspection=True,
    )
    with pytest.raises(ValidationFailed) as exc:
        update_profile(db, company, bad)
    errors = exc.value.errors
    assert set(errors) == {"address", "city", "state", "zip", "email", "phone", "cell", "fax"}
    assert errors["address"] == "Address is required."
    assert "not allowed" in errors["city"]
    assert len(set(errors.values())) >= 6  # messages say what is wrong with each field
    assert get_profile(db, company) == before


def test_one_bad_field_saves_nothing(db: Database, company: Actor) -> None:
    before = get_profile(db, company)
    with pytest.raises(ValidationFailed) as exc:
        update_profile(db, company, as_update(before, address="1 New St", zip="ABCDE"))
    assert set(exc.value.errors) == {"zip"}
    assert get_profile(db, company).address == "445 E. Florida Ave"
    assert audit_rows(db, "update_profile") == []


def test_a_good_save_says_what_changed_and_is_audited(db: Database, company: Actor) -> None:
    before = get_profile(db, company)
    saved = update_profile(
        db,
        company,
        as_update(
            before, address=" 1 New St ", phone="951.555.0100", notify_failed_inspection=True
        ),
    )
    assert saved.changed_fields == ("address", "phone", "notify_failed_inspection")
    assert (saved.address, saved.phone) == ("1 New St", "(951) 555-0100")
    again = get_profile(db, company)
    assert (again.address, again.phone, again.notify_failed_inspection) == (
        "1 New St",
        "(951) 555-0100",
        True,
    )
    (event,) = audit_rows(db, "update_profile")
    assert event.actor_id == company.id and event.target == NAME
    assert event.detail == "changed: address, phone, notify_failed_inspection"

    unchanged = update_profile(db, company, as_update(again))
    assert unchanged.changed_fields == ()


def test_password_change_is_saved_with_the_profile(db: Database, company: Actor) -> None:
    before = get_profile(db, company)
    saved = update_profile(
        db,
        company,
        as_update(
            before,
            city="San Jacinto",
            current_password=PASSWORD,
            password="new secret 2026",
            confirm="new secret 2026",
        ),
    )
    assert saved.changed_fields == ("city", "password")
    assert auth.sign_in_company(db, NAME, "new secret 2026").actor == company
    with pytest.raises(AuthenticationFailed):
        auth.sign_in_company(db, NAME, PASSWORD)


def test_password_errors_come_with_the_other_field_errors(db: Database, company: Actor) -> None:
    before = get_profile(db, company)
    with pytest.raises(ValidationFailed) as exc:
        update_profile(
            db, company, as_update(before, email="bad", password="short", confirm="shorter")
        )
    assert set(exc.value.errors) == {"email", "current_password", "password", "confirm"}


def test_wrong_current_password_saves_nothing(db: Database, company: Actor) -> None:
    before = get_profile(db, company)
    with pytest.raises(ValidationFailed) as exc:
        update_profile(
            db,
            company,
            as_update(
                before,
                city="San Jacinto",
                current_password="not it",
                password="new secret 2026",
                confirm="new secret 2026",
            ),
        )
    assert set(exc.value.errors) == {"current_password"}
    assert get_profile(db, company).city == "Hemet"
    assert auth.sign_in_company(db, NAME, PASSWORD).actor == company


def test_only_a_company_has_a_profile(db: Database, company: Actor) -> None:
    with pytest.raises(NotFound):
        get_profile(db, SYSTEM)
    with pytest.raises(NotFound):
        update_profile(db, SYSTEM, as_update(get_profile(db, company)))


# --------------------------------------------------------------------------- theme


def test_each_account_keeps_its_own_theme(any_db: Database) -> None:
    acme = company_with_password(any_db)
    other = company_with_password(any_db, "OTHER CO", "111111")
    admin.add_staff(any_db, SYSTEM, "inspector", "Ivan Field", "inspector", "inspect2026", "NORTH")
    inspector = auth.sign_in_staff(any_db, "inspector", "inspect2026")
    assert inspector.theme is None and account_theme(any_db, acme) is None

    assert save_theme(any_db, acme, "etrakit-sunlight") == "etrakit-sunlight"
    save_theme(any_db, inspector.actor, "nord", allowed={"nord", "textual-dark"})
    assert auth.sign_in_company(any_db, acme.name, PASSWORD).theme == "etrakit-sunlight"
    assert auth.sign_in_company(any_db, other.name, PASSWORD).theme is None
    assert auth.sign_in_staff(any_db, "inspector", "inspect2026").theme == "nord"
    assert account_theme(any_db, inspector.actor) == "nord"


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("", None),
        ("x" * 41, None),
        ("Nord", None),
        ("[red]x", None),
        ("../ui", None),
        ("gruvbox", {"nord"}),
    ],
)
def test_a_theme_name_is_checked(
    db: Database, company: Actor, name: str, allowed: set[str] | None
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        save_theme(db, company, name, allowed=allowed)
    assert refused.value.errors == {"theme": "Choose one of the portal's themes."}
    assert account_theme(db, company) is None


def test_only_a_signed_in_account_keeps_a_theme(db: Database) -> None:
    for nobody in (ANONYMOUS, SYSTEM):
        with pytest.raises(NotFound):
            save_theme(db, nobody, "nord")

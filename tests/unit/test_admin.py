"""Building-division administration: register companies, PINs, disable, staff accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from etrakit_tui.domain.accounts import admin, auth
from etrakit_tui.domain.accounts.actors import SYSTEM, Actor, ActorKind
from etrakit_tui.domain.accounts.auth import SessionState
from etrakit_tui.domain.accounts.hashing import verify_secret
from etrakit_tui.domain.errors import (
    AuthenticationFailed,
    NotFound,
    RuleViolation,
    ValidationFailed,
)
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.settings import Jurisdiction
from tests.unit.accounts_support import (
    PASSWORD,
    audit_rows,
    company_row,
    company_with_password,
    register,
)

NAME = "ACME ELECTRIC INC"
GENERIC = auth.company_failure_message(Jurisdiction())


def test_register_issues_a_pin_that_signs_in_once(db: Database, clock: FixedClock) -> None:
    issued = register(db)
    assert issued.pin.isdigit() and len(issued.pin) == 8
    assert issued.expires_at == clock.now() + timedelta(days=14)
    assert issued.company.name == NAME and not issued.company.has_password
    row = company_row(db, issued.company.id)
    assert row.pin_hash is not None and issued.pin not in row.pin_hash
    assert verify_secret(row.pin_hash, issued.pin)
    assert auth.sign_in_company(db, NAME, issued.pin).must_set_password
    (event,) = audit_rows(db, "register_company")
    assert issued.pin not in event.detail and event.actor_kind == "system"


def test_two_registrations_draw_different_pins(db: Database) -> None:
    first = register(db)
    second = register(db, "SUNRISE SOLAR LLC", "111222")
    assert first.pin != second.pin


def test_duplicate_license_or_name_is_refused_at_its_field(db: Database) -> None:
    register(db)
    with pytest.raises(ValidationFailed) as licence:
        register(db, "ANOTHER NAME LLC", "987654")
    assert licence.value.errors == {"license_no": "This license number is already registered."}
    with pytest.raises(ValidationFailed) as name:
        register(db, "Acme  Electric Inc", "555666")  # same name but for case and spaces
    assert name.value.errors == {"name": "A company with this name is already registered."}
    assert [c.name for c in admin.list_companies(db, SYSTEM)] == [NAME]


def test_registration_reports_every_bad_field(db: Database) -> None:
    with pytest.raises(ValidationFailed) as exc:
        admin.register_company(db, SYSTEM, "  ", "12 34", email="x", phone="123", state="ZZ")
    assert set(exc.value.errors) == {"name", "license_no", "email", "phone", "state"}


def test_disabled_company_cannot_sign_in_and_its_session_ends(
    db: Database, clock: FixedClock
) -> None:
    actor = company_with_password(db)
    assert auth.check_session(db, actor, clock.now()) is SessionState.OK
    summary = admin.set_company_disabled(db, SYSTEM, NAME, True)
    assert summary.disabled
    with pytest.raises(AuthenticationFailed) as failed:
        auth.sign_in_company(db, NAME, PASSWORD)
    assert str(failed.value) == GENERIC
    assert auth.check_session(db, actor, clock.now()) is SessionState.DISABLED
    assert NAME not in auth.list_company_names(db, "ACME")
    assert [c.name for c in admin.list_companies(db, SYSTEM, "acme")] == [NAME]

    admin.set_company_disabled(db, SYSTEM, NAME, False)
    assert auth.sign_in_company(db, NAME, PASSWORD).actor == actor
    assert [e.action for e in audit_rows(db, "disable_company")] == ["disable_company"]


def test_reissued_pin_replaces_the_old_pin_and_password_and_clears_the_lock(
    db: Database,
) -> None:
    first = register(db)
    auth.set_initial_password(db, first.company.id, first.pin, PASSWORD, PASSWORD)
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in_company(db, NAME, "forgotten it")
    second = admin.issue_pin(db, SYSTEM, "acme electric inc")
    assert second.pin != first.pin and second.company.id == first.company.id
    for stale in (first.pin, PASSWORD):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in_company(db, NAME, stale)
    assert auth.sign_in_company(db, NAME, second.pin).must_set_password


def test_unknown_company_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound, match="company not found"):
        admin.issue_pin(db, SYSTEM, "NO SUCH CO")
    with pytest.raises(NotFound, match="company not found"):
        admin.set_company_disabled(db, SYSTEM, "NO SUCH CO", True)
    assert [e.outcome for e in audit_rows(db, "issue_pin")] == ["not_found"]


@pytest.mark.parametrize(
    "who",
    [Actor(ActorKind.COMPANY, 1, NAME), Actor(ActorKind.INSPECTOR, 7, "inspector")],
)
def test_only_staff_may_administer(db: Database, who: Actor) -> None:
    register(db)
    with pytest.raises(RuleViolation, match="Building Division staff"):
        admin.issue_pin(db, who, NAME)
    with pytest.raises(RuleViolation):
        admin.list_companies(db, who)
    with pytest.raises(RuleViolation):
        admin.add_staff(db, who, "mallory", "Mallory", "staff", "sneaky pass 1")
    refusals = [e for e in audit_rows(db, "issue_pin") if e.outcome == "refused"]
    assert len(refusals) == 1 and refusals[0].actor_kind == who.kind.value


def test_add_staff_validates_and_refuses_duplicates(db: Database) -> None:
    staff = admin.add_staff(db, SYSTEM, "Admin", "Dana Desk", "staff", "staffdesk2026")
    assert (staff.username, staff.role) == ("admin", "staff")
    inspector = admin.add_staff(
        db, SYSTEM, "insp", "Ivan Field", "inspector", "inspect2026", "north"
    )
    assert inspector.district == "NORTH"
    with pytest.raises(ValidationFailed) as dup:
        admin.add_staff(db, SYSTEM, "ADMIN", "Other", "staff", "another pass 1")
    assert set(dup.value.errors) == {"username"}
    with pytest.raises(ValidationFailed) as bad:
        admin.add_staff(db, SYSTEM, "x", "", "boss", "short", "MOON")
    assert set(bad.value.errors) == {"username", "full_name", "role", "district", "password"}
    assert len(audit_rows(db, "add_staff")) == 2


def test_list_companies_pages_by_prefix(db: Database) -> None:
    register(db)
    register(db, "SUNRISE SOLAR LLC", "111222")
    register(db, "ACE HARDWARE", "333444")
    assert [c.name for c in admin.list_companies(db, SYSTEM)] == [
        "ACE HARDWARE",
        NAME,
        "SUNRISE SOLAR LLC",
    ]
    assert [c.name for c in admin.list_companies(db, SYSTEM, "ac")] == ["ACE HARDWARE", NAME]
    assert [c.name for c in admin.list_companies(db, SYSTEM, limit=1)] == ["ACE HARDWARE"]

"""Sign-in as a contractor, staff member or inspector: PINs, lockout, sessions, passwords."""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import event, update

from etrakit_tui.domain.accounts import admin, auth, hashing
from etrakit_tui.domain.accounts.actors import SYSTEM, Actor, ActorKind
from etrakit_tui.domain.accounts.auth import COMPANY, SessionState
from etrakit_tui.domain.accounts.hashing import needs_rehash
from etrakit_tui.domain.accounts.views import SignInResult
from etrakit_tui.domain.errors import AuthenticationFailed, NotFound, ValidationFailed
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
GENERIC = (
    "Sign-in failed: check the company and password, or ask the Building Division for a new PIN."
)


def fails(db: Database, name: str, secret: str) -> str:
    with pytest.raises(AuthenticationFailed) as failed:
        auth.sign_in_company(db, name, secret)
    return str(failed.value)


# --------------------------------------------------------------------------- lockout


def test_five_failures_lock_the_account_even_against_the_right_password(
    any_db: Database, clock: FixedClock
) -> None:
    company_with_password(any_db)
    start = clock.now()
    for _ in range(5):
        assert fails(any_db, NAME, "not the password") == GENERIC
    assert fails(any_db, NAME, PASSWORD) == GENERIC  # the 6th, right password: still locked
    clock.set(start + timedelta(minutes=14, seconds=59))
    assert fails(any_db, NAME, PASSWORD) == GENERIC

    clock.set(start + timedelta(minutes=15))
    assert auth.sign_in_company(any_db, NAME, PASSWORD).actor.name == NAME
    # Each successful sign-in restarts the count: 3 + 4 failures around one never lock.
    for _ in range(3):
        fails(any_db, NAME, "not the password")
    assert auth.sign_in_company(any_db, NAME, PASSWORD).actor.kind is ActorKind.COMPANY
    for _ in range(4):
        fails(any_db, NAME, "not the password")
    assert auth.sign_in_company(any_db, NAME, PASSWORD).actor.name == NAME

    outcomes = [e.outcome for e in audit_rows(any_db, "sign_in")]
    assert outcomes == (
        ["failed"] * 5
        + ["locked", "locked", "ok"]
        + ["failed"] * 3
        + ["ok"]
        + ["failed"] * 4
        + ["ok"]
    )
    assert {e.target for e in audit_rows(any_db, "sign_in")} == {NAME}


def test_failures_are_counted_atomically_by_concurrent_attempts(
    any_db: Database, clock: FixedClock
) -> None:
    relaxed = Database(any_db.engine, Jurisdiction(lockout_attempts=100), clock)
    actor = company_with_password(relaxed)
    errors: list[BaseException] = []

    def hammer() -> None:
        for _ in range(3):
            try:
                auth.sign_in_company(relaxed, NAME, "not the password")
            except AuthenticationFailed:
                pass
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert actor.id is not None
    assert company_row(relaxed, actor.id).failed_logins == 12


def test_unknown_company_and_wrong_password_look_and_take_the_same(
    db: Database, clock: FixedClock
) -> None:
    relaxed = Database(db.engine, Jurisdiction(lockout_attempts=100), clock)
    company_with_password(relaxed)

    def attempt(name: str, secret: str) -> tuple[str, float]:
        started = time.perf_counter()
        message = fails(relaxed, name, secret)
        return message, time.perf_counter() - started

    attempt("NO SUCH COMPANY LLC", PASSWORD)  # warm both paths up
    attempt(NAME, "not the password")
    messages, unknown, wrong = set(), [], []
    for _ in range(20):
        message, took = attempt("NO SUCH COMPANY LLC", PASSWORD)
        messages.add(message)
        unknown.append(took)
        message, took = attempt(NAME, "not the password")
        messages.add(message)
        wrong.append(took)
    assert messages == {GENERIC}
    a, b = statistics.median(unknown), statistics.median(wrong)
    assert abs(a - b) / max(a, b) < 0.20, (a, b)


# --------------------------------------------------------------------------- PIN


def test_first_sign_in_with_pin_then_the_pin_is_used_up(any_db: Database) -> None:
    issued = register(any_db)
    first = auth.sign_in_company(any_db, NAME, issued.pin)
    assert first.must_set_password and first.company_id == issued.company.id

    done = auth.set_initial_password(any_db, issued.company.id, issued.pin, PASSWORD, PASSWORD)
    assert not done.must_set_password and done.company_name == NAME
    row = company_row(any_db, issued.company.id)
    assert row.pin_hash is None and row.password_hash is not None

    with pytest.raises(AuthenticationFailed, match="This PIN has just been used"):
        auth.set_initial_password(
            any_db, issued.company.id, issued.pin, "another pass 9", "another pass 9"
        )
    assert company_row(any_db, issued.company.id).password_hash == row.password_hash
    assert fails(any_db, NAME, issued.pin) == GENERIC
    assert not auth.sign_in_company(any_db, NAME, PASSWORD).must_set_password


def test_pin_expires_after_fourteen_days(db: Database, clock: FixedClock) -> None:
    issued = register(db)
    start = clock.now()
    clock.set(start + timedelta(days=13, hours=23))
    assert auth.sign_in_company(db, NAME, issued.pin).must_set_password
    clock.set(start + timedelta(days=15))
    assert fails(db, NAME, issued.pin) == GENERIC
    with pytest.raises(AuthenticationFailed):
        auth.set_initial_password(db, issued.company.id, issued.pin, PASSWORD, PASSWORD)


def test_first_password_must_follow_the_policy_and_keeps_the_pin_until_it_does(
    db: Database,
) -> None:
    issued = register(db)
    with pytest.raises(ValidationFailed) as bad:
        auth.set_initial_password(db, issued.company.id, issued.pin, "short", "shorter")
    assert set(bad.value.errors) == {"password", "confirm"}
    with pytest.raises(ValidationFailed) as same:
        auth.set_initial_password(db, issued.company.id, issued.pin, issued.pin, issued.pin)
    assert "PIN" in same.value.errors["password"]
    assert auth.sign_in_company(db, NAME, issued.pin).must_set_password


def test_the_first_password_may_be_set_by_company_name(db: Database) -> None:
    issued = register(db)
    first = auth.sign_in_company(db, "acme electric inc", issued.pin)
    done = auth.set_initial_password(db, first.display_name, issued.pin, PASSWORD, PASSWORD)
    assert done.company_id == issued.company.id and done.display_name == NAME
    assert not auth.sign_in_company(db, NAME, PASSWORD).must_set_password


def test_guessing_the_pin_locks_the_account_too(db: Database) -> None:
    issued = register(db)
    wrong = "00000000" if issued.pin != "00000000" else "11111111"
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            auth.set_initial_password(db, issued.company.id, wrong, PASSWORD, PASSWORD)
    with pytest.raises(AuthenticationFailed):
        auth.set_initial_password(db, issued.company.id, issued.pin, PASSWORD, PASSWORD)
    assert fails(db, NAME, issued.pin) == GENERIC


# --------------------------------------------------------------------------- hashes


def test_old_hash_parameters_are_upgraded_at_sign_in(db: Database) -> None:
    actor = company_with_password(db)
    assert actor.id is not None
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with db.write() as s:
        s.connection().execute(
            update(COMPANY).where(COMPANY.c.id == actor.id).values(password_hash=weak)
        )
    assert needs_rehash(weak)
    auth.sign_in_company(db, NAME, PASSWORD)
    stored = company_row(db, actor.id).password_hash
    assert stored is not None and stored != weak and not needs_rehash(stored)
    assert auth.sign_in_company(db, NAME, PASSWORD).actor == actor


# --------------------------------------------------------------------------- staff


def test_staff_and_inspectors_sign_in_as_what_they_are(db: Database) -> None:
    admin.add_staff(db, SYSTEM, "admin", "Dana Desk", "staff", "staffdesk2026")
    admin.add_staff(db, SYSTEM, "inspector", "Ivan Field", "inspector", "inspect2026", "NORTH")
    assert auth.sign_in_staff(db, "ADMIN", "staffdesk2026").actor.kind is ActorKind.STAFF
    inspector = auth.sign_in_staff(db, "inspector", "inspect2026").actor
    assert inspector.kind is ActorKind.INSPECTOR and inspector.name == "inspector"
    messages = set()
    for user, secret in (("inspector", "staffdesk2026"), ("nobody", "inspect2026")):
        with pytest.raises(AuthenticationFailed) as failed:
            auth.sign_in_staff(db, user, secret)
        messages.add(str(failed.value))
    assert messages == {auth.STAFF_FAILURE}


def test_staff_accounts_lock_after_five_failures(db: Database) -> None:
    admin.add_staff(db, SYSTEM, "admin", "Dana Desk", "staff", "staffdesk2026")
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in_staff(db, "admin", "wrong password")
    with pytest.raises(AuthenticationFailed):
        auth.sign_in_staff(db, "admin", "staffdesk2026")


# --------------------------------------------------------------------------- sessions


def test_session_goes_idle_after_fifteen_minutes_without_a_key(
    db: Database, clock: FixedClock
) -> None:
    actor = company_with_password(db)
    last_key = clock.now()
    clock.set(last_key + timedelta(minutes=14, seconds=59))
    assert auth.check_session(db, actor, last_key) is SessionState.OK
    clock.set(last_key + timedelta(minutes=15))
    assert auth.check_session(db, actor, last_key) is SessionState.IDLE


def test_disabled_staff_session_ends(db: Database, clock: FixedClock) -> None:
    admin.add_staff(db, SYSTEM, "admin", "Dana Desk", "staff", "staffdesk2026")
    actor = auth.sign_in_staff(db, "admin", "staffdesk2026").actor
    assert auth.check_session(db, actor, clock.now()) is SessionState.OK
    with db.write() as s:
        s.connection().execute(update(auth.STAFF).values(disabled=True))
    assert auth.check_session(db, actor, clock.now()) is SessionState.DISABLED


# --------------------------------------------------------------------------- change password


def change_password(db: Database, actor: Actor, current: str, password: str, confirm: str) -> None:
    """What the profile's Save does with the password fields (prepare, then apply in one
    transaction): the rules of a password change, without the profile's other fields."""
    change = auth.prepare_password_change(db, actor, current, password, confirm)
    with db.write() as s:
        auth.apply_password_change(s, actor, change, db.now())


def test_change_password_reports_every_bad_field_at_once(db: Database) -> None:
    actor = company_with_password(db)
    with pytest.raises(ValidationFailed) as bad:
        change_password(db, actor, "", "short", "other")
    assert set(bad.value.errors) == {"current_password", "password", "confirm"}
    with pytest.raises(ValidationFailed) as common:
        change_password(db, actor, PASSWORD, "password1", "password1")
    assert "common" in common.value.errors["password"]


def test_change_password_needs_the_current_one(db: Database) -> None:
    actor = company_with_password(db)
    with pytest.raises(ValidationFailed) as wrong:
        change_password(db, actor, "not my password", "brand new secret", "brand new secret")
    assert set(wrong.value.errors) == {"current_password"}
    assert auth.sign_in_company(db, NAME, PASSWORD).actor == actor  # nothing changed

    change_password(db, actor, PASSWORD, "brand new secret", "brand new secret")
    assert fails(db, NAME, PASSWORD) == GENERIC
    assert auth.sign_in_company(db, NAME, "brand new secret").actor == actor
    assert [e.outcome for e in audit_rows(db, "change_password")] == ["failed", "ok"]


def test_only_companies_change_a_company_password(db: Database) -> None:
    with pytest.raises(NotFound):
        change_password(db, SYSTEM, PASSWORD, "brand new secret", "brand new secret")


# --------------------------------------------------------------------------- login picker


def _bulk_companies(db: Database, names: list[str], *, disabled: bool = False) -> None:
    now = db.now()
    rows = [
        {
            "name": n,
            "license_no": f"L-{uuid.uuid4().hex[:20]}",
            "created_at": now,
            "address": "",
            "city": "",
            "state": "CA",
            "zip": "",
            "email": "",
            "phone": "",
            "cell": "",
            "fax": "",
            "notify_failed_inspection": False,
            "failed_logins": 0,
            "disabled": disabled,
        }
        for n in names
    ]
    with db.write() as s:
        s.connection().execute(COMPANY.insert(), rows)


def test_login_picker_filters_by_prefix_ignoring_case(any_db: Database) -> None:
    _bulk_companies(any_db, [f"COMPANY {i:05d} LLC" for i in range(10_000)])
    _bulk_companies(
        any_db,
        [
            "Acme Electric Inc",
            "ACME PLUMBING",
            "acme roofing",
            "ACMEX",
            "ACE HARDWARE",
            "100% SOLAR",
            "1000 OAKS BUILDERS",
        ],
    )
    _bulk_companies(any_db, ["ACME CLOSED CO"], disabled=True)

    assert auth.list_company_names(any_db, "acme") == [
        "Acme Electric Inc",
        "ACME PLUMBING",
        "acme roofing",
        "ACMEX",
    ]
    assert auth.list_company_names(any_db, "ACME ") == [
        "Acme Electric Inc",
        "ACME PLUMBING",
        "acme roofing",
    ]
    assert auth.list_company_names(any_db, "100%") == ["100% SOLAR"]  # no wildcards
    assert auth.list_company_names(any_db, "company 0999") == [
        f"COMPANY {i:05d} LLC" for i in range(9990, 10_000)
    ]
    assert auth.list_company_names(any_db, "zzz") == []
    first = auth.list_company_names(any_db, "", limit=3)
    assert first == ["100% SOLAR", "1000 OAKS BUILDERS", "ACE HARDWARE"]
    assert len(auth.list_company_names(any_db, "company", limit=50)) == 50


def test_login_picker_finds_any_word_or_part_of_the_name(any_db: Database) -> None:
    _bulk_companies(any_db, [f"COMPANY {i:05d} LLC" for i in range(5_000)])
    _bulk_companies(
        any_db,
        [
            "CITY OF HEMET",
            "HEMET VALLEY ROOFING",
            "CHEMICAL PLUMBING",
            "SOUTH-HEMET SOLAR",
            "NORTH HEMET CLOSED",
            "100% SOLAR",
        ],
    )
    _bulk_companies(any_db, ["OLD HEMET CO"], disabled=True)

    # A name that starts with it, then a word that starts with it, then a part of a word.
    assert auth.list_company_names(any_db, "hem") == [
        "HEMET VALLEY ROOFING",
        "CITY OF HEMET",
        "NORTH HEMET CLOSED",
        "SOUTH-HEMET SOLAR",
        "CHEMICAL PLUMBING",
    ]
    assert auth.list_company_names(any_db, "hem", limit=2) == [
        "HEMET VALLEY ROOFING",
        "CITY OF HEMET",
    ]
    assert auth.list_company_names(any_db, "of hemet") == ["CITY OF HEMET"]
    assert auth.list_company_names(any_db, "% sol") == ["100% SOLAR"]  # no wildcards
    assert auth.list_company_names(any_db, "_") == []
    assert auth.list_company_names(any_db, "04999") == ["COMPANY 04999 LLC"]


def test_login_picker_reads_an_index_range_not_the_whole_table(any_db: Database) -> None:
    _bulk_companies(any_db, [f"COMPANY {i:05d} LLC" for i in range(10_000)])
    with any_db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE company")
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "FROM company" in statement:
            captured.append((statement, params))

    event.listen(any_db.engine, "before_cursor_execute", capture)
    try:  # ten names start with it and fill the list of ten: nothing else is read
        assert auth.list_company_names(any_db, "company 0123", limit=10) == [
            f"COMPANY {i:05d} LLC" for i in range(1230, 1240)
        ]
    finally:
        event.remove(any_db.engine, "before_cursor_execute", capture)
    ((statement, params),) = captured
    explain = "EXPLAIN QUERY PLAN " if any_db.engine.dialect.name == "sqlite" else "EXPLAIN "
    with any_db.engine.connect() as conn:
        plan = " ".join(str(r) for r in conn.exec_driver_sql(explain + statement, params))
    assert "ix_company_name_upper" in plan, plan


# --------------------------------------------------------------------------- PIN races


def pin_used(db: Database) -> str:
    return auth.pin_used_message(db.jurisdiction)


def assert_no_failure_counted(db: Database, company_id: int | None) -> None:
    assert company_id is not None
    row = company_row(db, company_id)
    assert (row.failed_logins, row.locked_until) == (0, None)
    outcomes = {e.outcome for e in audit_rows(db, "sign_in") + audit_rows(db, "set_password")}
    assert not outcomes & {"failed", "locked"}, outcomes


def test_losing_the_race_for_the_pin_is_no_failed_sign_in(
    any_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loser read the account while the PIN was still there; the winner saves its
    password before the loser's write: the loser is told, and nothing is counted."""
    issued = register(any_db)
    real_hash = hashing.hash_secret
    winner: list[SignInResult] = []

    def winner_goes_first(secret: str) -> str:
        monkeypatch.setattr(auth, "hash_secret", real_hash)  # once: the loser's own hash
        # the loser has read the account and verified the PIN: the winner saves first
        winner.append(auth.set_initial_password(any_db, NAME, issued.pin, PASSWORD, PASSWORD))
        return real_hash(secret)

    monkeypatch.setattr(auth, "hash_secret", winner_goes_first)
    with pytest.raises(AuthenticationFailed) as lost:
        auth.set_initial_password(any_db, NAME, issued.pin, "another pass 9", "another pass 9")
    assert str(lost.value) == pin_used(any_db)
    assert winner[0].company_id == issued.company.id
    assert auth.sign_in_company(any_db, NAME, PASSWORD).company_id == issued.company.id
    assert_no_failure_counted(any_db, issued.company.id)
    outcomes = [e.outcome for e in audit_rows(any_db, "set_password")]
    assert outcomes == ["ok", "pin_used"]


def test_signing_in_with_a_pin_another_session_just_used_says_so(
    any_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = register(any_db)
    real_verify = hashing.verify_secret
    other: list[SignInResult] = []

    def other_session_saves_meanwhile(stored: str | None, secret: str) -> bool:
        monkeypatch.setattr(auth, "verify_secret", real_verify)  # once: this sign-in's own
        matched = real_verify(stored, secret)
        other.append(auth.set_initial_password(any_db, NAME, secret, PASSWORD, PASSWORD))
        return matched

    monkeypatch.setattr(auth, "verify_secret", other_session_saves_meanwhile)
    with pytest.raises(AuthenticationFailed) as lost:
        auth.sign_in_company(any_db, NAME, issued.pin)
    assert str(lost.value) == pin_used(any_db)
    assert other and [e.outcome for e in audit_rows(any_db, "sign_in")] == ["pin_used"]
    assert_no_failure_counted(any_db, issued.company.id)


def test_two_saves_with_one_pin_at_once_one_wins_the_other_is_told(any_db: Database) -> None:
    """Whichever wins (and whether the loser read before or after it): one password is set,
    the other session is told the PIN was used, and the account counts no failure."""
    issued = register(any_db)
    start = threading.Barrier(2)
    results: dict[str, str] = {}

    def save(password: str) -> None:
        start.wait()
        try:
            auth.set_initial_password(any_db, NAME, issued.pin, password, password)
            results[password] = "ok"
        except AuthenticationFailed as exc:
            results[password] = str(exc)

    passwords = ("first pass word 1", "second pass word 2")
    threads = [threading.Thread(target=save, args=(p,)) for p in passwords]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == sorted(["ok", pin_used(any_db)])
    (won,) = [p for p, r in results.items() if r == "ok"]
    assert auth.sign_in_company(any_db, NAME, won).company_id == issued.company.id
    assert_no_failure_counted(any_db, issued.company.id)


def test_a_used_pin_saved_twice_in_a_row_locks_nothing(db: Database) -> None:
    issued = register(db)
    auth.set_initial_password(db, NAME, issued.pin, PASSWORD, PASSWORD)
    for _ in range(6):  # more than the lockout limit
        with pytest.raises(AuthenticationFailed, match="This PIN has just been used"):
            auth.set_initial_password(db, NAME, issued.pin, "another pass 9", "another pass 9")
    assert_no_failure_counted(db, issued.company.id)
    assert auth.sign_in_company(db, NAME, PASSWORD).company_id == issued.company.id


# --------------------------------------------------------------------------- unknown names


def test_an_unknown_name_is_audited_by_its_length_only(
    db: Database, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A password typed into the name field never reaches the audit trail."""
    from etrakit_tui.domain import audit
    from tests.unit.test_staffdesk import run_cli

    typed = "Hunter2-Secret!"
    company_with_password(db)
    admin.add_staff(db, SYSTEM, "admin", "Dana Desk", "staff", "staffdesk2026")
    assert fails(db, typed, PASSWORD) == GENERIC
    assert fails(db, f"  {typed} ", "whatever") == GENERIC
    with pytest.raises(AuthenticationFailed):
        auth.sign_in_staff(db, typed, "staffdesk2026")
    with pytest.raises(AuthenticationFailed):
        auth.set_initial_password(db, typed, "12345678", PASSWORD, PASSWORD)
    fails(db, NAME, "not the password")  # a known name is recorded as typed

    rows = audit_rows(db, "sign_in") + audit_rows(db, "set_password")
    for row in rows:
        assert typed not in f"{row.actor_name}|{row.target}|{row.detail}", row
    targets = [r.target for r in audit_rows(db, "sign_in")]
    assert targets[-4:] == ["unknown name (15 characters)"] * 3 + [NAME]
    assert [r.target for r in audit_rows(db, "set_password")][-1] == targets[-2]

    shown = audit.audit_log(db, SYSTEM, action="sign_in").items
    assert [r.target for r in shown][:4] == [NAME] + ["unknown name (15 characters)"] * 3
    code, out, err = run_cli(["audit", "list", "--db", sqlite_url], capsys)
    assert code == 0, err
    assert typed not in out and out.count("unknown name (15 characters)") == 4

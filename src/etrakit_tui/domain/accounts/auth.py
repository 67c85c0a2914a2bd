"""Sign-in, PINs, lockout, idle sessions and password changes (SPEC §1, §2.1, §4).

How one sign-in runs, for companies and staff alike:

1. read the account (if any) in a short read transaction;
2. verify the secret with argon2 *outside* any transaction — exactly one verification on
   every path (``hashing.dummy_hash()`` stands in for a missing account or hash), so an
   unknown name costs the same time as a wrong password, and a slow hash never holds the
   SQLite write lock;
3. settle in one write transaction: on success a conditional ``UPDATE`` (same hash still
   stored, not disabled, not locked) resets the failure counter; on failure the counter is
   incremented atomically in SQL and the lock set when it reaches the limit. The attempt is
   audited in the same transaction.

Every failure raises :class:`AuthenticationFailed` with one generic message, but one: a
valid single-use PIN that another sign-in has just used (two sign-ins with the PIN at once,
or a "Save password" pressed twice) is no bad secret. It is neither counted as a failure nor
audited as one (outcome ``pin_used``), and the message says what happened.

A name that matches no account is never stored as typed (it may be a password typed into the
wrong field): the audit trail says ``unknown name (N characters)``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NoReturn

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Table,
    and_,
    case,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlmodel import Session

from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts.actors import ANONYMOUS, Actor, ActorKind
from etrakit_tui.domain.accounts.hashing import hash_secret, needs_rehash, verify_secret
from etrakit_tui.domain.accounts.passwords import policy_for
from etrakit_tui.domain.accounts.views import SignInResult
from etrakit_tui.domain.errors import AuthenticationFailed, NotFound, ValidationFailed
from etrakit_tui.domain.permits.search import like_pattern
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import StaffRole, UTCDateTime, metadata
from etrakit_tui.settings import Jurisdiction
from etrakit_tui.text import defuse

COMPANY: Table = metadata.tables["company"]
STAFF: Table = metadata.tables["staff_user"]

STAFF_FAILURE = "Sign-in failed: check the user name and password."
MAX_SECRET_LENGTH = 1024
PIN_DIGITS = 8
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def pin_used_message(jurisdiction: Jurisdiction) -> str:
    """For the loser of a race for a single-use PIN: no failure, just what happened."""
    return (
        "This PIN has just been used: sign in with the new password, "
        f"or ask the {jurisdiction.division} for a new PIN."
    )


def company_failure_message(jurisdiction: Jurisdiction) -> str:
    """The one message for every failed company sign-in, whatever went wrong."""
    return (
        "Sign-in failed: check the company and password, "
        f"or ask the {jurisdiction.division} for a new PIN."
    )


def ascii_upper(text: str) -> str:
    """Upper case for ASCII letters only: what ``upper()`` does on SQLite and on PostgreSQL's
    "C" collation, so Python and both databases fold company names the same way."""
    return text.translate(_ASCII_UPPER)


class SessionState(StrEnum):
    OK = "ok"
    IDLE = "idle"
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class NewPin:
    """A freshly drawn PIN: the clear digits (shown once), their hash and expiry."""

    pin: str
    pin_hash: str
    expires_at: datetime


def new_pin(jurisdiction: Jurisdiction, now: datetime) -> NewPin:
    """8 random digits from ``secrets``, hashed, valid ``pin_valid_days`` days."""
    pin = f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"
    expires = now + timedelta(days=jurisdiction.pin_valid_days)
    return NewPin(pin, hash_secret(pin), expires)


# --------------------------------------------------------------------------- accounts


@dataclass(frozen=True, slots=True)
class _Account:
    """What sign-in needs to know about one account, read before verifying."""

    id: int
    name: str
    password_hash: str | None
    pin_hash: str | None
    pin_expires_at: datetime | None
    locked_until: datetime | None
    disabled: bool
    kind: ActorKind
    theme: str | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def actor(self) -> Actor:
        return Actor(self.kind, self.id, self.name)


def _company_from(row: Row[Any] | None) -> _Account | None:
    if row is None:
        return None
    return _Account(
        row.id,
        row.name,
        row.password_hash,
        row.pin_hash,
        row.pin_expires_at,
        row.locked_until,
        row.disabled,
        ActorKind.COMPANY,
        row.theme,
    )


def find_company_row(conn: Connection, name: str) -> Row[Any] | None:
    """The company called ``name``: exactly, else the one whose name differs only in case."""
    row = conn.execute(select(COMPANY).where(COMPANY.c.name == name)).first()
    if row is None:
        rows = conn.execute(
            select(COMPANY).where(COMPANY.c.name_upper == ascii_upper(name)).limit(2)
        ).all()
        row = rows[0] if len(rows) == 1 else None
    return row


def _company_by_id(conn: Connection, company_id: int | None) -> _Account | None:
    return _company_from(conn.execute(select(COMPANY).where(COMPANY.c.id == company_id)).first())


def _staff_account(conn: Connection, username: str) -> _Account | None:
    row = None
    for candidate in dict.fromkeys((username, username.lower())):
        row = conn.execute(select(STAFF).where(STAFF.c.username == candidate)).first()
        if row is not None:
            break
    if row is None:
        return None
    kind = ActorKind.INSPECTOR if row.role == StaffRole.INSPECTOR.value else ActorKind.STAFF
    return _Account(
        row.id,
        row.username,
        row.password_hash,
        None,
        None,
        row.locked_until,
        row.disabled,
        kind,
        row.theme,
    )


# --------------------------------------------------------------------------- one attempt


@dataclass(frozen=True, slots=True)
class _Verdict:
    ok: bool
    column: str  # "password_hash" or "pin_hash" ("" when nothing could match)
    verified_hash: str | None
    reason: str  # for the audit trail only, never for the user


def _check_secret(
    account: _Account | None, secret: str, now: datetime, *, allow_pin: bool, pin_only: bool = False
) -> _Verdict:
    """Exactly one argon2 verification, whatever the account's state."""
    stored, column = None, ""
    if account is not None:
        if account.password_hash and not pin_only:
            stored, column = account.password_hash, "password_hash"
        elif allow_pin and account.pin_hash:
            stored, column = account.pin_hash, "pin_hash"
    matched = verify_secret(stored, secret[:MAX_SECRET_LENGTH])
    matched = matched and len(secret) <= MAX_SECRET_LENGTH
    what = "PIN" if column == "pin_hash" else "password"
    if account is None:
        reason = "unknown account"
    elif not column:
        reason = "no PIN (already used?)" if pin_only else "no password or PIN set"
    elif not matched:
        reason = f"wrong {what}"
    elif column == "pin_hash" and (account.pin_expires_at is None or account.pin_expires_at <= now):
        reason = "PIN expired"
    elif account.disabled:
        reason = "account disabled"
    elif account.locked(now):
        reason = "account locked"
    else:
        return _Verdict(True, column, stored, f"with {what}")
    return _Verdict(False, column, None, reason)


def _not_locked(table: Table, now: datetime) -> Any:
    return or_(table.c.locked_until.is_(None), table.c.locked_until <= now)


def _count_failure(
    conn: Connection, table: Table, account_id: int, now: datetime, jurisdiction: Jurisdiction
) -> tuple[str, str]:
    """Add one failure atomically; lock the account when the limit is reached.

    One ``UPDATE ... RETURNING`` (all right-hand sides see the old row on both engines);
    an account that is already locked is not counted again."""
    reached = table.c.failed_logins + 1 >= jurisdiction.lockout_attempts
    until = now + timedelta(minutes=jurisdiction.lockout_minutes)
    stmt = (
        update(table)
        .where(table.c.id == account_id, _not_locked(table, now))
        .values(
            failed_logins=case((reached, 0), else_=table.c.failed_logins + 1),
            locked_until=case((reached, literal(until, UTCDateTime())), else_=null()),
        )
        .returning(table.c.locked_until)
    )
    row = conn.execute(stmt).first()
    if row is None:
        return "locked", "account locked"
    if row.locked_until is not None:
        return "failed", f"account now locked until {row.locked_until.isoformat()}"
    return "failed", ""


def _settle(
    session: Session,
    table: Table,
    account: _Account | None,
    verdict: _Verdict,
    now: datetime,
    jurisdiction: Jurisdiction,
    on_success: Mapping[str, Any] | None = None,
) -> tuple[str, str]:
    """Write the attempt's consequences; returns (audit outcome, audit detail)."""
    conn = session.connection()
    if account is not None and verdict.ok:
        hashed = table.c[verdict.column]
        stmt = update(table).where(
            table.c.id == account.id,
            hashed == verdict.verified_hash,
            table.c.disabled.is_(False),
            _not_locked(table, now),
        )
        if verdict.column == "pin_hash":
            stmt = stmt.where(table.c.pin_expires_at > now)
        values = {
            "failed_logins": 0,
            "locked_until": None,
            "last_login_at": now,
            **(on_success or {}),
        }
        if conn.execute(stmt.values(**values)).rowcount == 1:
            return "ok", verdict.reason
        if verdict.column == "pin_hash" and _pin_gone(conn, table, account.id, verdict):
            return PIN_USED, "PIN used by another sign-in meanwhile"
        verdict = _Verdict(False, verdict.column, None, "account changed during sign-in")
    if account is None or account.disabled:
        return "failed", verdict.reason
    if account.locked(now):
        return "locked", verdict.reason
    outcome, note = _count_failure(conn, table, account.id, now, jurisdiction)
    return outcome, "; ".join(x for x in (verdict.reason, note) if x)


PIN_USED = "pin_used"
"""Audit outcome of the loser of a race for a single-use PIN (not a failed sign-in)."""


def _pin_gone(conn: Connection, table: Table, account_id: int, verdict: _Verdict) -> bool:
    """After a verified PIN failed to settle: was the PIN consumed (or replaced) meanwhile?"""
    stored = conn.execute(select(table.c.pin_hash).where(table.c.id == account_id)).scalar()
    return stored != verdict.verified_hash


def _rehash(verdict: _Verdict, secret: str) -> dict[str, Any]:
    """A new password hash when the stored one was made with older parameters."""
    stored = verdict.verified_hash
    if verdict.ok and verdict.column == "password_hash" and stored and needs_rehash(stored):
        return {"password_hash": hash_secret(secret)}
    return {}


def _target(typed: str, account: _Account | None) -> str:
    """What the audit trail names: the name as typed when it names an account; otherwise
    only its length (an unknown "name" may be a password typed into the wrong field)."""
    if account is None:
        return unknown_name(typed)
    return defuse(typed)[:120]


def unknown_name(typed: str) -> str:
    """``unknown name (11 characters)``: how an unknown name is recorded, never as typed."""
    count = len(typed)
    return f"unknown name ({count} character{'' if count == 1 else 's'})"


def _refuse(outcome: str, jurisdiction: Jurisdiction, failure: str) -> NoReturn:
    """Raise for a sign-in that did not end ``ok``."""
    if outcome == PIN_USED:
        raise AuthenticationFailed(pin_used_message(jurisdiction))
    raise AuthenticationFailed(failure)


# --------------------------------------------------------------------------- sign-in


def sign_in_company(db: Database, company_name: str, secret: str) -> SignInResult:
    """Sign a company in with its password, or with its PIN before it has a password
    (then ``must_set_password``). Every failure: :class:`AuthenticationFailed`, one message."""
    now, typed = db.now(), company_name.strip()
    with db.read() as s:
        account = _company_from(find_company_row(s.connection(), typed))
    verdict = _check_secret(account, secret, now, allow_pin=True)
    extra = _rehash(verdict, secret)
    with db.write() as s:
        outcome, detail = _settle(s, COMPANY, account, verdict, now, db.jurisdiction, extra)
        actor = account.actor() if outcome == "ok" and account else ANONYMOUS
        target = _target(typed, account)
        audit.record(s, actor, "sign_in", at=now, target=target, outcome=outcome, detail=detail)
    if outcome != "ok" or account is None:
        _refuse(outcome, db.jurisdiction, company_failure_message(db.jurisdiction))
    return SignInResult(
        account.actor(), must_set_password=verdict.column == "pin_hash", theme=account.theme
    )


def sign_in_staff(db: Database, username: str, password: str) -> SignInResult:
    """Sign a staff member or inspector in; the actor's kind follows the account's role."""
    now, typed = db.now(), username.strip()
    with db.read() as s:
        account = _staff_account(s.connection(), typed)
    verdict = _check_secret(account, password, now, allow_pin=False)
    extra = _rehash(verdict, password)
    with db.write() as s:
        outcome, detail = _settle(s, STAFF, account, verdict, now, db.jurisdiction, extra)
        actor = account.actor() if outcome == "ok" and account else ANONYMOUS
        target = _target(typed, account)
        audit.record(s, actor, "sign_in", at=now, target=target, outcome=outcome, detail=detail)
    if outcome != "ok" or account is None:
        raise AuthenticationFailed(STAFF_FAILURE)
    return SignInResult(account.actor(), theme=account.theme)


def set_initial_password(
    db: Database, company_id: int | str, pin: str, new_password: str, confirm: str
) -> SignInResult:
    """Replace a company's PIN by its first password. The PIN is checked again and consumed
    by the same conditional ``UPDATE`` that stores the password hash, so it works once.
    ``company_id`` may also be the company's name, as signed in with."""
    errors = new_password_errors(db.jurisdiction, new_password, confirm)
    if pin and new_password == pin:
        errors.setdefault("password", "Choose a password that is not your PIN.")
    if errors:
        raise ValidationFailed(errors)
    now = db.now()
    with db.read() as s:
        conn = s.connection()
        if isinstance(company_id, str):
            account = _company_from(find_company_row(conn, company_id.strip()))
        else:
            account = _company_by_id(conn, company_id)
    verdict = _check_secret(account, pin, now, allow_pin=True, pin_only=True)
    consume = (
        {"password_hash": hash_secret(new_password), "pin_hash": None, "pin_expires_at": None}
        if verdict.ok
        else {}
    )
    with db.write() as s:
        if _pin_replaced_by_password(account):  # "Save password" twice: the first one won
            outcome, detail = PIN_USED, "PIN already used: a password is set"
        else:
            outcome, detail = _settle(s, COMPANY, account, verdict, now, db.jurisdiction, consume)
        actor = account.actor() if outcome == "ok" and account else ANONYMOUS
        typed = company_id if isinstance(company_id, str) else ""
        audit.record(
            s,
            actor,
            "set_password",
            at=now,
            target=account.name if account else _target(typed.strip(), None),
            outcome=outcome,
            detail=detail,
        )
    if outcome != "ok" or account is None:
        _refuse(outcome, db.jurisdiction, company_failure_message(db.jurisdiction))
    return SignInResult(account.actor(), theme=account.theme)


def _pin_replaced_by_password(account: _Account | None) -> bool:
    """The account's PIN is gone and a password is set: a first password was just saved.
    Nothing is left to guess against, so this is no failed attempt (and locks nothing)."""
    return account is not None and account.pin_hash is None and bool(account.password_hash)


def check_session(db: Database, principal: Actor, last_activity_at: datetime) -> SessionState:
    """DISABLED when the account is disabled (or gone, or its role changed); IDLE after
    ``idle_minutes`` without a key; OK otherwise. A running TUI polls this."""
    table = (
        COMPANY
        if principal.is_company
        else STAFF
        if principal.kind in (ActorKind.STAFF, ActorKind.INSPECTOR)
        else None
    )
    if table is not None:
        with db.read() as s:
            row = s.connection().execute(select(table).where(table.c.id == principal.id)).first()
        if row is None or row.disabled:
            return SessionState.DISABLED
        if table is STAFF:
            kind = ActorKind.INSPECTOR if row.role == StaffRole.INSPECTOR.value else ActorKind.STAFF
            if kind is not principal.kind:
                return SessionState.DISABLED
    if db.now() - last_activity_at >= timedelta(minutes=db.jurisdiction.idle_minutes):
        return SessionState.IDLE
    return SessionState.OK


# --------------------------------------------------------------------------- passwords


def new_password_errors(jurisdiction: Jurisdiction, password: str, confirm: str) -> dict[str, str]:
    """Field messages for a new password and its confirmation (empty when both are fine)."""
    errors: dict[str, str] = {}
    problem = policy_for(jurisdiction).check(password)
    if problem:
        errors["password"] = problem
    if password and confirm != password:
        errors["confirm"] = "Does not match the password above."
    return errors


def password_form_errors(
    jurisdiction: Jurisdiction, current: str, password: str, confirm: str
) -> dict[str, str]:
    """Every message of the change-password fields (current, password, confirm) at once."""
    errors: dict[str, str] = {}
    if not current:
        errors["current_password"] = "Enter your current password."
    errors.update(new_password_errors(jurisdiction, password, confirm))
    if current and password and password == current:
        errors.setdefault("password", "Choose a password different from the current one.")
    return errors


@dataclass(frozen=True, slots=True)
class PasswordChange:
    """A checked password change, ready to be applied inside a write transaction."""

    company_id: int
    old_hash: str
    new_hash: str


def prepare_password_change(
    db: Database, actor: Actor, current: str, password: str, confirm: str
) -> PasswordChange:
    """Validate the fields, verify the current password (a wrong one counts as a failed
    sign-in) and hash the new one, all outside any write transaction."""
    if not actor.is_company:
        raise NotFound("company")
    errors = password_form_errors(db.jurisdiction, current, password, confirm)
    if errors:
        raise ValidationFailed(errors)
    now = db.now()
    with db.read() as s:
        account = _company_by_id(s.connection(), actor.id)
    if account is None:
        raise NotFound("company")
    verdict = _check_secret(account, current, now, allow_pin=False)
    if not verdict.ok or verdict.verified_hash is None:
        with db.write() as s:
            failed = _Verdict(False, "", None, verdict.reason)
            outcome, detail = _settle(s, COMPANY, account, failed, now, db.jurisdiction)
            audit.record(
                s,
                actor,
                "change_password",
                at=now,
                target=account.name,
                outcome=outcome,
                detail=detail,
            )
        message = "The current password is not correct."
        if account.locked(now) or outcome == "locked":
            message = "Too many failed attempts: try again in a few minutes."
        raise ValidationFailed({"current_password": message})
    return PasswordChange(account.id, verdict.verified_hash, hash_secret(password))


def apply_password_change(
    session: Session, actor: Actor, change: PasswordChange, now: datetime
) -> None:
    """Store the new hash if the old one is still in place; audited in ``session``."""
    done = session.connection().execute(
        update(COMPANY)
        .where(COMPANY.c.id == change.company_id, COMPANY.c.password_hash == change.old_hash)
        .values(password_hash=change.new_hash)
    )
    if done.rowcount != 1:
        raise ValidationFailed(
            {"current_password": "The password was changed meanwhile: sign in again."}
        )
    audit.record(session, actor, "change_password", at=now, target=actor.name)


# --------------------------------------------------------------------------- login picker


def _successor(prefix: str) -> str | None:
    """The smallest string greater than every string that starts with ``prefix``."""
    while prefix:
        nxt = ord(prefix[-1]) + 1
        if nxt <= 0x10FFFF:
            if 0xD800 <= nxt <= 0xDFFF:
                nxt = 0xE000
            return prefix[:-1] + chr(nxt)
        prefix = prefix[:-1]
    return None


def company_name_prefix(prefix: str) -> list[ColumnElement[bool]]:
    """Conditions for "name starts with ``prefix``, ignoring case": a range on the
    database-computed, indexed ``name_upper`` (byte order on both engines)."""
    key = ascii_upper(prefix.lstrip())
    if not key:
        return []
    conditions = [COMPANY.c.name_upper >= key]
    upper_bound = _successor(key)
    if upper_bound is not None:
        conditions.append(COMPANY.c.name_upper < upper_bound)
    return conditions


WORD_GAPS = " -/(&."
"""What comes before a word inside a company name ("SMITH-JONES", "A/C", "(USA)")."""


def list_company_names(db: Database, text: str = "", limit: int = 50) -> list[str]:
    """Enabled companies whose name contains ``text`` (case-insensitive): the names that start
    with it first, then those with a word that starts with it, then the rest, each by name.

    The names that start with ``text`` come from a range of the index on ``name_upper``,
    walked in order with ``LIMIT``: instant at any number of companies. Only when they do not
    fill the list is the table scanned for ``text`` elsewhere in a name (a few milliseconds
    at tens of thousands of companies)."""
    limit = max(1, min(limit, 500))
    enabled = COMPANY.c.disabled.is_(False)
    starts = company_name_prefix(text)
    query = (
        select(COMPANY.c.name)
        .where(enabled, *starts)
        .order_by(COMPANY.c.name_upper, COMPANY.c.name)
        .limit(limit)
    )
    with db.read() as s:
        names = [str(name) for name in s.connection().execute(query).scalars()]
        key = ascii_upper(text.lstrip())
        if not key or len(names) >= limit:
            return names
        upper = COMPANY.c.name_upper
        word_start = or_(*(upper.like(like_pattern(sep + key), escape="\\") for sep in WORD_GAPS))
        elsewhere = (
            select(COMPANY.c.name)
            .where(enabled, ~and_(*starts), upper.like(like_pattern(key), escape="\\"))
            .order_by(case((word_start, 0), else_=1), upper, COMPANY.c.name)
            .limit(limit - len(names))
        )
        return names + [str(name) for name in s.connection().execute(elsewhere).scalars()]

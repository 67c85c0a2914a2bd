"""A request is checked before it takes the write lock; what changed while it waited for
the lock is seen under it, and the rules are applied to what is there then.

The request is held up right at the lock, after its checks: on SQLite by holding the write
gate (it is seen waiting in the gate's queue), on PostgreSQL by holding the permit's row
lock in another transaction (its backend is seen waiting for a lock). The change is
committed meanwhile; then the request goes on and is refused as it would be had it come
after the change. No fixed sleeps: every wait is for a condition.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import func, select

from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.errors import EtrakitError, NotFound, RuleViolation
from etrakit_tui.domain.inspections.requests import ContactInfo, RequestedItem, request_inspections
from etrakit_tui.domain.store.db import Database, WriteGate, sqlite_file
from etrakit_tui.domain.store.models import AuditEvent, Inspection
from tests.support.factories import make_company, make_inspection_types, make_parcel, make_permit
from tests.support.sshkit import wait_until

WAIT = 60.0  # a guard against a hung request only
NUMBER = "B2611-001"
CONTACT = ContactInfo("Pat Sparks", "(951) 555-0199", "pat@acme.test", "1 MAIN ST")
ITEMS = [RequestedItem("ROUGH", date(2026, 11, 19), "AM")]

CHANGES = {
    "the permit put on hold": (
        f"UPDATE permit SET on_hold = TRUE WHERE number = '{NUMBER}'",
        RuleViolation,
        "This permit is on hold; contact the Building Division.",
    ),
    "the company no longer a contact": (
        "DELETE FROM permit_contact WHERE permit_id = "
        f"(SELECT id FROM permit WHERE number = '{NUMBER}')",
        NotFound,
        "permit not found",
    ),
}


def _scene(db: Database) -> Actor:
    with db.write() as s:
        company = make_company(s, "ACME ELECTRIC INC")
        make_inspection_types(s, "ELECTRICAL", [("ROUGH", "Rough electrical")])
        make_permit(s, NUMBER, company=company, parcel=make_parcel(s))
        assert company.id is not None
        return Actor(ActorKind.COMPANY, company.id, company.name)


@contextmanager
def _held_at_the_lock(db: Database) -> Iterator[tuple[Callable[[], bool], Callable[[str], None]]]:
    """Writers wait at the lock while inside: gives ``(waiting, change)``: whether a
    request waits there now, and how to commit a change meanwhile (seen once released)."""
    path = sqlite_file(db.engine)
    if path is not None:
        gate = WriteGate(path)
        with gate.hold():

            def sqlite_change(sql: str) -> None:
                with db.engine.begin() as conn:
                    conn.execute(text(sql))

            yield (lambda: gate.queued() == 2), sqlite_change
        return
    with db.engine.connect() as holder:
        holder.begin()
        holder.execute(text(f"SELECT id FROM permit WHERE number = '{NUMBER}' FOR UPDATE"))

        def waiting() -> bool:
            with db.engine.connect() as probe:
                query = (
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
                return int(probe.execute(text(query)).scalar_one()) == 1

        yield waiting, lambda sql: holder.execute(text(sql))
        holder.commit()  # the change, and the permit's row lock let go


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_made_while_a_request_waits_for_the_lock_is_seen(
    any_db: Database, change: str
) -> None:
    db = any_db
    actor = _scene(db)
    sql, refusal, message = CHANGES[change]
    failed: list[BaseException] = []

    def request() -> None:
        try:
            request_inspections(db, actor, NUMBER, CONTACT, ITEMS)
        except EtrakitError as exc:
            failed.append(exc)

    with _held_at_the_lock(db) as (waiting, make_change):
        thread = threading.Thread(target=request)
        thread.start()
        assert wait_until(waiting, WAIT), "the request never reached the lock"
        make_change(sql)
    thread.join(WAIT)
    assert [str(e) for e in failed] == [message]
    assert isinstance(failed[0], refusal)  # a refused access reads like a missing permit
    with db.read() as s:
        assert s.exec(select(func.count()).select_from(Inspection)).one() == 0
        audited = s.exec(
            select(AuditEvent.action, AuditEvent.outcome).where(AuditEvent.target == NUMBER)
        ).all()
    assert audited[-1][1] in ("refused", "denied")


def test_without_a_change_the_request_goes_through_after_the_wait(any_db: Database) -> None:
    db = any_db
    actor = _scene(db)
    made: list[int] = []

    def request() -> None:
        made.extend(v.id for v in request_inspections(db, actor, NUMBER, CONTACT, ITEMS))

    with _held_at_the_lock(db) as (waiting, _change):
        thread = threading.Thread(target=request)
        thread.start()
        assert wait_until(waiting, WAIT), "the request never reached the lock"
        assert made == []
    thread.join(WAIT)
    assert len(made) == 1

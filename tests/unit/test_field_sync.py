"""Field mode, offline work and sync (issue 16), on a SQLite file and on a real PostgreSQL
server: the city goes away for real (the server stopped; the SQLite file moved and a folder
left in its place, which SQLite cannot open), the inspector records results on the laptop,
the city comes back, and one sync applies each result once — the expiry, the email in the
outbox, the audit line — and keeps each conflict (cancelled, reassigned, already resulted)
with its reason at the city and on the laptop."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import SQLModel, col, select

from etrakit_tui.domain.errors import DatabaseUnavailable, NotFound, RuleViolation
from etrakit_tui.domain.field import (
    ConflictReason,
    FieldSession,
    ResultState,
    field_conflicts,
    field_status,
    local_conflicts,
    local_results,
    record_offline,
    sync,
)
from etrakit_tui.domain.field.submission import Submission, apply_submission, find_checkout
from etrakit_tui.domain.inspections.assignment import assign_inspector, route_for
from etrakit_tui.domain.inspections.cancel import cancel_inspection
from etrakit_tui.domain.inspections.results import record_result
from etrakit_tui.domain.store.db import Database, FixedClock, make_engine
from etrakit_tui.domain.store.models import (
    AuditEvent,
    FieldSubmission,
    Inspection,
    Outbox,
    Permit,
)
from etrakit_tui.domain.store.schema import upgrade
from tests.support.inspection_scene import FRI, THU
from tests.support.pgserver import PgServer, find_bindir
from tests.unit.test_field_checkout import at, build_field_scene, check_out

SAT = FRI + timedelta(days=1)


@dataclass
class City:
    """The city's database, which a test can take away and bring back for real."""

    url: str
    clock: FixedClock
    go_down: object
    come_up: object
    db: Database | None = None

    def open(self) -> Database:
        if self.db is None:
            self.db = Database.open(self.url, clock=self.clock)
        return self.db

    def down(self) -> None:
        if self.db is not None:
            self.db.dispose()
            self.db = None
        self.go_down()  # type: ignore[operator]

    def up(self) -> None:
        self.come_up()  # type: ignore[operator]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def city(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    migrated_sqlite_template: Path,
    clock: FixedClock,
) -> Iterator[City]:
    if request.param == "sqlite":
        import shutil

        path = tmp_path / "city" / "etrakit.db"
        path.parent.mkdir()
        shutil.copyfile(migrated_sqlite_template, path)
        away = tmp_path / "away.db"

        def sqlite_down() -> None:
            path.rename(away)
            for side in ("-wal", "-shm"):
                assert not Path(f"{path}{side}").exists()
            path.mkdir()  # SQLite cannot open a folder: "unable to open database file"

        def sqlite_up() -> None:
            path.rmdir()
            away.rename(path)

        c = City(f"sqlite:///{path}", clock, sqlite_down, sqlite_up)
        yield c
        if c.db is not None:
            c.db.dispose()
        return
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not installed")
    server = PgServer(bindir).start()  # our own server: this test stops it
    try:
        name = server.create_database()
        engine = make_engine(server.url(name))
        upgrade(engine)
        engine.dispose()
        c = City(server.url(name), clock, server.halt, server.launch)
        yield c
        if c.db is not None:
            c.db.dispose()
    finally:
        server.stop()


def count(db: Database, model: type[SQLModel], *where: object) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(model).where(*where)).one())


def inspection(db: Database, inspection_id: int) -> Inspection:
    with db.read() as s:
        row = s.get(Inspection, inspection_id)
        assert row is not None
        return row


def test_offline_results_sync_once_and_conflicts_are_kept(
    city: City, clock: FixedClock, tmp_path: Path
) -> None:
    db = city.open()
    fs = build_field_scene(db)
    cancelled, reassigned, resulted, failed, passed = fs.ids
    laptop = FixedClock(clock.now())
    at(clock, THU, 6)
    at(laptop, THU, 6)
    field = check_out(db, tmp_path / "ana.db", laptop)

    # meanwhile at the city: the contractor cancels one, the desk gives one to Ben and
    # records another itself
    at(clock, THU, 6, 30)
    cancel_inspection(db, fs.scene.acme, cancelled)
    assign_inspector(db, fs.scene.clerk, reassigned, "ben")
    at(clock, THU, 8)
    record_result(db, fs.scene.clerk, resulted, "PARTIAL", "desk: partial")
    emails_before = count(db, Outbox)

    city.down()  # the network is gone
    with pytest.raises(DatabaseUnavailable):
        sync(field, city.open())
    city.db = None
    at(laptop, THU, 9)
    for iid in (cancelled, reassigned, resulted):
        record_offline(field, iid, "PASSED", "all good")
    record_offline(field, failed, "FAILED", "Missing GFCI at the kitchen counter")
    at(laptop, THU, 9, 30)
    record_offline(field, passed, "PASSED")
    status = field_status(field)
    assert (status.waiting, status.applied, status.conflicts) == (5, 0, 0)
    assert status.last_sync_error  # the failed attempt is noted
    stops = {s.inspection_id: s for s in route_for(field.db, field.actor, THU)}
    assert stops[failed].status == "FAILED"  # the route shows the result at once
    assert stops[failed].comments == "Missing GFCI at the kitchen counter"

    city.up()
    at(clock, FRI, 7)  # synced the next morning
    db = city.open()
    report = sync(field, db)
    assert (report.sent, report.applied, report.conflicts, report.replayed) == (5, 2, 3, 0)
    assert [o.inspection_id for o in report.outcomes] == fs.ids  # oldest first

    # applied once: the result, the expiry (from the day it was done), one email, one line
    row = inspection(db, failed)
    assert (row.status, row.comments) == ("FAILED", "Missing GFCI at the kitchen counter")
    assert inspection(db, passed).status == "PASSED"
    with db.read() as s:
        permit = s.get(Permit, inspection(db, passed).permit_id)
        assert permit is not None
    assert permit.expires_on == THU + timedelta(days=db.jurisdiction.expiry_days)
    assert count(db, Outbox) == emails_before + 1
    field_lines = col(AuditEvent.detail).contains("sent from the field")
    assert count(db, AuditEvent, AuditEvent.action == "inspection_resulted", field_lines) == 2

    # the conflicts: the city's record untouched, each kept with its reason
    assert inspection(db, cancelled).status == "CANCELLED"
    assert (inspection(db, reassigned).status, inspection(db, reassigned).inspector_id) == (
        "SCHEDULED",
        fs.scene.ben.id,
    )
    assert inspection(db, resulted).comments == "desk: partial"
    with db.read() as s:
        kept = {r.inspection_id: r for r in s.exec(select(FieldSubmission)).all()}
    assert len(kept) == 5
    assert {i: kept[i].reason for i in (cancelled, reassigned, resulted)} == {
        cancelled: ConflictReason.CANCELLED,
        reassigned: ConflictReason.REASSIGNED,
        resulted: ConflictReason.ALREADY_RESULTED,
    }
    assert kept[cancelled].comments == "all good"
    assert count(db, AuditEvent, AuditEvent.action == "field_result_conflict") == 3
    desk = {c.inspection_id: c for c in field_conflicts(db, fs.scene.clerk)}
    assert desk[reassigned].reason_text == "reassigned to Ben Oh"
    assert [desk[i].status_now for i in (cancelled, reassigned, resulted)] == [
        "CANCELLED",
        "SCHEDULED",
        "PARTIAL",
    ]
    assert (desk[resulted].username, desk[resulted].comments) == ("ana", "all good")
    with pytest.raises(NotFound):
        field_conflicts(db, fs.scene.acme)

    # on the laptop: each conflict shown with its reason, the inspector's text kept
    mine = {c.inspection_id: c for c in local_conflicts(field)}
    assert mine[cancelled].reason_text == "cancelled by the contractor"
    assert mine[reassigned].reason_text == "reassigned to Ben Oh"
    assert mine[resulted].reason_text == "already resulted at the city (PARTIAL)"
    assert {c.status for c in mine.values()} == {"PASSED"}
    status = field_status(field)
    assert (status.waiting, status.applied, status.conflicts) == (0, 2, 3)
    assert status.last_sync_error == "" and status.last_sync_at is not None
    # the refreshed route: Ben's inspection is gone, the city's results shown
    stops = {s.inspection_id: s for s in route_for(field.db, field.actor, THU)}
    assert reassigned not in stops
    assert (stops[cancelled].status, stops[resulted].status) == ("CANCELLED", "PARTIAL")

    # a second sync sends nothing; the same result sent again gets the stored answer
    again = sync(field, db)
    assert (again.sent, again.applied, again.conflicts) == (0, 0, 0)
    first = next(r for r in local_results(field) if r.inspection_id == failed)
    answer = apply_submission(
        db,
        find_checkout(db, _token(field)),
        Submission(first.uuid, failed, "FAILED", first.comments, first.recorded_at, 0.0),
    )
    assert answer.replayed and answer.outcome == "APPLIED"
    assert count(db, Outbox) == emails_before + 1
    assert count(db, FieldSubmission) == 5
    field.close()


def _token(field: FieldSession) -> str:
    with field.db.read_conn() as conn:
        return str(conn.exec_driver_sql("SELECT sync_token FROM field_checkout_info").scalar())


def test_the_day_plus_one_rule_refuses_new_results_but_not_sync(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    fs = build_field_scene(db)
    laptop = FixedClock(clock.now())
    at(clock, THU, 6)
    at(laptop, THU, 6)
    field = check_out(db, tmp_path / "ana.db", laptop)
    at(laptop, FRI, 23, 59)  # the checkout day + 1, its last minute: still taken
    assert record_offline(field, fs.ids[0], "PASSED").state is ResultState.WAITING
    assert field_status(field).too_old is False
    at(laptop, SAT, 0, 0)  # the day after: refused, and said so
    with pytest.raises(RuleViolation, match=r"This checkout is from Thu 11/19/2026; sync"):
        record_offline(field, fs.ids[1], "PASSED")
    assert field_status(field).too_old is True
    at(clock, SAT, 8)
    report = sync(field, db)  # sync still works
    assert (report.sent, report.applied) == (1, 1)
    assert inspection(db, fs.ids[1]).status == "SCHEDULED"
    field.close()


def test_offline_recording_keeps_the_online_rules(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    fs = build_field_scene(db)
    laptop = FixedClock(clock.now())  # Wednesday: the day before the inspections
    field = check_out(db, tmp_path / "ana.db", laptop)
    with pytest.raises(RuleViolation, match="scheduled for Thu 11/19/2026"):
        record_offline(field, fs.ids[0], "PASSED")
    assert record_offline(field, fs.ids[1], "cancelled", "owner away").status == "CANCELLED"
    with pytest.raises(RuleViolation, match="Choose a result"):
        record_offline(field, fs.ids[0], "MAYBE")
    at(laptop, THU, 8)
    record_offline(field, fs.ids[0], "passed")
    with pytest.raises(RuleViolation, match="already recorded"):
        record_offline(field, fs.ids[0], "FAILED")
    with pytest.raises(NotFound):
        record_offline(field, 999_999, "PASSED")
    assert field_status(field).waiting == 2
    field.close()


def test_sync_brings_down_route_changes_and_leaves_waiting_results_alone(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    fs = build_field_scene(db, n=3)
    laptop = FixedClock(clock.now())
    at(clock, THU, 6)
    at(laptop, THU, 9)
    field = check_out(db, tmp_path / "ana.db", laptop)
    first, second, third = fs.ids
    record_offline(field, first, "FAILED", "no access")
    # the city: the contractor cancels the second; Ben's inspection goes to Ana
    cancel_inspection(db, fs.scene.acme, second)
    with db.write() as s:
        moved = s.get(Inspection, third)
        assert moved is not None
        extra = Inspection(
            permit_id=moved.permit_id,
            inspection_type_id=moved.inspection_type_id,
            requested_date=THU,
            period="PM",
            status="SCHEDULED",
            inspector_id=fs.scene.ben.id,
            requested_at=db.now(),
        )
        s.add(extra)
        s.flush()
        assert extra.id is not None
        extra_id = extra.id
    assign_inspector(db, fs.scene.clerk, extra_id, "ana")
    from etrakit_tui.domain.field.sync import _refresh  # the refresh alone: one still waits

    stops, added, changed = _refresh(field, db)
    assert (stops, added, changed) == (4, 1, 1)
    local = {s.inspection_id: s for s in route_for(field.db, field.actor, THU)}
    assert local[first].status == "FAILED"  # the waiting result is untouched
    assert local[second].status == "CANCELLED"
    assert extra_id in local
    report = sync(field, db)
    assert (report.sent, report.applied, report.route_stops) == (1, 1, 4)
    field.close()


def test_the_field_file_stays_private(db: Database, clock: FixedClock, tmp_path: Path) -> None:
    build_field_scene(db)
    at(clock, THU, 6)
    path = tmp_path / "deep" / "field" / "ana.db"
    field = check_out(db, path, FixedClock(clock.now()))
    field.close()
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert oct(os.stat(path.parent).st_mode & 0o777) == "0o700"


def test_two_syncs_at_once_still_apply_each_result_once(
    any_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    """The app's periodic sync and the sync key (or two processes) sending the same
    results at the same moment: the city applies each once, whichever comes first."""
    import threading

    fs = build_field_scene(any_db, n=6)
    laptop = FixedClock(clock.now())
    at(clock, THU, 9)
    at(laptop, THU, 9)
    path = tmp_path / "ana.db"
    check_out(any_db, path, laptop).close()
    field = open_field_at(path, any_db, laptop)
    for i, iid in enumerate(fs.ids):
        record_offline(field, iid, "FAILED" if i % 2 else "PASSED", f"note {i}")
    field.close()
    emails_before = count(any_db, Outbox)
    start = threading.Barrier(2)
    reports, errors = [], []

    def one_sync() -> None:
        mine = open_field_at(path, any_db, laptop)
        city = Database.open(
            str(any_db.engine.url.render_as_string(hide_password=False)), clock=clock
        )
        try:
            start.wait()
            reports.append(sync(mine, city))
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)
        finally:
            mine.close()
            city.dispose()

    threads = [threading.Thread(target=one_sync) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.applied for r in reports) - sum(r.replayed for r in reports) == 6
    assert count(any_db, FieldSubmission) == 6
    assert count(any_db, Outbox) == emails_before + 3
    field_lines = col(AuditEvent.detail).contains("sent from the field")
    assert count(any_db, AuditEvent, AuditEvent.action == "inspection_resulted", field_lines) == 6
    field = open_field_at(path, any_db, laptop)
    assert (field_status(field).waiting, field_status(field).applied) == (0, 6)
    field.close()


def open_field_at(path: Path, db: Database, laptop: FixedClock) -> FieldSession:
    from etrakit_tui.domain.field import open_field

    return open_field(path, jurisdiction=db.jurisdiction, clock=laptop)


def test_the_city_keeps_its_own_backstops(db: Database, clock: FixedClock, tmp_path: Path) -> None:
    """What a tampered laptop could send is still refused and kept: a result dated after
    the checkout's last day, and one for an inspection the city does not have."""
    fs = build_field_scene(db, n=2)
    laptop = FixedClock(clock.now())
    at(clock, THU, 6)
    field = check_out(db, tmp_path / "ana.db", laptop)
    checkout_row = find_checkout(db, _token(field))
    field.close()
    at(clock, SAT, 9)
    late = hemet_at(SAT, 8)
    too_old = apply_submission(
        db, checkout_row, Submission("a" * 32, fs.ids[0], "PASSED", "", late, 0.0)
    )
    assert (too_old.outcome, too_old.reason) == ("CONFLICT", ConflictReason.TOO_OLD)
    assert inspection(db, fs.ids[0]).status == "SCHEDULED"
    in_time = hemet_at(THU, 9)
    gone = apply_submission(
        db, checkout_row, Submission("b" * 32, 424242, "PASSED", "", in_time, 0.0)
    )
    assert (gone.reason, gone.reason_text) == (
        ConflictReason.NOT_FOUND,
        "the inspection is no longer at the city",
    )
    assert count(db, FieldSubmission, FieldSubmission.outcome == "CONFLICT") == 2


def hemet_at(day: date, hh: int) -> datetime:
    from tests.support.inspection_scene import hemet

    return hemet(day.year, day.month, day.day, hh)

"""The SQLite write gate: writers queue on an OS lock beside the database file."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from sqlmodel import func, select

from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts.actors import SYSTEM
from etrakit_tui.domain.errors import DatabaseError
from etrakit_tui.domain.store.db import Database, WriteGate, sqlite_file
from etrakit_tui.domain.store.models import AuditEvent


def _events(db: Database) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(AuditEvent)).one())


def test_a_writer_waits_for_the_gate_and_then_writes(db: Database) -> None:
    gate = db.gate
    assert gate is not None
    before = _events(db)
    held = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with gate.hold():
            held.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(5)
    wrote = threading.Event()

    def writer() -> None:
        with db.write() as s:
            audit.record(s, SYSTEM, "gate.test", at=db.now(), target="queued")
        wrote.set()

    second = threading.Thread(target=writer)
    second.start()
    assert not wrote.wait(0.3)  # queued behind the holder, nothing written yet
    assert _events(db) == before
    release.set()
    assert wrote.wait(5)
    thread.join()
    second.join()
    assert _events(db) == before + 1


def test_a_gate_held_too_long_is_a_clear_refusal_and_writes_nothing(db: Database) -> None:
    path = sqlite_file(db.engine)
    assert path is not None
    impatient = Database(db.engine, db.jurisdiction, db.clock)
    impatient.gate = WriteGate(path, timeout=0.2)
    before = _events(db)
    held, release = threading.Event(), threading.Event()

    def stuck() -> None:  # another writer, stuck while holding the gate
        with WriteGate(path).hold():
            held.set()
            release.wait(30)

    thread = threading.Thread(target=stuck)
    thread.start()
    try:
        assert held.wait(30)
        started = time.monotonic()
        with pytest.raises(DatabaseError, match="database is locked"), impatient.write() as s:
            audit.record(s, SYSTEM, "gate.test", at=db.now(), target="refused")
        assert time.monotonic() - started < 5
    finally:
        release.set()
        thread.join(30)
    assert _events(db) == before
    with impatient.write() as s:  # the gate let go: writes go through again
        audit.record(s, SYSTEM, "gate.test", at=db.now(), target="after")
    assert _events(db) == before + 1


def test_the_lock_file_is_shared_like_the_database_file(db: Database) -> None:
    path = sqlite_file(db.engine)
    assert path is not None and db.gate is not None
    os.chmod(path, 0o660)
    db.gate.path.unlink(missing_ok=True)
    with db.write() as s:
        audit.record(s, SYSTEM, "gate.test", at=db.now(), target="mode")
    assert db.gate.path.exists()
    # exactly the database's mode, whatever the umask: a group member who may write the
    # database must be able to open the lock for writing too (as SQLite does for -wal/-shm)
    assert (db.gate.path.stat().st_mode & 0o777) == 0o660


def test_postgresql_has_no_gate(pg_db: Database) -> None:
    assert pg_db.gate is None


def test_the_wal_stays_bounded(db: Database) -> None:
    """The WAL flush is made after the gate, SQLite's automatic checkpoint as usual: the WAL
    file stays near the checkpoint size (1000 pages) however many changes are written."""
    path = sqlite_file(db.engine)
    assert path is not None
    wal = path.with_name(path.name + "-wal")
    for n in range(2500):  # ~2.5 pages each: ~6,000 pages written in all
        with db.write() as s:
            audit.record(s, SYSTEM, "gate.test", at=db.now(), target=str(n), detail="x" * 1500)
    assert wal.stat().st_size < 8 * 1024 * 1024  # unbounded, it would be ~25 MiB
    assert _events(db) >= 2500


def test_other_transactions_keep_synchronous_full(db: Database) -> None:
    """A write flushes the WAL itself after the gate (``synchronous=NORMAL`` inside it); any
    other transaction on the same connection (a migration...) is back to FULL."""
    with db.write() as s:
        audit.record(s, SYSTEM, "gate.test", at=db.now(), target="mode")
        assert s.connection().exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    with db.engine.connect() as conn, conn.begin():
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def _posix_locks(pid: int, path: Path) -> list[str]:
    """The POSIX byte-range locks ``pid`` holds on ``path`` (``/proc/locks``): kind and
    range."""
    inode = path.stat().st_ino
    held = []
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        owner, kind = fields[4], fields[1]
        if kind == "POSIX" and owner == str(pid) and int(fields[5].split(":")[2]) == inode:
            held.append(" ".join((fields[3], *fields[6:8])))
    return sorted(held)


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="Linux's /proc/locks")
def test_a_write_leaves_sqlites_locks_in_place(db: Database) -> None:
    """SQLite keeps a read lock on its WAL index (``-shm``) while a connection is open: it
    tells a process opening the database that others use the index, so it must not rebuild
    it. A process that opens and closes the file itself loses that lock (POSIX locks belong
    to the process); the portal once did, after each write, and a session reading the index
    while another process rebuilt it crashed (SIGBUS). After writes, the locks are all
    still held."""
    path = sqlite_file(db.engine)
    assert path is not None
    index = path.with_name(path.name + "-shm")
    with db.read_conn() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM audit_event").all()
    held = {file: _posix_locks(os.getpid(), file) for file in (index, path)}
    assert held[index]  # SQLite's lock on the index, while its connection is open
    for n in range(3):
        with db.write() as s:
            audit.record(s, SYSTEM, "gate.test", at=db.now(), target=f"locks {n}")
    assert {file: _posix_locks(os.getpid(), file) for file in (index, path)} == held

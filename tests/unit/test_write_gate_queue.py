"""The SQLite write gate is a queue: writers get it in arrival order, across processes and
threads, and a writer killed (``kill -9``) while holding or waiting leaves no one stuck.

Writers here are real processes (``python -c``, each opening the gate itself) and threads.
Arrival is made unambiguous by waiting, before the next writer starts, until the previous
one is seen in the queue (:meth:`WriteGate.queued`); under churn, a writer's arrival is its
ticket, taken at once when it calls :meth:`WriteGate.hold`. No fixed sleeps: every wait is
for a condition (a line in a log file, the queue's length).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts.actors import SYSTEM
from etrakit_tui.domain.errors import DatabaseError
from etrakit_tui.domain.store.db import Database, WriteGate, sqlite_file
from tests.support.sshkit import wait_until

WAIT = 60.0  # a guard against a hung writer only; every wait ends when its condition holds

WRITER = """
import os, sys
from pathlib import Path
from etrakit_tui.domain.store.db import WriteGate

database, log, name, rounds, stay = sys.argv[1:6]
gate = WriteGate(Path(database))
out = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
os.write(out, f"ready {name}\\n".encode())
if int(rounds) > 1:
    sys.stdin.readline()  # "go": all writers start together
for _ in range(int(rounds)):
    with gate.hold() as ticket:
        os.write(out, f"{name} {ticket}\\n".encode())
        if stay == "stay":
            sys.stdin.read()  # holds until its input ends, or until it is killed
"""


def _writer(database: Path, log: Path, name: str, rounds: int = 1, *, stay: bool = False):
    """A writer process: holds the gate ``rounds`` times, logging ``<name> <ticket>``."""
    args = [str(database), str(log), name, str(rounds), "stay" if stay else "leave"]
    return subprocess.Popen([sys.executable, "-c", WRITER, *args], stdin=subprocess.PIPE, text=True)


def _entries(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    return [line.split() for line in log.read_text().splitlines() if not line.startswith("ready")]


def _entered(log: Path) -> list[str]:
    return [name for name, _ticket in _entries(log)]


@pytest.fixture
def database(db: Database) -> Path:
    path = sqlite_file(db.engine)
    assert path is not None
    return path


def test_writers_get_the_gate_in_arrival_order(database: Path, tmp_path: Path) -> None:
    """Three processes and three threads queue, one after the other, behind a holder: once
    it lets go, they get the gate in exactly that order (no one overtaken)."""
    gate = WriteGate(database)
    log = tmp_path / "order.log"
    processes: list[subprocess.Popen[str]] = []
    threads: list[threading.Thread] = []

    def thread_writer(name: str) -> None:
        with WriteGate(database).hold() as ticket, log.open("a") as out:
            out.write(f"{name} {ticket}\n")

    with gate.hold():
        for n in range(6):
            name = f"w{n}"
            if n % 2 == 0:
                processes.append(_writer(database, log, name))
            else:
                threads.append(threading.Thread(target=thread_writer, args=(name,)))
                threads[-1].start()
            # in the queue (behind the holder and those before it) before the next comes
            assert wait_until(lambda n=n: gate.queued() == n + 2, WAIT), gate.queued()
        assert _entered(log) == []  # everyone waits while the gate is held
    for thread in threads:
        thread.join(WAIT)
    for process in processes:
        assert process.wait(WAIT) == 0
    assert _entered(log) == [f"w{n}" for n in range(6)]
    assert gate.queued() == 0


def test_under_churn_no_writer_gets_the_gate_before_an_earlier_arrival(
    database: Path, tmp_path: Path
) -> None:
    """Four processes take the gate 40 times each, all at once: the gate is taken in ticket
    order, so no writer waits behind a later arrival (N = 0); a process that has just let
    go and comes back queues behind the writers already waiting."""
    log = tmp_path / "churn.log"
    writers = [_writer(database, log, f"p{n}", 40) for n in range(4)]
    assert wait_until(lambda: log.exists() and log.read_text().count("ready") == 4, WAIT)
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        assert writer.wait(WAIT) == 0
    tickets = [int(ticket) for _name, ticket in _entries(log)]
    assert len(tickets) == 160
    assert tickets == sorted(tickets), "a writer got the gate before an earlier arrival"


def test_a_killed_holder_or_waiter_leaves_no_one_stuck(
    db: Database, database: Path, tmp_path: Path
) -> None:
    """kill -9 of waiters (one in the middle of the queue, one at its end): the others keep
    their places, and a writer arriving after them still waits for the holder; kill -9 of
    the holder: the next writer gets the gate; afterwards the queue is empty and writes go
    through."""
    gate = WriteGate(database)
    log = tmp_path / "killed.log"
    holder = _writer(database, log, "holder", stay=True)
    assert wait_until(lambda: _entered(log) == ["holder"], WAIT)
    queue = {}
    for n, name in enumerate(("first", "middle", "end"), start=2):
        queue[name] = _writer(database, log, name, stay=True)
        assert wait_until(lambda n=n: gate.queued() == n, WAIT)

    for n, name in enumerate(("middle", "end")):  # SIGKILL while waiting
        queue[name].kill()
        assert queue[name].wait(WAIT) != 0
        assert wait_until(lambda n=n: gate.queued() == 3 - n, WAIT)
    late = _writer(database, log, "late", stay=True)  # the writers before it are dead
    assert wait_until(lambda: gate.queued() == 3, WAIT)
    assert _entered(log) == ["holder"]

    holder.kill()  # SIGKILL while holding
    assert holder.wait(WAIT) != 0
    assert wait_until(lambda: _entered(log) == ["holder", "first"], WAIT)
    for writer in (queue["first"], late):
        assert writer.stdin is not None
        writer.stdin.close()  # lets go
        assert writer.wait(WAIT) == 0
    assert _entered(log) == ["holder", "first", "late"]
    assert gate.queued() == 0
    with db.write() as s:
        audit.record(s, SYSTEM, "gate.test", at=db.now(), target="after the kills")


def test_a_writer_that_gives_up_does_not_hold_up_those_behind_it(
    db: Database, database: Path
) -> None:
    """A writer whose timeout passes while the gate is held gets the clear refusal and
    leaves the queue; the writer that queued behind it writes once the holder lets go."""
    impatient = Database(db.engine, db.jurisdiction, db.clock)
    impatient.gate = WriteGate(database, timeout=0.5)
    gate = WriteGate(database)
    release = threading.Event()
    held = threading.Event()
    refused: list[BaseException] = []
    wrote = threading.Event()

    def holder() -> None:
        with gate.hold():
            held.set()
            release.wait(WAIT)

    def give_up() -> None:
        try:
            with impatient.write() as s:
                audit.record(s, SYSTEM, "gate.test", at=db.now(), target="refused")
        except DatabaseError as exc:
            refused.append(exc)

    def patient() -> None:
        with db.write() as s:
            audit.record(s, SYSTEM, "gate.test", at=db.now(), target="patient")
        wrote.set()

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    assert held.wait(WAIT)
    threads.append(threading.Thread(target=give_up))
    threads[1].start()
    assert wait_until(lambda: gate.queued() == 2, WAIT)
    threads.append(threading.Thread(target=patient))
    threads[2].start()
    threads[1].join(WAIT)
    assert [str(e) for e in refused] == ["the database refused the change: database is locked"]
    assert gate.queued() == 2  # the holder and the patient writer
    assert not wrote.is_set()
    release.set()
    assert wrote.wait(WAIT)
    for thread in threads:
        thread.join(WAIT)
    assert gate.queued() == 0

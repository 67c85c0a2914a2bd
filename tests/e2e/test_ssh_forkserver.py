"""Sessions forked by ``serve-ssh``'s fork server share nothing (issue 14, target 2): the real
OpenSSH client signs in twice, and what each session's process holds is read back from
``/proc``: its own database connection, no trace of the other's signed-in company or typed
password; a session killed outright, or the fork server itself killed, ends no other
session and keeps nobody out."""

from __future__ import annotations

import ctypes
import os
import platform
import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from etrakit_tui.domain.accounts.hashing import hash_secret
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import Company
from tests.support.sshkit import (
    ServerProcess,
    Terminal,
    sign_in_by_keys,
    start_server,
    wait_until,
)
from tests.tui.conftest import build_demo_template

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ssh")]

SIGN_IN = "Contractor Login"
PLOVER, PLOVER_PASSWORD = "PLOVER ROOFING CO", "Vx9-plover-Kq7w"  # only in session A
ACME, ACME_PASSWORD = "ACME ELECTRIC INC", "acmedemo22"
QUIT = "\x11"  # ctrl+q
SEARCH = "\x1bOR"  # F3


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo city at today's date, plus a company whose name and password no module of
    the portal (and not the demo's sign-in hints) contains."""
    path = tmp_path_factory.mktemp("city") / "etrakit.db"
    build_demo_template(path, FixedClock(datetime.now(UTC)))
    database = Database.open(f"sqlite:///{path}")
    try:
        with database.write() as s:
            acme = s.exec(select(Company).where(Company.name == ACME)).one()
            s.add(
                Company(
                    name=PLOVER,
                    license_no="L7700001",
                    phone=acme.phone,
                    password_hash=hash_secret(PLOVER_PASSWORD),
                    created_at=acme.created_at,
                )
            )
    finally:
        database.dispose()
    return path


@pytest.fixture
def server(city: Path, tmp_path: Path) -> Iterator[ServerProcess]:
    """``serve-ssh`` on the city (not ``--demo``: no demo sign-ins on its screen)."""
    running = start_server(tmp_path, "--db", f"sqlite:///{city}")
    yield running
    running.stop()


def new_session(server: ServerProcess, before: set[int]) -> tuple[Terminal, int]:
    """A client at the sign-in screen, and its session's process (forked by the zygote)."""
    term = Terminal(server.ssh("-tt"))
    assert term.wait_for(SIGN_IN), term.text()
    assert wait_until(lambda: len(set(server.tui_processes()) - before) == 1, timeout=10)
    (pid,) = set(server.tui_processes()) - before
    return term, pid


def open_files(pid: int, path: Path) -> list[int]:
    """The descriptors of ``pid`` open on ``path`` (or its -wal/-shm files)."""
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(path)):
            found.append(int(fd))
    return found


KCMP = {"x86_64": 312, "aarch64": 272}
KCMP_FILE = 0


def same_open_file(pid1: int, fd1: int, pid2: int, fd2: int) -> bool:
    """Whether two descriptors are one open file (one inherited from the other), by kcmp(2)."""
    libc = ctypes.CDLL(None, use_errno=True)
    result = libc.syscall(KCMP[platform.machine()], pid1, pid2, KCMP_FILE, fd1, fd2)
    if result < 0:
        raise OSError(ctypes.get_errno(), "kcmp")
    return bool(result == 0)


def memory_contains(pid: int, needles: list[bytes]) -> set[bytes]:
    """Which of ``needles`` occur anywhere in the readable memory of ``pid``."""
    found: set[bytes] = set()
    regions = Path(f"/proc/{pid}/maps").read_text().splitlines()
    fd = os.open(f"/proc/{pid}/mem", os.O_RDONLY)
    try:
        for line in regions:
            fields = line.split()
            if not fields[1].startswith("r") or line.endswith(("[vvar]", "[vsyscall]")):
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            try:
                data = os.pread(fd, end - start, start)
            except OSError:
                continue
            found |= {needle for needle in needles if needle in data}
    finally:
        os.close(fd)
    return found


def test_each_session_has_its_own_connection_and_none_of_the_others_state(
    server: ServerProcess, city: Path
) -> None:
    """A signs in as PLOVER ROOFING CO, then B as ACME ELECTRIC INC. Each session's process
    has the database file open itself (the fork server has nothing open on it, so nothing
    could have been inherited; kcmp says the two are not one open file). B's memory has no
    trace of A's header ("Signed in as: PLOVER ROOFING CO") or of the password A typed,
    while A's has its header (the search does find what is there); the fork server's has
    neither."""
    if os.geteuid() != 0:
        pytest.skip("reading another process's memory needs root (ptrace rights)")
    (zygote,) = server.forkservers()
    a, a_pid = new_session(server, set())
    b: Terminal | None = None
    try:
        sign_in_by_keys(a, PLOVER, PLOVER_PASSWORD)
        b, b_pid = new_session(server, {a_pid})
        sign_in_by_keys(b, ACME, ACME_PASSWORD)
        a.settle()
        b.settle()

        assert open_files(zygote, city) == []
        a_files, b_files = open_files(a_pid, city), open_files(b_pid, city)
        assert a_files and b_files, (a_files, b_files)
        if platform.machine() in KCMP:
            for fa in a_files:
                assert not any(same_open_file(a_pid, fa, b_pid, fb) for fb in b_files)

        header = f"Signed in as: {PLOVER}".encode()
        needles = [header, PLOVER_PASSWORD.encode()]
        assert header in memory_contains(a_pid, needles)
        assert memory_contains(b_pid, needles) == set()
        assert memory_contains(zygote, needles) == set()
        assert f"Signed in as: {ACME}" in b.text()
    finally:
        a.close()
        if b is not None:
            b.close()


def test_a_killed_session_ends_no_other(server: ServerProcess) -> None:
    """SIGKILL to one session's process: its client gets its terminal back and exit status 1
    (no traceback anywhere); the other session goes on, and a new one starts."""
    a, a_pid = new_session(server, set())
    b, b_pid = new_session(server, {a_pid})
    c: Terminal | None = None
    try:
        sign_in_by_keys(b, ACME, ACME_PASSWORD)
        os.kill(a_pid, signal.SIGKILL)
        assert a.wait_exit(timeout=30) == 1
        b.settle()
        b.send(SEARCH)
        assert b.wait_for("Permit Search"), b.text()
        c, _ = new_session(server, {a_pid, b_pid})
        for term in (b, c):
            term.send(QUIT)
            assert term.wait_exit(timeout=30) == 0
        for term in (a, b, c):
            assert b"Traceback" not in bytes(term.transcript)
        assert "portal exited (status -9)" in server.log()
    finally:
        for term in (a, b, c):
            if term is not None:
                term.close()


def test_sessions_outlive_a_killed_fork_server(server: ServerProcess) -> None:
    """The fork server is killed: the session it started goes on (keys still work) and ends
    cleanly when its user quits; the next client gets a session from a new fork server."""
    (zygote,) = server.forkservers()
    a, a_pid = new_session(server, set())
    b: Terminal | None = None
    try:
        os.kill(zygote, signal.SIGKILL)
        assert wait_until(lambda: "the fork server ended" in server.log(), timeout=10)
        a.send("A")
        assert a.wait_for("A"), a.text()
        b, b_pid = new_session(server, set())  # children of the new fork server only
        (second,) = server.forkservers()
        assert second != zygote and b_pid != a_pid
        a.send(QUIT)
        assert a.wait_exit(timeout=30) is not None
        assert wait_until(lambda: not _alive(a_pid), timeout=10)
        b.send(QUIT)
        assert b.wait_exit(timeout=30) == 0
        for term in (a, b):
            assert b"Traceback" not in bytes(term.transcript)
        assert "Traceback" not in server.log()
    finally:
        a.close()
        if b is not None:
            b.close()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"

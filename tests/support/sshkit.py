"""Helpers for the SSH end-to-end tests (tests/e2e/test_ssh.py): a real server process, the
real OpenSSH client driven through a pseudo-terminal, and the screen it draws read back by a
terminal emulator (pyte)."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pexpect
import pyte
import pytest

SSH = "/usr/bin/ssh"
SSH_OPTIONS = [
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
    "-o",
    "BatchMode=yes",
]
MARKER_PREFIX = "etrakit-ssh-"


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass; its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return predicate()
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def idle_connections(port: int, count: int, addresses: int) -> list[socket.socket]:
    """``count`` TCP connections to ``port`` that never go further: spread over the source
    addresses 127.0.0.1 .. 127.0.0.``addresses`` (all loopback on Linux); in alternate rounds
    they send nothing at all, or only an SSH greeting line. Returns once the server has taken
    every one in (its greeting, or its close, is waiting to be read)."""
    sockets: list[socket.socket] = []
    try:
        for i in range(count):
            sock = socket.socket()
            sockets.append(sock)
            sock.bind((f"127.0.0.{i % addresses + 1}", 0))
            sock.settimeout(30)
            sock.connect(("127.0.0.1", port))
            if (i // addresses) % 2:
                sock.sendall(b"SSH-2.0-Idle_1.0\r\n")
        if not wait_until(
            lambda: len(select.select(sockets, [], [], 0)[0]) == len(sockets), timeout=30
        ):
            raise AssertionError("the server did not take every idle connection in")
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def processes_with(needle: str) -> list[int]:
    """Live (not zombie) processes whose command line contains ``needle``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle.encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def children_of(parents: set[int]) -> list[int]:
    """Live (not zombie) processes whose parent is one of ``parents``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) in parents and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def environment_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode(): v.decode() for k, v in pairs}


def client_environment(**extra: str) -> dict[str, str]:
    """A plain environment for the ssh client (nothing of the test runner's TEXTUAL_*)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }
    env.update(extra)
    return env


def ssh_argv(
    port: int, *args: str, user: str = "contractor", identity: Path | None = None
) -> list[str]:
    argv = [SSH, *SSH_OPTIONS, "-p", str(port)]
    if identity is not None:
        argv += ["-i", str(identity), "-o", "IdentitiesOnly=yes"]
    return [*argv, *args, f"{user}@127.0.0.1"]


class Terminal:
    """``ssh -tt`` in a pseudo-terminal of ``rows`` x ``columns``, its output fed to pyte."""

    def __init__(
        self,
        argv: list[str],
        *,
        rows: int = 24,
        columns: int = 80,
        env: dict[str, str] | None = None,
    ) -> None:
        self.child = pexpect.spawn(
            argv[0], argv[1:], dimensions=(rows, columns), env=env or client_environment()
        )
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.transcript = bytearray()

    @property
    def pid(self) -> int:
        return int(self.child.pid)

    def pump(self, timeout: float = 0.1) -> bool:
        """Read what has arrived; False once the client has ended."""
        try:
            data = self.child.read_nonblocking(65536, timeout=timeout)
        except pexpect.TIMEOUT:
            return True
        except pexpect.EOF:
            return False
        self.transcript += data
        self.stream.feed(data)
        return True

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, needle: str | Callable[[str], bool], timeout: float = 30.0) -> bool:
        """Pump output until the screen shows ``needle`` (or it holds); False on timeout/EOF."""
        check = needle if callable(needle) else (lambda text: needle in text)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check(self.text()):
                return True
            if not self.pump():
                return check(self.text())
        return check(self.text())

    def settle(self, quiet: float = 0.5, timeout: float = 10.0) -> None:
        """Pump until no output has arrived for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = len(self.transcript)
            if not self.pump(timeout=quiet):
                return
            if len(self.transcript) == before:
                return

    def send(self, keys: str | bytes) -> None:
        self.child.send(keys)

    def resize(self, rows: int, columns: int) -> None:
        """Resize our terminal; ssh gets SIGWINCH and tells the server."""
        self.screen.resize(rows, columns)
        self.child.setwinsize(rows, columns)

    def alive(self) -> bool:
        return bool(self.child.isalive())

    def wait_exit(self, timeout: float = 15.0) -> int | None:
        """Drain output until the client exits; its exit status (None if still running)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.pump():
            pass
        if not wait_until(lambda: not self.child.isalive(), max(deadline - time.monotonic(), 0)):
            return None
        self.child.close()
        return self.child.exitstatus if self.child.exitstatus is not None else -1

    def close(self) -> None:
        if self.child.isalive():
            self.child.close(force=True)


@dataclass
class ServerProcess:
    """A ``serve-ssh`` running as a subprocess of the test."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    host_key: Path

    @property
    def marker(self) -> str:
        """A TUI process this server execs has this on its command line (a server before
        the fork server; ``bench.ssh_flood`` measures one)."""
        return f"{MARKER_PREFIX}{self.process.pid}-"

    def forkservers(self) -> list[int]:
        """This server's fork server: its child whose command line names the service (the
        sessions it forks have that command line too, but the fork server as parent)."""
        named = processes_with(f"--service\0{MARKER_PREFIX}{self.process.pid}\0")
        return sorted(set(named) & set(children_of({self.process.pid})))

    def tui_processes(self) -> list[int]:
        """The sessions' processes: the fork server's children (or exec'd, marked ones)."""
        return children_of(set(self.forkservers())) + processes_with(self.marker)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def ssh(self, *args: str) -> list[str]:
        return ssh_argv(self.port, *args)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_server(
    tmp: Path, *args: str, host_key: Path | None = None, source: Path | None = None
) -> ServerProcess:
    """``python -m etrakit_tui serve-ssh`` on a free port; returns once it accepts connections.
    ``source``: run the server from that ``src`` folder instead, in it (so what it execs with
    ``python -m`` comes from there too: a benchmark's "before")."""
    port = free_port()
    key = host_key or tmp / "ssh_host_key"
    log_path = tmp / f"serve-ssh-{port}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ETRAKIT_", "TEXTUAL_"))}
    if source is not None:
        env["PYTHONPATH"] = str(source)
    argv = [sys.executable, "-m", "etrakit_tui", "serve-ssh", "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--host-key", str(key), *args]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=source or None
        )
    server = ServerProcess(process, port, log_path, key)
    ready = wait_until(
        lambda: process.poll() is not None or "serving the portal" in server.log(), timeout=90
    )
    if not ready or process.poll() is not None:
        server.stop()
        pytest.fail(f"serve-ssh did not start:\n{server.log()}")
    return server


def sign_in_by_keys(term: Terminal, company: str, password: str) -> None:
    """A contractor signs in on the sign-in screen by keys alone: company, Enter (and Enter
    again on the first entry when the company list was offered), password, Enter."""
    assert term.wait_for("Contractor Login"), term.text()
    term.send(company)
    assert term.wait_for(company), term.text()
    term.settle()
    picker_shown = term.text().count(company) > 1
    term.send("\r")
    if picker_shown:  # the company list was offered: Enter takes its first entry
        term.settle()
        term.send("\r")
    term.settle()
    term.send(password + "\r")
    assert term.wait_for(f"Signed in as: {company}"), term.text()

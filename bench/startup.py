"""Start-up time and peak memory, measured as a person would see them.

Each program is spawned in a fresh 80x24 pseudo-terminal; its output is fed to a terminal
emulator (pyte) and the clock stops when the expected text is on the emulated screen:
"Contractor Login" for the portal (run exactly as a user runs it: ``python -m
etrakit_tui --db URL``), the label of :mod:`bench.bare_app` for the bare Textual app.
Its peak RSS so far is read from ``/proc/<pid>/status`` (``VmHWM``) at that moment, then
Ctrl+Q is typed and the program exits. (Not ``getrusage``: on Linux a child's ``ru_maxrss``
starts at the RSS of the process that forked it, so it would report the runner's size.)

The programs alternate (portal, bare, portal, bare...) so load from elsewhere on the
machine hits both alike; one untimed warm-up run of each fills the page cache and writes
the bytecode of every module imported up to the ready text (``PYTHONDONTWRITEBYTECODE`` is
dropped from the programs' environment: an installed package has its bytecode).
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyte

from bench.bare_app import READY
from bench.stats import Latency

SIGN_IN_TEXT = "Contractor Login"
COLUMNS, ROWS = 80, 24
TIMEOUT = 60.0


@dataclass
class Program:
    """A program to start: its command line and the text that says it is ready."""

    label: str
    argv: list[str]
    ready_text: str
    start: Latency = field(default_factory=Latency)
    rss_kib: list[int] = field(default_factory=list)

    @property
    def rss_p50_mib(self) -> float:
        ordered = sorted(self.rss_kib)
        return ordered[(len(ordered) - 1) // 2] / 1024

    @property
    def rss_max_mib(self) -> float:
        return max(self.rss_kib) / 1024


def portal(url: str, label: str) -> Program:
    return Program(label, [sys.executable, "-m", "etrakit_tui", "--db", url], SIGN_IN_TEXT)


def bare() -> Program:
    path = Path(__file__).with_name("bare_app.py")
    return Program("bare Textual app (Header, Label, Footer)", [sys.executable, str(path)], READY)


def _screen_text(screen: pyte.Screen) -> str:
    return "\n".join(screen.display)


def run_once(
    program: Program, extra_env: dict[str, str] | None = None, capture: bytearray | None = None
) -> tuple[float, int]:
    """Start ``program`` in a PTY: ``(seconds until its text shows, peak RSS KiB)``;
    ``capture`` receives every byte it wrote until then."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(ROWS)}
    env.pop("TEXTUAL", None)
    # As installed: with bytecode. Without this, a checkout edited since its .pyc files were
    # written is compiled from source on every start (the bare app's Textual never is).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra_env or {})
    screen = pyte.Screen(COLUMNS, ROWS)
    stream = pyte.ByteStream(screen)
    started = time.perf_counter()
    proc = subprocess.Popen(
        program.argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    seen: float | None = None
    try:
        deadline = started + TIMEOUT
        while seen is None:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{program.label}: {program.ready_text!r} did not show")
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                raise RuntimeError(f"{program.label} exited early:\n{_screen_text(screen)}")
            stream.feed(chunk)
            if capture is not None:
                capture.extend(chunk)
            if program.ready_text in _screen_text(screen):
                seen = time.perf_counter() - started
        peak = peak_rss_kib(proc.pid)
        os.write(master, b"\x11")  # Ctrl+Q
        _drain(master, time.perf_counter() + 20)
    finally:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)
    return seen, peak


def peak_rss_kib(pid: int | str = "self") -> int:
    """The process's peak resident set size so far (``VmHWM``), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for process {pid}")


def _drain(master: int, deadline: float) -> None:
    """Read until the program closes the terminal (it has exited) or the deadline."""
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                if not os.read(master, 65536):
                    return
            except OSError:
                return  # EIO: the other side is closed


def measure(
    programs: list[Program], reps: int, warmup: bool = True, imports: bytearray | None = None
) -> None:
    """Start each program ``reps`` times (alternating); fill their latencies and RSS.
    With ``imports``, the first program's first timed run also reports its import times
    (``-X importtime``) into it: a cheap profile for a smoke run, at a small cost to that
    run's figure."""
    if warmup:
        for program in programs:
            run_once(program)
    for rep in range(reps):
        for index, program in enumerate(programs):
            if imports is not None and rep == 0 and index == 0:
                seconds, rss = run_once(program, {"PYTHONPROFILEIMPORTTIME": "1"}, imports)
            else:
                seconds, rss = run_once(program)
            program.start.add(seconds)
            program.rss_kib.append(rss)

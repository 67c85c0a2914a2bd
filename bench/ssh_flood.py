"""How long a real client waits for its sign-in screen over SSH, with and without a flood of
idle sockets open (issue 11, item 4: "within 2 s while 200 idle sockets are open").

    python -m bench.ssh_flood                      # 7 runs of each case into bench/RESULTS.md
    python -m bench.ssh_flood --runs 15 --out /tmp/flood.md

Starts ``etrakit-tui serve-ssh --demo`` (default limits) on a free loopback port, then, after
one untimed warm-up of each case, alternates: the real ``ssh -tt`` alone, and the real
``ssh -tt`` right after ``--sockets`` idle TCP connections were opened (from ``--addresses``
loopback addresses; half send nothing, half only an SSH greeting line; a fresh flood for each
run, closed after it). Each figure is the time from spawning ``ssh`` to "Contractor Login" on
its 80x24 screen. A run that never shows it (or shows "busy") counts as a failure.

The 1-minute load average is read before each attempt; above ``--max-load`` the attempt is
measured again (after waiting up to ``--settle`` s for the load to fall), at most
``--attempts`` times, and the last one is reported with a warning line. The section
"## SSH sign-in with N idle sockets open" of ``--out`` is replaced (between its
``<!-- bench:ssh-flood-N -->`` markers) or appended; the rest of the file is kept. The
report's path is the last line of stdout.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.report import _git, _load, _machine
from bench.stats import Latency, Target, percentile
from tests.support.sshkit import (
    SSH,
    ServerProcess,
    Terminal,
    idle_connections,
    start_server,
    wait_until,
)

DEFAULT_OUT = Path(__file__).resolve().parent / "RESULTS.md"
SIGN_IN = "Contractor Login"
TARGET = 2.0  # seconds to the sign-in screen, flood open
GIVE_UP = 60.0  # seconds: a run that has not shown the sign-in screen by then failed
HEADER = "# Benchmarks\n"


@dataclass
class Case:
    """One case's runs: the times to the sign-in screen, and the runs that never got there."""

    label: str
    sockets: int
    times: Latency = field(default_factory=Latency)
    failures: list[str] = field(default_factory=list)

    def row(self) -> str:
        if not self.times.n:
            return f"| {self.label} | 0 | - | - | - | - | {len(self.failures)} |"
        samples = self.times.samples
        cells = [min(samples), percentile(samples, 50), self.times.p95, max(samples)]
        figures = " | ".join(f"{x:.2f}" for x in cells)
        return f"| {self.label} | {self.times.n} | {figures} | {len(self.failures)} |"


@dataclass
class Attempt:
    load_before: tuple[float, float, float]
    cases: list[Case]
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    started: str = ""
    finished: str = ""


def sign_in_time(server: ServerProcess, sockets: int, addresses: int) -> tuple[float, str]:
    """Seconds from spawning ``ssh -tt`` to the sign-in screen, ``sockets`` idle ones open;
    and what went wrong ("" when it got there)."""
    flood = idle_connections(server.port, sockets, addresses) if sockets else []
    term: Terminal | None = None
    try:
        started = time.perf_counter()
        term = Terminal(server.ssh("-tt"))
        shown = term.wait_for(SIGN_IN, timeout=GIVE_UP)
        elapsed = time.perf_counter() - started
        problem = "" if shown else f"no sign-in screen within {GIVE_UP:g}s"
        if b"busy" in bytes(term.transcript):
            problem = "refused: busy"
    finally:
        for sock in flood:
            sock.close()
        if term is not None:
            term.close()
    # the session's portal process is gone before the next run starts
    wait_until(lambda: not server.tui_processes(), timeout=30)
    return elapsed, problem


def measure(server: ServerProcess, runs: int, sockets: int, addresses: int) -> Attempt:
    attempt = Attempt(os.getloadavg(), [Case("no flood", 0)])
    attempt.cases.append(Case(f"{sockets} idle sockets open", sockets))
    attempt.started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    for case in attempt.cases:  # warm-up: caches, the demo database's first reads
        sign_in_time(server, case.sockets, addresses)
    for run in range(runs):
        for case in attempt.cases:
            elapsed, problem = sign_in_time(server, case.sockets, addresses)
            if problem:
                case.failures.append(problem)
            else:
                case.times.add(elapsed)
            log(f"run {run + 1}/{runs}, {case.label}: {elapsed:.2f}s {problem}".rstrip())
    attempt.load_after = os.getloadavg()
    attempt.finished = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    return attempt


def target(flood: Case) -> Target:
    wanted = f"< {TARGET:g} s to the sign-in screen (p95, every run gets there)"
    if not flood.times.n:
        return Target("sign-in over SSH, flood open", wanted, "no run got there", False)
    p95 = flood.times.p95
    failed = f", {len(flood.failures)} run(s) never got there" if flood.failures else ""
    met = p95 < TARGET and not flood.failures
    return Target("sign-in over SSH, flood open", wanted, f"p95 {p95:.2f} s{failed}", met)


def render(args: argparse.Namespace, attempt: Attempt, tries: list[float]) -> str:
    marker = f"bench:ssh-flood-{args.sockets}"
    ssh_version = subprocess.run([SSH, "-V"], capture_output=True, text=True).stderr.strip()
    flood = attempt.cases[-1]
    verdict = target(flood)
    out = [
        f"<!-- {marker} begin -->",
        f"## SSH sign-in with {args.sockets} idle sockets open",
        "",
        f"- **Command**: `{' '.join(['python -m bench.ssh_flood', *args.argv])}`",
        f"- **Date**: {attempt.started} to {attempt.finished} (UTC); code {_git()}",
        f"- **Machine**: {_machine()}; load average (1/5/15 min) "
        f"{_load(attempt.load_before)} at the start, {_load(attempt.load_after)} at the end",
        f"- **Server**: `etrakit-tui serve-ssh --demo` with its default limits; client "
        f"{ssh_version}, `ssh -tt` at 80x24, timed from its spawn to `{SIGN_IN}` on its screen",
        f"- **Flood**: {args.sockets} TCP connections from {args.addresses} loopback "
        "address(es), half silent, half sending only an SSH greeting line; opened afresh "
        "before each run (the server has taken each in), closed after it",
        f"- **Runs**: {args.runs} of each case, alternating, after one untimed warm-up of each",
    ]
    if attempt.load_before[0] > args.max_load:
        starts = ", ".join(f"{x:.2f}" for x in tries)
        out.append(
            f"- **Warning**: the 1-minute load average was above {args.max_load:.1f} before "
            f"each of {len(tries)} attempt(s) ({starts}); these figures are from a busy "
            "machine: run again on a quiet one"
        )
    out += [
        "",
        "| case | runs | min (s) | median (s) | p95 (s) | max (s) | failed runs |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(case.row() for case in attempt.cases),
        "",
        "| target | wanted | measured | verdict |",
        "| --- | --- | --- | --- |",
        f"| {verdict.name} | {verdict.wanted} | {verdict.measured} | {verdict.verdict} |",
    ]
    failures = [f"{c.label}: {f}" for c in attempt.cases for f in c.failures]
    if failures:
        out += ["", "Failed runs: " + "; ".join(failures)]
    out += ["", f"<!-- {marker} end -->", ""]
    return "\n".join(out)


def write(path: Path, sockets: int, section: str) -> None:
    """Put ``section`` into ``path``, replacing an earlier one for the same flood size."""
    marker = f"bench:ssh-flood-{sockets}"
    text = path.read_text() if path.exists() else HEADER
    pattern = re.compile(rf"<!-- {marker} begin -->.*?<!-- {marker} end -->\n?", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ssh_flood", description=__doc__.split("\n")[0]
    )
    add = parser.add_argument
    add("--runs", type=int, default=7, help="timed runs of each case (7)")
    add("--sockets", type=int, default=200, help="idle sockets (200)")
    add("--addresses", type=int, default=10, help="loopback addresses of the flood (10)")
    add("--out", type=Path, default=DEFAULT_OUT, help="report file (bench/RESULTS.md)")
    add("--max-load", type=float, default=1.0, help="1-minute load average above which a run "
        "is measured again (1.0)")  # fmt: skip
    add("--attempts", type=int, default=3, help="runs at most while the load is high (3)")
    add("--settle", type=float, default=60.0, help="seconds to wait for the load to fall "
        "between attempts (60)")  # fmt: skip
    args = parser.parse_args(argv)
    for name in ("runs", "sockets", "addresses", "attempts"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if not 1 <= args.addresses <= 254:
        parser.error("--addresses must be 1 to 254 (127.0.0.x)")
    args.argv = sys.argv[1:] if argv is None else argv
    return args


def _stop(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds: the flood, the client, the server go


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    work = Path(tempfile.mkdtemp(prefix="etrakit-ssh-flood-"))
    server: ServerProcess | None = None
    tries: list[float] = []
    try:
        server = start_server(work, "--demo")
        while True:
            attempt = measure(server, args.runs, args.sockets, args.addresses)
            tries.append(attempt.load_before[0])
            if attempt.load_before[0] <= args.max_load or len(tries) >= args.attempts:
                break
            log(f"load {attempt.load_before[0]:.2f} > {args.max_load:g} before the run: again")
            wait_until(lambda: os.getloadavg()[0] <= args.max_load, args.settle, interval=5)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    write(args.out, args.sockets, render(args, attempt, tries))
    verdict = target(attempt.cases[-1])
    log(f"report: {args.out} (target {verdict.verdict}: {verdict.measured})")
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

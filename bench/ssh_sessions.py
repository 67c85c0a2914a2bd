"""SSH sessions from the fork server against the exec model it replaced (issue 14, target 2):
memory per signed-in session, time to the first screen, and keystroke echo with 300 signed-in
sessions held at once.

    python -m bench.ssh_sessions                       # into bench/RESULTS.md
    python -m bench.ssh_sessions --hold 50 --out /tmp/sessions.md

Three parts, each against ``etrakit-tui serve-ssh --demo`` on a loopback port:

- **First screen** (``--runs``, both models alternating): the real ``ssh -tt`` at 80x24, timed
  from its spawn to "Contractor Login" on its screen, one session at a time.
- **Memory** (``--sessions`` real ``ssh`` clients at once, both models): Σ PSS of the sessions'
  processes (and the fork server's) / N, from ``/proc/PID/smaps_rollup``, at the sign-in screen
  and once every session has signed in (CITY OF HEMET's dashboard). The average private dirty
  memory of one session's process is what N sessions tend to as N grows.
- **Held sessions** (fork server only; ``--hold`` sessions, asyncssh clients in this process,
  signed in ``--ramp`` at a time): then in waves of ``--typists`` sessions each opens Permit
  Search (F3) and types ``--keys`` characters ``--interval`` s apart; a key's echo time runs
  from writing it to the moment the search field showing it arrives. PSS is read at the end.
  The ramp stops early (and says so) when the machine has less than ``--min-free`` GiB free,
  or after ``--deadline`` s.

The exec model ("before") is commit ``EXEC_MODEL_REF`` (the last one whose server exec'd a
fresh Python per session), run from a ``git archive`` of its ``src`` (server and sessions
alike: today's portal may need a newer schema than that server builds); so the portal code of
the two differs by what was committed since, not only the serving model.
The 300-session run is not made with the exec model: at ~65 MiB a session it would take
~20 GiB. The section between ``<!-- bench:ssh-sessions begin/end -->`` in ``--out`` is
replaced (or appended); the report's path is the last line of stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
import pyte

from bench.report import _git, _load, _machine
from bench.stats import Latency, percentile
from etrakit_tui.ssh.zygote import can_immortalize
from tests.support.sshkit import (
    ServerProcess,
    Terminal,
    sign_in_by_keys,
    start_server,
    wait_until,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / "RESULTS.md"
EXEC_MODEL_REF = "87cff53"
MARKER = "bench:ssh-sessions"
HEADER = "# Benchmarks\n"
SIGN_IN = "Contractor Login"
COMPANY, PASSWORD = "CITY OF HEMET", "hemetdemo1"
SIGNED_IN = f"Signed in as: {COMPANY}"
SEARCH_KEY, SEARCH_TITLE = "\x1bOR", "Permit Search"  # F3
TYPED = "Q"
DOWN = "\x1b[B"
TARGETS = {"pss": 30.0, "first": 0.3, "echo": 0.050}
MODELS = ("exec", "fork")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- servers


def exec_model_source(work: Path) -> Path:
    """``src`` of ``EXEC_MODEL_REF``, unpacked under ``work``."""
    target = work / "exec-model"
    target.mkdir()
    archive = subprocess.run(
        ["git", "archive", EXEC_MODEL_REF, "src"], cwd=ROOT, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target / "src"


def serve(work: Path, *limits: str, source: Path | None = None) -> ServerProcess:
    """``serve-ssh --demo``; from ``source`` (the exec model's ``src``) when given."""
    folder = Path(tempfile.mkdtemp(prefix="server-", dir=work))
    return start_server(folder, "--demo", *limits, source=source)


def rollup(pid: int) -> dict[str, float]:
    """``smaps_rollup`` of ``pid`` in MiB (empty when it is gone)."""
    figures: dict[str, float] = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as lines:
            for line in lines:
                if match := re.match(r"(\w+):\s+(\d+) kB", line):
                    figures[match[1]] = int(match[2]) / 1024
    except OSError:
        pass
    return figures


@dataclass
class Memory:
    sessions: int
    pss_per_session: float  # MiB: Σ PSS (sessions + fork server) / N
    private_dirty: float  # MiB: one session's process, on average
    server_pss: float  # MiB: the SSH server itself (not counted above)


def memory(server: ServerProcess) -> Memory:
    sessions = server.tui_processes()
    figures = [rollup(pid) for pid in sessions]
    shared = sum(rollup(pid).get("Pss", 0.0) for pid in server.forkservers())
    total = shared + sum(f.get("Pss", 0.0) for f in figures)
    dirty = sum(f.get("Private_Dirty", 0.0) for f in figures)
    n = max(len(sessions), 1)
    return Memory(len(sessions), total / n, dirty / n, rollup(server.process.pid).get("Pss", 0))


def mem_available_gib() -> float:
    with open("/proc/meminfo") as info:
        for line in info:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0.0


# --------------------------------------------------------------------------- first screen, memory


def first_screen(server: ServerProcess) -> float:
    """Seconds from spawning ``ssh -tt`` to the sign-in screen; the session is gone after."""
    started = time.perf_counter()
    term = Terminal(server.ssh("-tt"))
    try:
        if not term.wait_for(SIGN_IN, timeout=60):
            raise RuntimeError(f"no sign-in screen: {term.text()}")
        return time.perf_counter() - started
    finally:
        term.close()
        wait_until(lambda: not server.tui_processes(), timeout=30)


def memory_at(server: ServerProcess, count: int) -> tuple[Memory, Memory]:
    """``count`` real clients at once: memory at the sign-in screen, then signed in."""
    terms = [Terminal(server.ssh("-tt")) for _ in range(count)]
    try:
        for term in terms:
            if not term.wait_for(SIGN_IN, timeout=120):
                raise RuntimeError(f"no sign-in screen: {term.text()}")
        wait_until(lambda: len(server.tui_processes()) >= count, timeout=30)
        for term in terms:
            term.settle()
        at_sign_in = memory(server)
        for term in terms:
            sign_in_by_keys(term, COMPANY, PASSWORD)
        for term in terms:
            term.settle()
        return at_sign_in, memory(server)
    finally:
        for term in terms:
            term.close()
        wait_until(lambda: not server.tui_processes(), timeout=30)


@dataclass
class ModelFigures:
    first: Latency = field(default_factory=Latency)
    sign_in: list[Memory] = field(default_factory=list)
    signed_in: list[Memory] = field(default_factory=list)


def compare(args: argparse.Namespace, work: Path) -> dict[str, ModelFigures]:
    exec_src = exec_model_source(work)
    figures = {model: ModelFigures() for model in MODELS}
    servers = {"exec": serve(work, source=exec_src), "fork": serve(work)}
    try:
        for model in MODELS:  # warm-up: the demo database's first reads, the page cache
            first_screen(servers[model])
        for run in range(args.runs):
            for model in MODELS if run % 2 == 0 else reversed(MODELS):
                seconds = first_screen(servers[model])
                figures[model].first.add(seconds)
                log(f"first screen, {model}, run {run + 1}/{args.runs}: {seconds:.3f}s")
        for model in MODELS:
            at_sign_in, signed_in = memory_at(servers[model], args.sessions)
            figures[model].sign_in.append(at_sign_in)
            figures[model].signed_in.append(signed_in)
            log(f"memory, {model}, {args.sessions} sessions: {at_sign_in} / {signed_in}")
    finally:
        for server in servers.values():
            server.stop()
    return figures


# --------------------------------------------------------------------------- held sessions


class Client(asyncssh.SSHClientSession[bytes]):
    """One session's client side: its screen (pyte) and the echo it waits for."""

    def __init__(self) -> None:
        self.screen = pyte.Screen(80, 24)
        self.stream = pyte.ByteStream(self.screen)
        self.changed = asyncio.Event()
        self.closed = False
        self.emulate = True  # feed the screen (off while typing: only the echo is watched)
        self.last_data = time.monotonic()
        self.chan: asyncssh.SSHClientChannel[bytes] | None = None
        self._expect: bytes | None = None
        self._since = bytearray()
        self._echoed = asyncio.Event()

    def connection_made(self, chan: asyncssh.SSHClientChannel[bytes]) -> None:
        self.chan = chan

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        if self._expect is not None:  # first: the screen emulator's time is not the echo's
            self._since += data
            if self._expect in self._since:
                self._echoed.set()
        if self.emulate:
            self.stream.feed(data)
        self.last_data = time.monotonic()
        self.changed.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.changed.set()

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def write(self, keys: str) -> None:
        assert self.chan is not None
        self.chan.write(keys.encode())

    async def wait_for(self, check: Callable[[str], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not check(self.text()):
            if self.closed or time.monotonic() > deadline:
                raise RuntimeError(f"gave up waiting; the screen shows:\n{self.text()}")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), deadline - time.monotonic())

    async def settle(self, quiet: float = 0.5, timeout: float = 30) -> None:
        """Until nothing has arrived for ``quiet`` seconds (counted from now at the earliest)."""
        start = time.monotonic()
        deadline = start + timeout
        while time.monotonic() < deadline and time.monotonic() - max(self.last_data, start) < quiet:
            await asyncio.sleep(quiet / 5)

    async def echo(self, key: str, expect: bytes, timeout: float = 10) -> float:
        """Seconds from writing ``key`` until output holding ``expect`` arrived."""
        self._since.clear()
        self._echoed.clear()
        self._expect = expect
        started = time.perf_counter()
        self.write(key)
        try:
            await asyncio.wait_for(self._echoed.wait(), timeout)
        finally:
            self._expect = None
        return time.perf_counter() - started


async def open_signed_in(port: int) -> tuple[asyncssh.SSHClientConnection, Client]:
    conn = await asyncssh.connect(
        "127.0.0.1",
        port,
        username="bench",
        known_hosts=None,
        client_keys=None,
        agent_path=None,
        preferred_auth="none",
    )
    _chan, client = await conn.create_session(
        Client, term_type="xterm-256color", term_size=(80, 24), encoding=None
    )
    await client.wait_for(lambda t: SIGN_IN in t)
    await client.settle()
    shown = client.text().count(COMPANY)  # the demo's sign-in hints name it too
    client.write(COMPANY)
    await client.wait_for(lambda t: t.count(COMPANY) > shown)
    await client.settle()
    # Down opens the company list (once the database answers), Enter takes its entry and
    # moves on to the password: no guessing whether the list was showing.
    client.write(DOWN)
    await client.wait_for(lambda t: t.count(COMPANY) >= shown + 2)
    client.write("\r")
    await client.wait_for(lambda t: t.count(COMPANY) == shown + 1)
    await client.settle()
    client.write(PASSWORD + "\r")
    await client.wait_for(lambda t: SIGNED_IN in t and SIGN_IN not in t)
    return conn, client


@dataclass
class Held:
    wanted: int
    signed_in: int = 0
    ramp_seconds: float = 0.0
    stopped: str = ""
    echo: Latency = field(default_factory=Latency)
    lost_keys: int = 0
    memory: Memory | None = None
    failures: list[str] = field(default_factory=list)


async def type_keys(client: Client, args: argparse.Namespace, held: Held) -> None:
    client.write(SEARCH_KEY)
    await client.wait_for(lambda t: SEARCH_TITLE in t)
    await client.settle()
    client.emulate = False
    for typed in range(1, args.keys + 1):
        seconds = 0.0
        try:
            seconds = await client.echo(TYPED, (TYPED * typed).encode())
            held.echo.add(seconds)
        except TimeoutError:
            held.lost_keys += 1
        await asyncio.sleep(max(args.interval - seconds, 0))


async def typist(client: Client, args: argparse.Namespace, held: Held) -> None:
    """One session's turn at typing; a session that cannot is counted, the others go on."""
    try:
        await type_keys(client, args, held)
    except (OSError, RuntimeError, asyncssh.Error) as exc:
        lines = str(exc).splitlines()
        held.failures.append(f"typing: {lines[0] if lines else type(exc).__name__}")


async def hold(args: argparse.Namespace, server: ServerProcess) -> Held:
    held = Held(args.hold)
    sessions: list[tuple[asyncssh.SSHClientConnection, Client]] = []
    gate = asyncio.Semaphore(args.ramp)
    started = time.monotonic()

    async def one() -> None:
        async with gate:
            if held.stopped:
                return
            if mem_available_gib() < args.min_free:
                held.stopped = f"stopped: less than {args.min_free:g} GiB free"
                return
            try:
                sessions.append(await open_signed_in(server.port))
            except (OSError, RuntimeError, asyncssh.Error) as exc:
                held.failures.append(str(exc)[:2000])

    try:
        ramp = asyncio.gather(*(one() for _ in range(args.hold)))
        try:
            await asyncio.wait_for(ramp, args.deadline)
        except TimeoutError:
            held.stopped = f"stopped: the ramp took over {args.deadline:g} s"
        held.signed_in = len(sessions)
        held.ramp_seconds = time.monotonic() - started
        log(f"held: {held.signed_in} signed in after {held.ramp_seconds:.0f}s {held.stopped}")
        for first in range(0, len(sessions), args.typists):
            wave = sessions[first : first + args.typists]
            await asyncio.gather(*(typist(client, args, held) for _, client in wave))
        held.memory = memory(server)
    finally:
        for conn, _ in sessions:
            conn.close()
    return held


def run_hold(args: argparse.Namespace, work: Path) -> Held:
    limits = ["--max-sessions", str(args.hold), "--max-per-address", str(args.hold)]
    limits += ["--max-pre-session", str(args.hold), "--max-pre-session-per-address"]
    limits += [str(args.hold), "--login-grace", "600"]
    server = serve(work, *limits)
    try:
        held = asyncio.run(hold(args, server))
    finally:
        server.stop()
    if held.failures:  # the server's log says what became of them
        kept = Path(tempfile.gettempdir()) / f"etrakit-ssh-sessions-{os.getpid()}.log"
        shutil.copyfile(server.log_path, kept)
        held.failures.append(f"the server's log: {kept}")
    return held


# --------------------------------------------------------------------------- report


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def render(
    args: argparse.Namespace,
    figures: dict[str, ModelFigures] | None,
    held: Held | None,
    loads: tuple[tuple[float, float, float], tuple[float, float, float]],
    dates: tuple[str, str],
) -> str:
    ssh_version = subprocess.run(["ssh", "-V"], capture_output=True, text=True).stderr.strip()
    out = [
        f"<!-- {MARKER} begin -->",
        "## SSH sessions: fork server against exec per session",
        "",
        f"- **Command**: `{' '.join(['python -m bench.ssh_sessions', *args.argv])}`",
        f"- **Date**: {dates[0]} to {dates[1]} (UTC); code {_git()}; exec model: the code "
        f"of `{EXEC_MODEL_REF}` (server and sessions)",
        f"- **Machine**: {_machine()}; load average (1/5/15 min) {_load(loads[0])} at the "
        f"start, {_load(loads[1])} at the end",
        f"- **Server**: `etrakit-tui serve-ssh --demo` on Python {platform.python_version()} "
        f"(fork server's objects immortal: {'yes' if can_immortalize() else 'no'}); "
        f"clients: {ssh_version} (`ssh -tt`, "
        "80x24) for the first screen and memory, asyncssh in one process for the held sessions",
    ]
    if loads[0][0] > 1.0:
        out.append(
            "- **Warning**: the 1-minute load average was above 1.0 at the start: figures "
            "from a busy machine (other work ran beside it); run again on a quiet one"
        )
    rows: list[str] = []
    if figures is not None:
        out += [
            "",
            f"First screen ({args.runs} runs each, alternating) and memory ({args.sessions} "
            "sessions at once; MiB, Σ PSS of the sessions' processes and the fork server / N; "
            "private dirty: one session's process, what N sessions tend to):",
            "",
            "| model | first screen median (s) | p95 (s) | PSS/session at sign-in | signed in "
            "| private dirty at sign-in | signed in |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for model in MODELS:
            f = figures[model]
            a, b = f.sign_in[-1], f.signed_in[-1]
            samples = f.first.samples
            out.append(
                f"| {model} | {percentile(samples, 50):.3f} | {f.first.p95:.3f} | "
                f"{a.pss_per_session:.1f} | {b.pss_per_session:.1f} | {a.private_dirty:.1f} "
                f"| {b.private_dirty:.1f} |"
            )
        fork = figures["fork"]
        first = fork.first.p95
        rows.append(
            f"| first screen, fork server | < {TARGETS['first']:g} s (p95) | {first:.3f} s | "
            f"{verdict(first < TARGETS['first'])} |"
        )
    if held is not None:
        parts = [
            f"{held.signed_in} of {held.wanted} signed in at once (ramp "
            f"{held.ramp_seconds:.0f} s, {args.ramp} at a time)"
            + (f", {held.stopped}" if held.stopped else "")
        ]
        if held.echo.n:
            samples = held.echo.samples
            parts.append(
                f"keystroke echo over {held.echo.n} keys ({args.typists} sessions typing at "
                f"once, {args.keys} keys each, {args.interval:g} s apart): median "
                f"{held.echo.p50 * 1000:.1f} ms, p95 {held.echo.p95 * 1000:.1f} ms, max "
                f"{max(samples) * 1000:.1f} ms; {held.lost_keys} key(s) without echo in 10 s"
            )
            p95 = held.echo.p95
            wanted = f"< {TARGETS['echo'] * 1000:g} ms (p95) at {held.wanted} sessions"
            met = p95 < TARGETS["echo"] and held.signed_in >= held.wanted and not held.lost_keys
            rows.append(f"| keystroke echo | {wanted} | {p95 * 1000:.1f} ms | {verdict(met)} |")
        if held.memory is not None:
            m = held.memory
            parts.append(
                f"memory at the end: {m.pss_per_session:.1f} MiB PSS per session over "
                f"{m.sessions} sessions (private dirty {m.private_dirty:.1f} MiB each; the SSH "
                f"server itself {m.server_pss:.0f} MiB)"
            )
            met = m.pss_per_session <= TARGETS["pss"]
            rows.append(
                f"| PSS per signed-in session ({m.sessions} held) | <= {TARGETS['pss']:g} MiB"
                f" | {m.pss_per_session:.1f} MiB | {verdict(met)} |"
            )
        if held.failures:
            failed = len(held.failures) - 1  # the last line names the kept log
            shown = held.failures[: min(failed, 3)] + held.failures[-1:]
            parts.append(f"{failed} failure(s): {'; '.join(shown)}")
        out += ["", "Held sessions (fork server): " + "; ".join(parts) + "."]
    if rows:
        out += ["", "| target | wanted | measured | verdict |", "| --- | --- | --- | --- |", *rows]
    out += ["", f"<!-- {MARKER} end -->", ""]
    return "\n".join(out)


def write(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else HEADER
    pattern = re.compile(rf"<!-- {MARKER} begin -->.*?<!-- {MARKER} end -->\n?", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ssh_sessions", description=__doc__.split("\n")[0]
    )
    add = parser.add_argument
    add("--runs", type=int, default=10, help="first-screen runs of each model (10)")
    add("--sessions", type=int, default=10, help="sessions at once for memory (10)")
    add("--hold", type=int, default=300, help="sessions held signed in at once (300; 0: skip)")
    add("--ramp", type=int, default=8, help="sessions signing in at once during the ramp (8)")
    add("--typists", type=int, default=30, help="sessions typing at once (30)")
    add("--keys", type=int, default=10, help="keys each typist types (10)")
    add("--interval", type=float, default=0.15, help="seconds between a typist's keys (0.15)")
    add("--min-free", type=float, default=3.0, help="GiB left free; the ramp stops below (3)")
    add("--deadline", type=float, default=900.0, help="seconds the ramp may take (900)")
    add("--skip-compare", action="store_true", help="only the held sessions")
    add("--out", type=Path, default=DEFAULT_OUT, help="report file (bench/RESULTS.md)")
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv
    return args


def _stop(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    work = Path(tempfile.mkdtemp(prefix="etrakit-ssh-sessions-"))
    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    try:
        figures = None if args.skip_compare else compare(args, work)
        held = run_hold(args, work) if args.hold > 0 else None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    finished = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    section = render(args, figures, held, (load_before, os.getloadavg()), (started, finished))
    write(args.out, section)
    log(section)
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

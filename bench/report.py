"""The Markdown report: one section per data size, between ``<!-- bench:N begin/end -->``
markers, so a run replaces its own section of ``bench/RESULTS.md`` and keeps the rest
(other sizes, hand-written notes outside the markers)."""

from __future__ import annotations

import os
import platform
import re
import sqlite3
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from bench.data import BENCH_NOW, BenchData
from bench.paint import FLOOR_TARGET, PAINT_TARGET, PaintResult
from bench.profiles import StatementProfile
from bench.queries import P95_TARGET, RATIO_TARGET, CaseResult
from bench.scheduling import GATE_WAIT_TARGET, ScheduleResult
from bench.signin import CORES, SignInResult
from bench.startup import Program
from bench.stats import SectionLoad, Target, ms, ratio

START_TARGET = 1.15  # issue 14 (was 1.25)
RSS_TARGET = 1.4
PACKAGES = ("textual", "sqlalchemy", "sqlmodel", "pydantic", "psycopg", "argon2-cffi", "pyte")
HEADER = """# Benchmarks

Produced by `python -m bench.run` (see `bench/run.py` for the flags; `make bench` runs the
full 1,000,000-permit size). Each section below is one run at one data size and is
replaced by the next run at that size; text outside the `<!-- bench:... -->` markers is
kept. Targets (issue "Benchmarks") apply at 1,000,000 permits.
"""


@dataclass
class Run:
    """Everything one run measured, and how."""

    permits: int
    seed: int
    command: str
    started: str
    smoke: bool
    load_start: tuple[float, float, float]
    load_end: tuple[float, float, float] = (0.0, 0.0, 0.0)
    finished: str = ""
    pg_version: str = ""
    repetitions: str = ""
    data: list[BenchData] = field(default_factory=list)
    programs: list[Program] = field(default_factory=list)
    cases: list[CaseResult] = field(default_factory=list)
    paints: list[PaintResult] = field(default_factory=list)
    schedules: list[ScheduleResult] = field(default_factory=list)
    signins: list[SignInResult] = field(default_factory=list)
    profiles: list[list[str]] = field(default_factory=list)
    max_load: float | None = None
    """A section runs only when the 1-minute load average is at most this (None: always)."""
    load_wait: float = 0.0
    loads: list[SectionLoad] = field(default_factory=list)

    # ------------------------------------------------------------------ targets

    @property
    def bare(self) -> Program | None:
        return next((p for p in self.programs if p.label.startswith("bare")), None)

    def targets(self) -> list[Target]:
        found: list[Target] = [
            Target(
                load.name,
                f"1-min load average <= {load.limit:g} before it starts",
                f"{load.before[0]:.2f} after waiting {load.waited:.0f} s",
                None,
                "NOT REPORTED",
            )
            for load in self.loads
            if not load.reported and load.limit is not None
        ]
        bare = self.bare
        for program in self.programs:
            if program is bare or bare is None:
                continue
            start = program.start.p50 / bare.start.p50
            rss = program.rss_p50_mib / bare.rss_p50_mib
            found.append(
                Target(
                    f"start, {program.label}",
                    f"<= {START_TARGET}x bare Textual app",
                    f"{start:.2f}x (p50 {ms(program.start.p50)} vs {ms(bare.start.p50)} ms)",
                    start <= START_TARGET,
                )
            )
            found.append(
                Target(
                    f"peak RSS, {program.label}",
                    f"<= {RSS_TARGET}x bare Textual app",
                    f"{rss:.2f}x ({program.rss_p50_mib:.0f} vs {bare.rss_p50_mib:.0f} MiB)",
                    rss <= RSS_TARGET,
                )
            )
        for engine in self.engines:
            mine = [c for c in self.cases if c.engine == engine]
            if mine:
                worst = max(mine, key=lambda c: c.service.p95)
                found.append(
                    Target(
                        f"data time p95, {engine}",
                        f"< {P95_TARGET * 1000:.0f} ms every figure",
                        f"worst {ms(worst.service.p95)} ms ({worst.name})",
                        all(c.service.p95 < P95_TARGET for c in mine),
                    )
                )
                worst = max(mine, key=lambda c: c.ratio_p50)
                found.append(
                    Target(
                        f"data time vs hand-written SQL, {engine}",
                        f"<= {RATIO_TARGET:.0f}x (p50)",
                        f"worst {worst.ratio_p50:.2f}x ({worst.name})",
                        all(c.ratio_p50 <= RATIO_TARGET for c in mine),
                    )
                )
            paints = [p for p in self.paints if p.engine == engine]
            if paints:
                worst_ratio = max(paints, key=lambda p: p.floor_ratio)
                found.append(
                    Target(
                        f"first paint vs the bare three-DataTable floor, {engine}",
                        f"<= {FLOOR_TARGET}x (painted p50)",
                        f"worst {worst_ratio.floor_ratio:.2f}x (p50 "
                        f"{ms(worst_ratio.paint.p50)} vs {ms(worst_ratio.floor_paint.p50)} ms; "
                        f"{worst_ratio.label})",
                        all(p.met for p in paints),
                    )
                )
                worst_paint = max(paints, key=lambda p: p.paint.p95)
                found.append(
                    Target(
                        f"first paint p95, {engine}",
                        f"< {PAINT_TARGET * 1000:.0f} ms",
                        f"worst {ms(worst_paint.paint.p95)} ms ({worst_paint.label})",
                        all(p.absolute_met for p in paints),
                    )
                )
        for sched in self.schedules:
            found.append(
                Target(
                    f"scheduling, {sched.engine}",
                    f">= {sched.rps_target:.0f} requests/s",
                    f"{sched.rps:.0f} requests/s",
                    sched.rps >= sched.rps_target,
                )
            )
            wait = sched.gate_wait(99)
            if wait is not None:
                found.append(
                    Target(
                        f"write gate wait p99, {sched.engine}",
                        f"< {GATE_WAIT_TARGET * 1000:.0f} ms",
                        f"{ms(wait)} ms",
                        wait < GATE_WAIT_TARGET,
                    )
                )
            found.append(
                Target(
                    f"overbooked slots, {sched.engine}",
                    "0",
                    str(sched.overbooked),
                    sched.overbooked == 0 and not _errors(sched),
                )
            )
        return found

    @property
    def engines(self) -> list[str]:
        return [d.engine for d in self.data]

    @property
    def missed(self) -> list[Target]:
        return [t for t in self.targets() if t.met is False]


def _errors(sched: ScheduleResult) -> list[str]:
    return [e for e in sched.errors if e.startswith("ERROR")]


# --------------------------------------------------------------------------- rendering


def _machine() -> str:
    cpu = "?"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as info:
        for line in info:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
                break
    return (
        f"{platform.system()} {platform.release()} {platform.machine()}, {cpu}, "
        f"{os.cpu_count()} cores, {mem} RAM"
    )


def _versions(pg_version: str) -> str:
    parts = [f"Python {platform.python_version()}", f"SQLite {sqlite3.sqlite_version}"]
    if pg_version:
        parts.append(f"PostgreSQL {pg_version}")
    for name in PACKAGES:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(parts)


def _git() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        head = _output(["git", "rev-parse", "--short", "HEAD"], root)
        dirty = _output(["git", "status", "--porcelain"], root)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}{' with uncommitted changes' if dirty else ''}"


def _output(argv: list[str], cwd: Path) -> str:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _load(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:.2f}" for x in load)


def render(run: Run) -> str:
    """The run's section, markers included."""
    title = f"{run.permits:,} permits" + (" (smoke run)" if run.smoke else "")
    out = [
        f"<!-- bench:{run.permits} begin -->",
        f"## {title}",
        "",
        f"- **Command**: `{run.command}`",
        f"- **Date**: {run.started} to {run.finished} (UTC)",
        f"- **Machine**: {_machine()}; shared with other work: load average (1/5/15 min) "
        f"{_load(run.load_start)} at the start, {_load(run.load_end)} at the end",
        f"- **Versions**: {_versions(run.pg_version)}; code {_git()}",
        f"- **Clock**: every service runs at {BENCH_NOW:%Y-%m-%d %H:%M} UTC "
        "(Wednesday 10:00 in Hemet); caches warm (one untimed call per input first)",
        f"- **Repetitions**: {run.repetitions}",
        "",
        "| engine | permits | companies | parcels | inspections | reviews | fees "
        "| typical company | biggest company | data generated in |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for d in run.data:
        c = d.counts
        made = f"{d.generation_seconds:,.0f} s" + (" (cached, reused)" if d.cached else "")
        out.append(
            f"| {d.engine} | {c['permit']:,} | {c['company']:,} | {c['parcel']:,} "
            f"| {c['inspection']:,} | {c['review']:,} | {c['fee']:,} "
            f"| {d.typical.permits:,} permits | {d.big.permits:,} permits | {made} |"
        )
    out += [
        "",
        "### Targets",
        "",
        "| target | wanted | measured | verdict |",
        "| --- | --- | --- | --- |",
    ]
    out += [f"| {t.name} | {t.wanted} | {t.measured} | {t.verdict} |" for t in run.targets()]
    out += _loads(run)
    out += _startup(run) + _not_reported(run, "start-up")
    out += _data_time(run) + _not_reported(run, "data time")
    out += _paint(run) + _not_reported(run, "first paint")
    out += _scheduling(run) + _not_reported(run, "scheduling")
    out += _signin(run) + _not_reported(run, "sign-in")
    out += ["", "### Profiles of missed targets", ""]
    if run.profiles:
        for lines in run.profiles:
            out += [*lines, ""]
    else:
        out.append("No target was missed.")
    out += ["", f"<!-- bench:{run.permits} end -->"]
    return "\n".join(out) + "\n"


def _loads(run: Run) -> list[str]:
    limit = (
        f"A section runs only when the 1-minute load average is at most {run.max_load:g} "
        f"(waiting at most {run.load_wait:.0f} s for it); one that never gets there is not "
        "run and none of its figures is reported."
        if run.max_load is not None
        else "No load limit in this run (`--smoke`, or `--max-load 0`): the load is recorded "
        "only, and the figures may come from a busy machine."
    )
    out = [
        "",
        "### Load average",
        "",
        f"{limit} Load average (1/5/15 min) before and after each section:",
        "",
        "| section | before | after | waited (s) | verdict |",
        "| --- | --- | --- | ---: | --- |",
    ]
    for load in run.loads:
        after = _load(load.after) if load.after is not None else "-"
        out.append(
            f"| {load.name} | {_load(load.before)} | {after} | {load.waited:.0f} | {load.verdict} |"
        )
    return out


def _not_reported(run: Run, prefix: str) -> list[str]:
    """A line for each section starting with ``prefix`` that was not run, and why."""
    out: list[str] = []
    for load in run.loads:
        if load.name.startswith(prefix) and not load.reported:
            out += ["", f"**Not reported: {load.name}**: {load.verdict}."]
    return out


def _startup(run: Run) -> list[str]:
    out = [
        "",
        "### Start-up and memory",
        "",
        "Spawn in an 80x24 PTY until the sign-in text is on the emulated screen (pyte); peak "
        "RSS is the process's `VmHWM` at that moment.",
        "",
        "| program | start p50 (ms) | start p95 (ms) | peak RSS p50 (MiB) | peak RSS max (MiB) "
        "| runs |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for p in run.programs:
        out.append(
            f"| {p.label} | {ms(p.start.p50)} | {ms(p.start.p95)} | {p.rss_p50_mib:.1f} "
            f"| {p.rss_max_mib:.1f} | {p.start.n} |"
        )
    bare = run.bare
    if bare is not None:
        out += [
            "",
            "| ratio to the bare Textual app | start p50 | start p95 | peak RSS p50 |",
            "| --- | ---: | ---: | ---: |",
        ]
        for p in run.programs:
            if p is not bare:
                out.append(
                    f"| {p.label} | {ratio(p.start.p50, bare.start.p50)} "
                    f"| {ratio(p.start.p95, bare.start.p95)} "
                    f"| {ratio(p.rss_p50_mib, bare.rss_p50_mib)} |"
                )
    return out


def _data_time(run: Run) -> list[str]:
    out = [
        "",
        "### Data time",
        "",
        "The read service (what the screen calls) against hand-written SQL for the same rows "
        "(`bench/handsql.py`), alternating on the same inputs. Milliseconds. Targets: p95 < "
        f"{P95_TARGET * 1000:.0f} ms; service p50 <= {RATIO_TARGET:.0f}x hand-written p50.",
        "",
        "| figure | engine | service p50 | service p95 | hand SQL p50 | hand SQL p95 "
        "| ratio p50 | ratio p95 | calls | same rows | targets |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for c in run.cases:
        same = "yes" if not c.mismatches else "NO: " + ", ".join(c.mismatches)
        out.append(
            f"| {c.name} | {c.engine} | {ms(c.service.p50)} | {ms(c.service.p95)} "
            f"| {ms(c.hand.p50)} | {ms(c.hand.p95)} | {c.ratio_p50:.2f}x | {c.ratio_p95:.2f}x "
            f"| {c.service.n} | {same} | {_verdicts(c)} |"
        )
    return out


def _verdicts(case: CaseResult) -> str:
    p95 = "p95 met" if case.service.p95 < P95_TARGET else "p95 MISSED"
    hand = "ratio met" if case.ratio_p50 <= RATIO_TARGET else "ratio MISSED"
    return f"{p95}, {hand}"


def _paint(run: Run) -> list[str]:
    out = [
        "",
        "### First paint",
        "",
        "Headless (`app.run_test()`, 80x24), from pushing the dashboard: *rows held* = its "
        "three tables hold their first page; *painted* = the screen has refreshed after that. "
        "The **floor**, in the same app and alternating with it: a bare screen with three "
        "stock `DataTable`s that reads the same first pages (the same call, in a thread) and "
        f"holds the same rows. Target: dashboard painted p50 <= {FLOOR_TARGET}x the floor's "
        "(issue 14). Milliseconds.",
        "",
        "| dashboard of | engine | painted p50 | painted p95 | rows held p50 | rows held p95 "
        "| floor painted p50 | floor painted p95 | floor rows held p50 | ratio p50 | ratio p95 "
        "| rows in the tables | runs |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: |",
    ]
    for p in run.paints:
        out.append(
            f"| {p.label} | {p.engine} | {ms(p.paint.p50)} | {ms(p.paint.p95)} "
            f"| {ms(p.held.p50)} | {ms(p.held.p95)} | {ms(p.floor_paint.p50)} "
            f"| {ms(p.floor_paint.p95)} | {ms(p.floor_held.p50)} "
            f"| {ratio(p.paint.p50, p.floor_paint.p50)} "
            f"| {ratio(p.paint.p95, p.floor_paint.p95)} | {p.rows} | {p.paint.n} |"
        )
    return out


def _scheduling(run: Run) -> list[str]:
    out = [
        "",
        "### Scheduling",
        "",
        "Concurrent `request_inspections`, one permit each, slots round-robin over a 90-day "
        "window. `one commit` is the median of the cheapest durable write transaction. "
        "Latency: call to answer, each request; gate wait: each write's wait for the SQLite "
        "write gate, gate hold: how long it held it (PostgreSQL has none). Milliseconds.",
        "",
        "| engine | processes | attempts | booked | refused | wall (s) | requests/s "
        "| booked/s | slots in use | overbooked slots | errors | one commit (ms) "
        "| latency p50 | latency p99 | gate wait p50 | gate wait p99 | gate hold p50 "
        "| gate hold p99 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in run.schedules:
        out.append(
            f"| {s.engine} | {s.processes} | {s.attempts} | {s.booked} | {s.refused} "
            f"| {s.wall:.2f} | {s.rps:.0f} | {s.booked_ps:.0f} | {s.slots_used} "
            f"| {s.overbooked} | {len(_errors(s))} | {s.write_floor_ms:.2f} "
            f"| {_ms(s.latency(50))} | {_ms(s.latency(99))} | {_ms(s.gate_wait(50))} "
            f"| {_ms(s.gate_wait(99))} | {_ms(s.gate_hold(50))} | {_ms(s.gate_hold(99))} |"
        )
    for s in run.schedules:
        for line in s.errors[:5]:
            out.append(f"\n- {s.engine}: {line[:300]}")
    return out


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else ms(seconds)


def _signin(run: Run) -> list[str]:
    out = [
        "",
        "### Sign-in",
        "",
        "argon2id with the product's parameters (m=19 MiB, t=2, p=1); `sign_in_company` end "
        "to end (read, verify, audited write). Milliseconds.",
        "",
        "| figure | engine | p50 | p95 | runs |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for s in run.signins:
        if s.hash.n:
            out.append(f"| argon2id hash | - | {ms(s.hash.p50)} | {ms(s.hash.p95)} | {s.hash.n} |")
            out.append(
                f"| argon2id verify | - | {ms(s.verify.p50)} | {ms(s.verify.p95)} | {s.verify.n} |"
            )
        out.append(
            f"| sign_in_company, one process | {s.engine} | {ms(s.sign_in.p50)} "
            f"| {ms(s.sign_in.p95)} | {s.sign_in.n} |"
        )
    out += [
        "",
        "| figure | engine | per second | sign-ins | wall (s) |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for s in run.signins:
        out.append(
            f"| sign-ins per second, {CORES} processes | {s.engine} | {s.per_second:.1f} "
            f"| {s.parallel_count} | {s.parallel_wall:.2f} |"
        )
    return out


def profile_lines(profile: StatementProfile) -> list[str]:
    return profile.lines()


def write(path: Path, run: Run) -> None:
    """Put the run's section into ``path``, replacing an earlier run at the same size."""
    section = render(run)
    text = path.read_text() if path.exists() else HEADER
    pattern = re.compile(
        rf"<!-- bench:{run.permits} begin -->.*?<!-- bench:{run.permits} end -->\n?", re.S
    )
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)

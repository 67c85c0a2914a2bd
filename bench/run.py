"""The benchmark runner: ``python -m bench.run`` (``make bench``).

    python -m bench.run                          # 1,000,000 permits, SQLite and PostgreSQL
    python -m bench.run --permits 100000         # another size (its own RESULTS.md section)
    python -m bench.run --smoke --engines sqlite # tiny: 1,000 permits, a report in a temp file

Data sets are generated once per (permits, seed, generator version) into ``--data-dir``
(default ``/var/tmp/etrakit-bench``; a 1,000,000-permit set takes a long while) and
reused; each run works on a copy. The report section for the run's size goes into
``--out`` (default ``bench/RESULTS.md``); ``--smoke`` writes a temporary file instead
(unless ``--out`` is given) and prints its path on the last line of stdout.

Figures (issue "Benchmarks"): start-up and peak RSS against a bare Textual app
(:mod:`bench.startup`), data time of the read services against hand-written SQL
(:mod:`bench.queries`), first paint of the dashboard against its floor (:mod:`bench.paint`),
concurrent scheduling (:mod:`bench.scheduling`), sign-in cost (:mod:`bench.signin`). Where a
target is missed, the run profiles it (:mod:`bench.profiles`) and puts the profile in the
report.

Load average (issue 14): before each section (start-up; data time, first paint, sign-in
and scheduling on each engine) the runner waits, at most ``--load-wait`` seconds, until the
1-minute load average is at most ``--max-load`` (default 1.0); a section that never gets
there is not run and the report says so, never showing its figures. The load before and
after each section is in the report. ``--smoke`` does not wait (CI machines are busy)
unless ``--max-load`` is given.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bench import paint, profiles, queries, scheduling, signin, startup
from bench.data import SEED, BenchData, PgCluster, log_stderr, prepare_postgres, prepare_sqlite
from bench.data import start_cluster as start_pg_cluster
from bench.report import RSS_TARGET, START_TARGET, Run, write
from bench.stats import quiet_start
from etrakit_tui.domain.permits import dashboard
from etrakit_tui.tui.screens import dashboard as dashboard_screen

ENGINES = ("sqlite", "postgres")
DEFAULT_DATA_DIR = Path("/var/tmp/etrakit-bench")
DEFAULT_OUT = Path(__file__).resolve().parent / "RESULTS.md"
SMOKE_PERMITS = 1000
MAX_LOAD = 1.0
LOAD_WAIT = 600.0
T = TypeVar("T")


@dataclass(frozen=True)
class Plan:
    """How many repetitions of each measurement."""

    start_runs: int
    start_warmup: bool
    data_calls: int
    data_inputs: int
    paint_runs: int
    paint_warmup: bool
    schedule_processes: int
    schedule_per_process: int
    signin_runs: int
    signin_per_process: int
    profile_calls: int

    def describe(self) -> str:
        return (
            f"start-up {self.start_runs} runs per program (after a warm-up: "
            f"{'yes' if self.start_warmup else 'no'}); data time {self.data_calls} calls per "
            f"figure over {self.data_inputs} inputs; first paint {self.paint_runs} runs; "
            f"scheduling {self.schedule_processes} processes x {self.schedule_per_process} "
            "requests; "
            f"sign-in {self.signin_runs} runs, then {signin.CORES} x "
            f"{self.signin_per_process} sign-ins"
        )


FULL = Plan(
    start_runs=15,
    start_warmup=True,
    data_calls=60,
    data_inputs=20,
    paint_runs=20,
    paint_warmup=True,
    schedule_processes=scheduling.PROCESSES,
    schedule_per_process=150,
    signin_runs=20,
    signin_per_process=30,
    profile_calls=10,
)
SMOKE = Plan(
    start_runs=1,
    start_warmup=False,
    data_calls=2,
    data_inputs=2,
    paint_runs=1,
    paint_warmup=False,
    schedule_processes=2,  # the smoke proves the runner works; 8 is the figure's size
    schedule_per_process=4,
    signin_runs=1,
    signin_per_process=1,
    profile_calls=1,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--permits", type=int, default=None,
                        help="bulk permits on top of the demo city (default 1,000,000; "
                             f"{SMOKE_PERMITS:,} with --smoke)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=SEED, help="demo-data seed (default 1)")
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help="comma-separated: sqlite,postgres (default both)")  # fmt: skip
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="report file (default bench/RESULTS.md; with --smoke a temp file)",
    )
    parser.add_argument("--data-dir", type=Path, default=None,
                        help=f"where generated data sets are kept (default {DEFAULT_DATA_DIR}; "
                             "with --smoke a temporary folder)")  # fmt: skip
    parser.add_argument("--smoke", action="store_true",
                        help="tiny run to prove the runner works: few repetitions")  # fmt: skip
    parser.add_argument("--max-load", type=float, default=None, metavar="LOAD",
                        help=f"run a section only when the 1-minute load average is at most "
                             f"LOAD (default {MAX_LOAD:g}; with --smoke no limit); 0 or less: "
                             "no limit")  # fmt: skip
    parser.add_argument("--load-wait", type=float, default=LOAD_WAIT, metavar="SECONDS",
                        help="how long to wait for that before a section is not reported "
                             f"(default {LOAD_WAIT:.0f})")  # fmt: skip
    args = parser.parse_args(argv)
    if args.max_load is None:
        args.max_load = None if args.smoke else MAX_LOAD
    elif args.max_load <= 0:
        args.max_load = None
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = sorted(set(engines) - set(ENGINES))
    if unknown or not engines:
        parser.error(f"--engines takes sqlite and/or postgres, not {', '.join(unknown) or '-'}")
    args.engines = engines
    if args.permits is None:
        args.permits = SMOKE_PERMITS if args.smoke else 1_000_000
    if args.permits < 1:
        parser.error("--permits must be at least 1")
    return args


def _stop(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds: the work copies, the cluster, the children go


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)  # also when started in the background
    plan = SMOKE if args.smoke else FULL
    log = log_stderr
    work = Path(tempfile.mkdtemp(prefix="etrakit-bench-"))
    os.chmod(work, 0o755)
    temporary_data = args.data_dir is None and args.smoke
    data_dir = work / "data" if temporary_data else (args.data_dir or DEFAULT_DATA_DIR)
    data_dir.mkdir(parents=True, exist_ok=True)
    out = args.out or (work.parent / f"{work.name}-report.md" if args.smoke else DEFAULT_OUT)
    run = Run(
        permits=args.permits,
        seed=args.seed,
        command="python -m bench.run " + " ".join(sys.argv[1:] if argv is None else argv),
        started=time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        smoke=args.smoke,
        load_start=os.getloadavg(),
        repetitions=plan.describe(),
        max_load=args.max_load,
        load_wait=args.load_wait,
    )
    cluster: PgCluster | None = None
    datasets: list[BenchData] = []
    multiprocessing.set_forkserver_preload(["bench.scheduling", "bench.signin"])
    try:
        for engine in args.engines:
            if engine == "sqlite":
                datasets.append(prepare_sqlite(data_dir, args.permits, args.seed, work, log))
            else:
                cluster = start_pg_cluster(data_dir, keep=not temporary_data)
                run.pg_version = cluster.version()
                datasets.append(prepare_postgres(cluster, data_dir, args.permits, args.seed, log))
        run.data = datasets
        measure_all(run, plan, datasets, log)
        run.load_end = os.getloadavg()
        run.finished = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
        write(out, run)
    finally:
        for data in datasets:
            data.cleanup()
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    missed = run.missed
    log(f"report: {out} ({len(missed)} target(s) missed)")
    print(out)
    return 0


def measure_all(
    run: Run, plan: Plan, datasets: list[BenchData], log: Callable[[str], None]
) -> None:
    """Every figure, in the order of the report; profiles where a target is missed. Each
    section runs only on a quiet enough machine (:func:`_quiet`)."""
    if _quiet(run, "start-up and memory", log):
        log("start-up and memory")
        starting = datasets[:1] if run.smoke else datasets  # smoke: one engine is enough
        run.programs = [startup.portal(d.url, f"etrakit-tui ({d.engine})") for d in starting]
        run.programs.append(startup.bare())
        imports = bytearray() if run.smoke else None
        startup.measure(run.programs, plan.start_runs, warmup=plan.start_warmup, imports=imports)
        if run.smoke or _start_missed(run):
            run.profiles.append(_start_profile(datasets[0], imports))
        _after(run)

    for data in datasets:
        if not _quiet(run, f"data time ({data.engine})", log):
            continue
        log(f"data time ({data.engine})")
        bench = queries.DataTime(data, plan.data_inputs)
        try:
            results = bench.run(plan.data_calls)
            run.cases += results
            for result in _to_profile(run, results, [r for r in results if not r.met], data):
                run.profiles.append(bench.profile(result.name, plan.profile_calls).lines())
        finally:
            bench.close()
        _after(run)

    for data in datasets:
        if not _quiet(run, f"first paint ({data.engine})", log):
            continue
        log(f"first paint ({data.engine})")
        which = "missed" if not run.smoke else ("first" if data is datasets[0] else "none")
        paints = paint.run_paint(data, plan.paint_runs, profile=which, warmup=plan.paint_warmup)
        run.paints += paints
        for painted in _to_profile(run, paints, [p for p in paints if not p.met], data):
            run.profiles.append(_paint_profile(data, painted, plan.profile_calls))
            run.profiles[-1] += ["", *painted.profile]
        _after(run)

    for data in datasets:
        if not _quiet(run, f"sign-in ({data.engine})", log):
            continue
        log(f"sign-in ({data.engine})")
        run.signins.append(
            signin.run_signin(
                data, plan.signin_runs, plan.signin_per_process, hashes=data is datasets[0]
            )
        )
        _after(run)

    for data in datasets:
        if not _quiet(run, f"scheduling ({data.engine})", log):
            continue
        log(f"scheduling ({data.engine})")
        sched = scheduling.run_scheduling(
            data, plan.schedule_per_process, log, plan.schedule_processes
        )
        run.schedules.append(sched)
        slow = data.engine == "sqlite" and sched.rps < scheduling.RPS_TARGET
        if slow or (run.smoke and data is datasets[0]):
            profile = scheduling.profile_requests(data, max(plan.profile_calls, 2))
            lines = profile.lines()
            lines.insert(1, f"\nOne durable commit alone: {sched.write_floor_ms:.2f} ms.\n")
            run.profiles.append(lines)
        _after(run)


def _quiet(run: Run, section: str, log: Callable[[str], None]) -> bool:
    """Wait for a quiet machine before ``section`` (see the module's docstring); record the
    load average; ``False``: the section is not run, and the report says why."""
    load = quiet_start(section, run.max_load, run.load_wait, log)
    run.loads.append(load)
    if not load.reported:
        log(f"{section}: {load.verdict}")
    return load.reported


def _after(run: Run) -> None:
    """The load average as the section that just ran ended."""
    run.loads[-1].after = os.getloadavg()


def _to_profile(run: Run, results: list[T], missed: list[T], data: BenchData) -> list[T]:
    """What to profile: the missed ones; in a smoke run (which only proves the profilers
    still work) just the first result of the first engine."""
    if run.smoke:
        return results[:1] if data is run.data[0] else []
    return missed


def _start_missed(run: Run) -> bool:
    bare = run.bare
    if bare is None:
        return False
    return any(
        p.start.p50 / bare.start.p50 > START_TARGET or p.rss_p50_mib / bare.rss_p50_mib > RSS_TARGET
        for p in run.programs
        if p is not bare
    )


def _start_profile(data: BenchData, captured: bytearray | None) -> list[str]:
    """Where start-up time and memory go: the real start's import times (captured already,
    or in one more start), and what each step of the import chain adds in a fresh
    interpreter."""
    if captured is None:
        captured = bytearray()
        program = startup.portal(data.url, "etrakit-tui")
        startup.run_once(program, {"PYTHONPROFILEIMPORTTIME": "1"}, captured)
    return [
        f"**Start-up and memory** ({data.engine}): what the imports cost.",
        "",
        *profiles.import_times(bytes(captured)),
        "",
        "Each step of the import chain in a fresh interpreter:",
        "",
        *profiles.import_ladder(),
    ]


def _paint_profile(data: BenchData, result: paint.PaintResult, calls: int) -> list[str]:
    """The read the dashboard waits for before it can show its first pages
    (``permits.dashboard``: the three first pages, read in one call)."""
    db = data.open()
    actor = result.company.actor
    try:

        def load() -> None:
            dashboard.dashboard(db, actor, page_size=dashboard_screen.PAGE_SIZE)

        title = f"first paint's data: the dashboard's first pages, {result.label} ({data.engine})"
        profile = profiles.statement_profile(db, title, load, calls)
    finally:
        db.dispose()
    lines = profile.lines()
    lines.insert(
        1,
        f"\nPainted p50 {result.paint.p50 * 1000:.1f} ms, rows held p50 "
        f"{result.held.p50 * 1000:.1f} ms; the read takes "
        f"{profile.wall / max(profile.calls, 1) * 1000:.1f} ms (in a thread, started as the "
        "screen is composed); the rest is the UI.\n",
    )
    return lines


if __name__ == "__main__":
    sys.exit(main())

"""The benchmark runner keeps working: ``python -m bench.run --smoke`` on 1,000 permits
writes a report with every figure of the issue, each with a number.

No timing is asserted (the machine is shared; the figures belong to ``make bench``): only
that each figure was measured and reported, that the runner found no overbooked slot and
no unexpected error, and that the hand-written SQL returned the same rows as the services.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.pgserver import find_bindir

ROOT = Path(__file__).resolve().parents[2]
NUMBER = re.compile(r"\d")

SECTIONS = (
    "### Targets",
    "### Load average",
    "### Start-up and memory",
    "### Data time",
    "### First paint",
    "### Scheduling",
    "### Sign-in",
    "### Profiles of missed targets",
)
START_ROWS = ("etrakit-tui (sqlite)", "bare Textual app")
DATA_ROWS = (
    "dashboard, first page of 3 lists: typical company",
    "dashboard, first page of 3 lists: biggest company",
    "dashboard, a new connection's first: biggest company",
    "permit detail, all tabs",
    "reviews sorted by due date",
    "search: number prefix",
    "search: address substring (house number + street)",
    "search: address substring (street name only)",
    "search: APN prefix",
)
PAINT_ROWS = ("typical company", "biggest company")


def _rows(report: str, section: str) -> list[list[str]]:
    """The table rows (cells) of one ``###`` section."""
    body = report.split(section, 1)[1].split("\n### ", 1)[0]
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in body.splitlines()
        if line.startswith("|") and not line.startswith("| ---")
    ]


def _row(report: str, section: str, first: str, engine: str | None = None) -> list[str]:
    for cells in _rows(report, section):
        if cells[0].startswith(first) and (engine is None or engine in cells):
            return cells
    raise AssertionError(f"no row {first!r} ({engine}) under {section}:\n{report}")


def _numbers(cells: list[str], count: int) -> None:
    """The first ``count`` cells after the label (and engine) hold numbers."""
    values = [c for c in cells[1:] if c not in ("sqlite", "postgres", "-")]
    assert all(NUMBER.search(v) for v in values[:count]), cells


@pytest.mark.slow
def test_the_smoke_run_reports_every_figure(tmp_path: Path) -> None:
    engines = ["sqlite"] + (["postgres"] if find_bindir() is not None else [])
    out = tmp_path / "report.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--engines", ",".join(engines),
         "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stdout.strip().splitlines()[-1] == str(out)
    report = out.read_text()

    assert "<!-- bench:1000 begin -->" in report and "<!-- bench:1000 end -->" in report
    assert "## 1,000 permits (smoke run)" in report
    for section in SECTIONS:
        assert section in report, section
    for label in START_ROWS:
        _numbers(_row(report, "### Start-up and memory", label), 4)
    for engine in engines:
        for label in DATA_ROWS:
            cells = _row(report, "### Data time", label, engine)
            _numbers(cells, 7)
            assert cells[-2] == "yes", f"hand-written SQL returned other rows: {cells}"
        for label in PAINT_ROWS:
            paint = _row(report, "### First paint", label, engine)
            _numbers(paint, 11)  # the dashboard, its floor and the ratios
        floor = f"first paint vs the bare three-DataTable floor, {engine}"
        assert _row(report, "### Targets", floor)[-1] in ("met", "MISSED")
        sched = _row(report, "### Scheduling", engine)
        _numbers(sched, 11)
        assert sched[2] == "8" and sched[9] == "0" and sched[10] == "0", sched
        _numbers(_row(report, "### Sign-in", "sign_in_company, one process", engine), 3)
        _numbers(_row(report, "### Sign-in", "sign-ins per second", engine), 3)
    for label in ("argon2id hash", "argon2id verify"):
        _numbers(_row(report, "### Sign-in", label), 3)
    # The smoke run waits for no quiet machine, but records the load around each section.
    loads = _rows(report, "### Load average")[1:]
    sections = ["start-up and memory"] + [
        f"{name} ({engine})"
        for name in ("data time", "first paint", "sign-in", "scheduling")
        for engine in engines
    ]
    assert sorted(cells[0] for cells in loads) == sorted(sections)
    for cells in loads:
        _numbers(cells, 3)
        assert cells[-1] == "reported (no load limit)", cells
    assert "per call: SQL" in report  # a statement profile was written
    assert "import (in this order)" in report  # and the start-up profile


def test_a_section_started_on_a_busy_machine_is_not_reported(tmp_path: Path) -> None:
    """The load-average rule (issue 14): a section whose 1-minute load average stays above
    the limit is not run; the report names it NOT REPORTED, with the load, and shows no
    figure for it, while a quiet section is reported. No wait: the limit cannot be met."""
    from bench.report import Run, render
    from bench.stats import SectionLoad, quiet_start

    busy = quiet_start("first paint (sqlite)", -1.0, 0.0, lambda _line: None)
    assert not busy.reported and busy.waited < 60
    free = quiet_start("start-up and memory", None, 0.0, lambda _line: None)
    assert free.reported
    quiet = SectionLoad("data time (sqlite)", (0.4, 0.8, 1.0), 1.0, after=(0.9, 0.8, 1.0))
    loud = SectionLoad("sign-in (sqlite)", (3.25, 2.0, 1.5), 1.0, waited=600.0)
    run = Run(permits=5, seed=1, command="x", started="now", smoke=False, load_start=(0, 0, 0))
    run.max_load, run.load_wait, run.loads = 1.0, 600.0, [quiet, loud]
    report = render(run)
    target = _row(report, "### Targets", "sign-in (sqlite)")
    assert target[-1] == "NOT REPORTED" and "3.25" in target[2], target
    assert _row(report, "### Load average", "data time (sqlite)")[-1].startswith("reported")
    verdict = _row(report, "### Load average", "sign-in (sqlite)")[-1]
    assert verdict == "NOT REPORTED: 1-min load 3.25 > 1 after waiting 600 s", verdict
    assert "**Not reported: sign-in (sqlite)**" in report.split("### Sign-in", 1)[1]
    assert _rows(report, "### Sign-in") == [
        ["figure", "engine", "p50", "p95", "runs"],
        ["figure", "engine", "per second", "sign-ins", "wall (s)"],
    ]  # headers only: no figure


FLOOD_SECTION = "## SSH sign-in with 20 idle sockets open"


@pytest.mark.slow
@pytest.mark.xdist_group("ssh")
def test_the_ssh_flood_runner_writes_its_section(tmp_path: Path) -> None:
    """``python -m bench.ssh_flood`` (one run of each case, 20 idle sockets) replaces its own
    section of the report, keeps the rest, and reports a figure for each case; every run
    reached the sign-in screen. How fast is not asserted."""
    out = tmp_path / "RESULTS.md"
    old = "<!-- bench:ssh-flood-20 begin -->\nold figures\n<!-- bench:ssh-flood-20 end -->\n"
    out.write_text(f"# Benchmarks\n\nhand-written notes\n\n{old}\nmore notes\n")
    done = subprocess.run(
        [sys.executable, "-m", "bench.ssh_flood", "--runs", "1", "--sockets", "20",
         "--attempts", "1", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stdout.strip().splitlines()[-1] == str(out)
    report = out.read_text()

    assert "old figures" not in report and report.count(FLOOD_SECTION) == 1
    assert "hand-written notes" in report and "more notes" in report
    for label in ("no flood", "20 idle sockets open"):
        cells = _row(report, FLOOD_SECTION, label)
        _numbers(cells, 5)
        assert cells[-1] == "0", f"a run never reached the sign-in screen: {cells}"
    verdict = _row(report, FLOOD_SECTION, "sign-in over SSH, flood open")[-1]
    assert verdict in ("met", "MISSED")

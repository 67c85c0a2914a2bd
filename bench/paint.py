"""First paint of the dashboard, headless: ``app.run_test()`` at 80x24, then for each
repetition the company signs in (the app's own ``signed_in``, which pushes the dashboard)
and two clocks run: until each of the three tables holds its first page (rows, or the
empty page with its count: *rows held*), and until the screen has refreshed after that
(``wait_for_refresh``: *painted*, what a person sees). Sign out, repeat. The first
repetition (imports, CSS) is a warm-up and not counted (a smoke run skips it). With
``profile``, one more repetition runs under cProfile (the UI thread's own CPU time) and its
top functions are returned.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.data import BenchData, Company
from bench.stats import Latency

PAINT_TARGET = 0.100
TIMEOUT = 60.0


@dataclass
class PaintResult:
    """First-paint latencies of one company on one engine."""

    label: str
    engine: str
    company: Company
    held: Latency = field(default_factory=Latency)
    paint: Latency = field(default_factory=Latency)
    rows: int = 0
    profile: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return self.paint.p95 < PAINT_TARGET


async def _one(app: Any, screen: Any, company: Company) -> tuple[float, float, int]:
    """Push the dashboard: ``(seconds to rows held, seconds to painted, rows)``."""
    from etrakit_tui.tui.widgets.paged_table import PagedTable

    started = time.perf_counter()
    app.signed_in(company.actor, company.name, screen)
    tables: list[PagedTable[object, object]] = []
    while True:
        if not tables and screen.is_mounted:
            tables = list(screen.query(PagedTable))
        if tables and all(t.total is not None or t.error for t in tables):
            break
        if time.perf_counter() - started > TIMEOUT:
            raise RuntimeError("the dashboard's tables did not load")
        await asyncio.sleep(0.0005)
    held = time.perf_counter() - started
    await screen.wait_for_refresh()
    painted = time.perf_counter() - started
    errors = [t.error for t in tables if t.error]
    if errors:
        raise RuntimeError(f"dashboard table failed: {errors[0]}")
    rows = sum(t.row_count for t in tables)
    app.action_sign_out()
    while app.screen is not app.sign_in_screen:
        await asyncio.sleep(0.001)
    return held, painted, rows


async def _paint(
    data: BenchData, companies: list[tuple[str, Company]], reps: int, profile: str, warmup: bool
) -> list[PaintResult]:
    from etrakit_tui.tui.app import make_app, settle_memory
    from etrakit_tui.tui.screens.dashboard import DashboardScreen

    db = data.open()
    app = make_app(db)
    settle_memory()  # as the portal does once its database layer is loaded (cli.portal.run_portal)
    results = [PaintResult(label, data.engine, company) for label, company in companies]
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            for result in results:
                skip = 1 if warmup else 0
                for rep in range(reps + skip):
                    held, painted, result.rows = await _one(app, DashboardScreen(), result.company)
                    if rep >= skip:  # the first one is the warm-up
                        result.held.add(held)
                        result.paint.add(painted)
                wanted = profile == "first" and result is results[0]
                if wanted or (profile == "missed" and not result.met):
                    profiler = cProfile.Profile(time.thread_time)  # this thread's CPU only
                    profiler.enable()
                    await _one(app, DashboardScreen(), result.company)
                    profiler.disable()
                    result.profile = _top(profiler)
    finally:
        db.dispose()
    return results


def _top(profiler: cProfile.Profile, count: int = 15) -> list[str]:
    """Markdown lines: the functions of the UI thread with the most own time."""
    stats = pstats.Stats(profiler)
    rows = sorted(
        stats.stats.items(),  # type: ignore[attr-defined]
        key=lambda item: -item[1][2],
    )
    total = sum(v[2] for _, v in rows) or 1.0
    lines = [
        f"UI thread under cProfile (its own CPU time, not the loader threads' nor the wait "
        f"for the GIL), one dashboard push: {total * 1000:.0f} ms (profiling slows it down). "
        "Functions with the most own time:",
        "",
        "| function | own ms | share | calls |",
        "| --- | ---: | ---: | ---: |",
    ]
    for (path, line, name), (_cc, calls, own, _cum, _callers) in rows[:count]:
        where = "/".join(Path(path).parts[-2:]) if path != "~" else "builtin"
        lines.append(
            f"| `{where}:{line} {name}` | {own * 1000:.1f} | {own / total:.0%} | {calls} |"
        )
    return lines


def run_paint(
    data: BenchData, reps: int, profile: str = "missed", warmup: bool = True
) -> list[PaintResult]:
    """First paint for the typical and the biggest company on one engine; a cProfile of
    the UI for each that misses the target (``profile="missed"``), for the first company
    (``"first"``) or none (``"none"``)."""
    companies = [
        (f"typical company ({data.typical.permits:,} permits)", data.typical),
        (f"biggest company ({data.big.permits:,} permits)", data.big),
    ]
    return asyncio.run(_paint(data, companies, reps, profile, warmup))

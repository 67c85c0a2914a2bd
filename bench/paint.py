"""First paint of the dashboard against its floor, headless: ``app.run_test()`` at 80x24.

For each repetition the company signs in (the app's own ``signed_in``, which pushes the
dashboard) and two clocks run: until each of the three tables holds its first page (rows,
or the empty page with its count: *rows held*), and until the screen has refreshed after
that (``wait_for_refresh``: *painted*, what a person sees). Sign out. Then, in the same
app, the **floor**: a bare screen (:class:`FloorScreen`) with three stock ``DataTable``
widgets that reads the same first pages in a thread worker (the same ``permits.dashboard``
call) and adds the same rows, with the same two clocks. Dashboard and floor alternate, so
load from elsewhere on the machine hits both alike; the target is the ratio (issue 14: painted
p50 <= 1.2x the floor's). The first repetition of each (imports, CSS) is a warm-up and not
counted (a smoke run skips it). With ``profile``, one more dashboard repetition runs under
cProfile (the UI thread's own CPU time) and its top functions are returned.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable

from bench.data import BenchData, Company
from bench.stats import Latency

PAINT_TARGET = 0.100
FLOOR_TARGET = 1.2
"""Issue 14: the dashboard's painted p50 at most this many times the floor's."""
TIMEOUT = 60.0


@dataclass
class PaintResult:
    """First-paint latencies of one company on one engine."""

    label: str
    engine: str
    company: Company
    held: Latency = field(default_factory=Latency)
    paint: Latency = field(default_factory=Latency)
    floor_held: Latency = field(default_factory=Latency)
    floor_paint: Latency = field(default_factory=Latency)
    rows: int = 0
    floor_rows: int = 0
    profile: list[str] = field(default_factory=list)

    @property
    def floor_ratio(self) -> float:
        """Painted p50 over the floor's painted p50."""
        return self.paint.p50 / self.floor_paint.p50 if self.floor_paint.n else float("inf")

    @property
    def met(self) -> bool:
        """The issue-14 target: painted within :data:`FLOOR_TARGET` of the floor."""
        return self.floor_ratio <= FLOOR_TARGET

    @property
    def absolute_met(self) -> bool:
        """The earlier target: painted p95 under :data:`PAINT_TARGET`."""
        return self.paint.p95 < PAINT_TARGET


async def _held_and_painted(
    screen: Any, started: float, loaded: Callable[[], bool], what: str
) -> tuple[float, float]:
    """Seconds from ``started`` until ``loaded()`` (polled every 0.5 ms: the rows held) and
    until the screen has painted them; the dashboard and its floor are timed alike."""
    while not loaded():
        if time.perf_counter() - started > TIMEOUT:
            raise RuntimeError(f"{what} did not load")
        await asyncio.sleep(0.0005)
    held = time.perf_counter() - started
    await screen.wait_for_refresh()
    return held, time.perf_counter() - started


async def _one(app: Any, screen: Any, company: Company) -> tuple[float, float, int]:
    """Push the dashboard: ``(seconds to rows held, seconds to painted, rows)``."""
    from etrakit_tui.tui.widgets.paged_table import PagedTable

    started = time.perf_counter()
    app.signed_in(company.actor, company.name, screen)
    tables: list[PagedTable[object, object]] = []

    def loaded() -> bool:
        if not tables and screen.is_mounted:
            tables.extend(screen.query(PagedTable))
        return bool(tables) and all(t.total is not None or t.error for t in tables)

    held, painted = await _held_and_painted(screen, started, loaded, "the dashboard's tables")
    errors = [t.error for t in tables if t.error]
    if errors:
        raise RuntimeError(f"dashboard table failed: {errors[0]}")
    rows = sum(t.row_count for t in tables)
    app.action_sign_out()
    while app.screen is not app.sign_in_screen:
        await asyncio.sleep(0.001)
    return held, painted, rows


class FloorScreen(Screen[None]):
    """The floor: three stock ``DataTable`` widgets with the dashboard's columns, filled with
    the same first pages, read the same way (one ``permits.dashboard`` call in a thread,
    started as the screen is composed). Nothing else: no header, greeting, footer, counts,
    paging or styles of the portal's own."""

    def __init__(self, db: Any, actor: Any) -> None:
        super().__init__()
        self.db, self.actor = db, actor
        self.held = False
        self.rows = 0
        self.error: BaseException | None = None

    def compose(self) -> ComposeResult:
        from etrakit_tui.tui.screens import dashboard as screen

        columns = (
            screen.ACTIVE_PERMIT_COLUMNS,
            screen.ACTIVE_INSPECTION_COLUMNS,
            screen.EXPIRED_PERMIT_COLUMNS,
        )
        self.tables = [DataTable[Any]() for _ in columns]
        for table, wanted in zip(self.tables, columns, strict=True):
            table.add_columns(*(column.label for column in wanted))
        self.run_worker(self._read, thread=True, exit_on_error=False)
        yield from self.tables

    def _read(self) -> None:
        from etrakit_tui.domain.permits import dashboard as permits_dashboard
        from etrakit_tui.tui.screens import dashboard as screen

        try:
            pages = screen.first_pages(
                permits_dashboard.dashboard(self.db, self.actor, page_size=screen.PAGE_SIZE)
            )
        except Exception as exc:  # the bench reports it
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._fill, pages)

    def _fill(self, pages: tuple[Any, ...]) -> None:
        from etrakit_tui.tui.screens import dashboard as screen

        cells = (
            screen.active_permit_cells,
            screen.active_inspection_cells,
            screen.expired_permit_cells,
        )
        for table, page, make in zip(self.tables, pages, cells, strict=True):
            table.add_rows(make(item) for item in page.items)
            self.rows += len(page.items)
        self.held = True

    def _failed(self, exc: BaseException) -> None:
        self.error = exc


async def _floor(app: Any, screen: FloorScreen) -> tuple[float, float, int]:
    """Push the floor: ``(seconds to rows held, seconds to painted, rows)``; pop it."""
    started = time.perf_counter()
    await app.push_screen(screen)

    def loaded() -> bool:
        return screen.held or screen.error is not None

    held, painted = await _held_and_painted(screen, started, loaded, "the floor's tables")
    if screen.error is not None:
        raise RuntimeError(f"the floor's read failed: {screen.error}")
    await app.pop_screen()
    return held, painted, screen.rows


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
                    floor = FloorScreen(db, result.company.actor)
                    floor_held, floor_painted, result.floor_rows = await _floor(app, floor)
                    if rep >= skip:  # the first one is the warm-up
                        result.held.add(held)
                        result.paint.add(painted)
                        result.floor_held.add(floor_held)
                        result.floor_paint.add(floor_painted)
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

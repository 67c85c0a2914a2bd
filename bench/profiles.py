"""Profiles for missed targets: where a service's time goes (per SQL statement, with the
database's plan of the slowest), and what start-up imports cost in time and memory.

:func:`statement_profile` hooks SQLAlchemy's cursor events to record every statement (and
its parameters) a few calls of the service run, then replays each SELECT on the raw
driver (execute and fetch every row, as the service did: SQLite produces rows while they
are fetched, so timing ``execute`` alone would miss most of its work). The call's time
is split into that SQL time and the rest: Python (ORM, read models, rules). The slowest
statement is then EXPLAINed: ``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN (ANALYZE,
BUFFERS)`` on PostgreSQL (inside a rolled-back transaction).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event

from etrakit_tui.domain.store.db import Database


@dataclass
class _Statement:
    text: str
    calls: int = 0
    seconds: float = 0.0
    params: list[Any] = field(default_factory=list)


@dataclass
class StatementProfile:
    """What :func:`statement_profile` found (per call of the profiled function)."""

    title: str
    calls: int
    wall: float
    statements: list[_Statement] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)

    @property
    def sql_seconds(self) -> float:
        return sum(s.seconds for s in self.statements)

    def lines(self) -> list[str]:
        """Markdown lines: totals, the top statements, the slowest one's plan."""
        per = self.calls or 1
        wall, sql = self.wall / per, self.sql_seconds / per
        count = sum(s.calls for s in self.statements) / per
        rest = wall - sql
        rest_text = (
            f"{rest * 1000:.1f} ms"
            if rest >= 0
            else "about 0 ms (the replay ran slower than the calls: load from elsewhere)"
        )
        out = [
            f"**{self.title}** — {wall * 1000:.1f} ms per call: SQL {sql * 1000:.1f} ms "
            f"in {count:.0f} statements (replayed on the raw driver, execute + fetch); "
            f"the rest (Python: building statements, ORM, read models, rules; commits): "
            f"{rest_text}.",
            "",
            "| share of call | ms per call | statements | SQL |",
            "| ---: | ---: | ---: | --- |",
        ]
        for s in sorted(self.statements, key=lambda s: -s.seconds)[:3]:
            share = s.seconds / self.wall if self.wall else 0.0
            sql_text = " ".join(s.text.split())
            if len(sql_text) > 220:
                sql_text = sql_text[:217] + "..."
            sql_text = sql_text.replace("|", "\\|")
            out.append(
                f"| {share:.0%} | {s.seconds / per * 1000:.2f} | {s.calls / per:.0f} "
                f"| `{sql_text}` |"
            )
        if self.plan and sql >= 0.25 * wall:  # the plan matters where SQL is the cost
            out += ["", "Plan of the slowest statement:", "", "```", *self.plan, "```"]
        return out


def statement_profile(
    db: Database, title: str, fn: Callable[[], Any], calls: int = 10
) -> StatementProfile:
    """Run ``fn`` ``calls`` times with every SQL statement timed; EXPLAIN the slowest."""
    found: dict[str, _Statement] = {}

    def before(conn: Any, *_: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        elapsed = time.perf_counter() - conn.info.pop("bench_started")
        entry = found.setdefault(statement, _Statement(statement))
        entry.calls += 1
        entry.seconds += elapsed
        entry.params.append(parameters)

    engine: Engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        fn()  # warm
        found.clear()
        started = time.perf_counter()
        for _ in range(calls):
            fn()
        wall = time.perf_counter() - started
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    profile = StatementProfile(title, calls, wall, list(found.values()))
    _replay(engine, profile.statements)
    if profile.statements:
        slowest = max(profile.statements, key=lambda s: s.seconds)
        profile.plan = explain(engine, slowest.text, slowest.params[0])
    return profile


def _is_read(statement: str) -> bool:
    return statement.lstrip().upper().startswith(("SELECT", "WITH"))


def _replay(engine: Engine, statements: list[_Statement]) -> None:
    """Time each recorded SELECT again on the raw driver, execute plus fetch, in one
    read transaction; writes keep the time their ``execute`` took."""
    raw = engine.raw_connection()
    sqlite = engine.dialect.name == "sqlite"
    try:
        cursor = raw.cursor()
        if sqlite:
            cursor.execute("BEGIN")
        for entry in statements:
            if not _is_read(entry.text) or "FOR UPDATE" in entry.text.upper():
                continue
            total = 0.0
            for params in entry.params:
                started = time.perf_counter()
                cursor.execute(entry.text, params if sqlite else (params or None))
                cursor.fetchall()
                total += time.perf_counter() - started
            entry.seconds = total
    finally:
        if sqlite:
            raw.cursor().execute("ROLLBACK")
        else:
            raw.rollback()
        raw.close()


def explain(engine: Engine, statement: str, params: Any) -> list[str]:
    """The database's plan for ``statement`` with ``params`` (never changes anything)."""
    if not _is_read(statement):
        return []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, params or ())
            rows = cursor.fetchall()
            return [f"{r[0]:>3} {r[1]:>3}  {r[3]}" for r in rows]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params or None)
        lines = [str(r[0]) for r in cursor.fetchall()]
        raw.rollback()
        return lines[:40]
    except Exception as exc:  # a plan is a nicety: say why it is missing
        return [f"(no plan: {type(exc).__name__}: {exc})"]
    finally:
        raw.close()


# --------------------------------------------------------------------------- imports

IMPORT_LADDER = (
    "textual.app",
    "textual.widgets",
    "sqlalchemy",
    "pydantic",
    "sqlmodel",
    "etrakit_tui.settings",
    "etrakit_tui.domain.store.models",
    "etrakit_tui.domain.store.db",
    "argon2",
    "etrakit_tui.domain.accounts.hashing",
    "etrakit_tui.domain.accounts.auth",
    "alembic",
    "etrakit_tui.domain.store.schema",
    "etrakit_tui.cli",
    "etrakit_tui.tui.app",
    "etrakit_tui.tui.screens.login",
)
"""Imported in this order in a fresh process; each step is charged what it adds (what a
start on SQLite imports; PostgreSQL adds ``psycopg``)."""

_LADDER_SCRIPT = """
import importlib, json, sys, time
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1])
out = [["(interpreter)", 0.0, status("VmHWM:"), status("VmRSS:")]]
for name in sys.argv[1:]:
    t = time.perf_counter()
    importlib.import_module(name)
    out.append([name, time.perf_counter() - t, status("VmHWM:"), status("VmRSS:")])
print(json.dumps(out))
"""


def import_ladder(modules: Sequence[str] = IMPORT_LADDER) -> list[str]:
    """Markdown lines: what each step of the start-up imports adds (time, peak RSS)."""
    result = subprocess.run(
        [sys.executable, "-c", _LADDER_SCRIPT, *modules],
        capture_output=True,
        text=True,
        check=True,
    )
    steps = json.loads(result.stdout)
    lines = [
        "| import (in this order) | adds ms | RSS after (MiB) | adds MiB | peak RSS after (MiB) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    previous = 0
    for name, seconds, peak_kib, rss_kib in steps:
        lines.append(
            f"| `{name}` | {seconds * 1000:.0f} | {rss_kib / 1024:.1f} "
            f"| {(rss_kib - previous) / 1024:+.1f} | {peak_kib / 1024:.1f} |"
        )
        previous = rss_kib
    return lines


def import_times(captured: bytes, top: int = 12) -> list[str]:
    """Markdown lines: the top-level imports of a real start (``-X importtime`` output
    captured from its terminal), by cumulative time."""
    found: list[tuple[int, int, str]] = []
    for raw in captured.decode("utf-8", "replace").splitlines():
        line = raw.rsplit("import time:", 1)[-1] if "import time:" in raw else ""
        parts = line.split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        name = parts[2].rstrip()
        depth = len(name) - len(name.lstrip())
        found.append((depth, int(parts[1]), name.strip()))
    if not found:
        return ["(no import times captured)"]
    base = min(d for d, _, _ in found)
    roots = sorted((f for f in found if f[0] == base), key=lambda f: -f[1])
    total = sum(us for _, us, _ in roots)
    lines = [
        f"All imports of a real start: {total / 1000:.0f} ms. Top-level packages by "
        "cumulative import time:",
        "",
        "| top-level import | cumulative ms | share |",
        "| --- | ---: | ---: |",
    ]
    for _, us, name in roots[:top]:
        lines.append(f"| `{name}` | {us / 1000:.0f} | {us / total:.0%} |")
    return lines

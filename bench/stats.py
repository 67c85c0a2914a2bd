"""Timing helpers and the figures a run collects.

Percentiles are nearest-rank (p95 of 20 samples is the 19th smallest), so every reported
value is one that was actually measured. Durations are in seconds internally and printed
in milliseconds.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile ``q`` (0-100) of ``samples`` (not empty)."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """``(seconds, result)`` of one call."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


@dataclass
class Latency:
    """Samples of one latency, in seconds."""

    samples: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.samples.append(seconds)

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def p50(self) -> float:
        return percentile(self.samples, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)


def ms(seconds: float) -> str:
    """``0.01234`` -> ``"12.3"`` (milliseconds, 3 significant figures or one decimal)."""
    value = seconds * 1000
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def ratio(a: float, b: float) -> str:
    """``a / b`` as ``"1.23x"`` (``"n/a"`` when ``b`` is 0)."""
    return f"{a / b:.2f}x" if b > 0 else "n/a"


@dataclass(frozen=True)
class Target:
    """One target of the issue and whether this run met it (``None``: not checked)."""

    name: str
    wanted: str
    measured: str
    met: bool | None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.met is None:
            return self.note or "not checked"
        return "met" if self.met else "MISSED"


# --------------------------------------------------------------------------- load average

Load = tuple[float, float, float]


@dataclass
class SectionLoad:
    """The machine's load average around one section of a run (issue 14: a section is only
    reported when the 1-minute load average was at most ``limit`` before it started)."""

    name: str
    before: Load
    limit: float | None
    waited: float = 0.0
    after: Load | None = None

    @property
    def reported(self) -> bool:
        return self.limit is None or self.before[0] <= self.limit

    @property
    def verdict(self) -> str:
        if self.limit is None:
            return "reported (no load limit)"
        if self.reported:
            return f"reported (1-min load <= {self.limit:g} before it started)"
        return (
            f"NOT REPORTED: 1-min load {self.before[0]:.2f} > {self.limit:g} "
            f"after waiting {self.waited:.0f} s"
        )


def quiet_start(
    name: str,
    limit: float | None,
    max_wait: float,
    log: Callable[[str], None],
    poll: float = 10.0,
) -> SectionLoad:
    """Wait (at most ``max_wait`` seconds) until the 1-minute load average is at most
    ``limit``; the section may run if :attr:`SectionLoad.reported`. ``limit`` None: no
    wait (a smoke run: CI machines are busy), the load is only recorded."""
    started = time.monotonic()
    load = os.getloadavg()
    if limit is not None and load[0] > limit:
        log(f"{name}: 1-min load average {load[0]:.2f} > {limit:g}; waiting (at most "
            f"{max_wait:.0f} s)")  # fmt: skip
        while load[0] > limit and time.monotonic() - started < max_wait:
            time.sleep(min(poll, max(0.0, max_wait - (time.monotonic() - started))))
            load = os.getloadavg()
    return SectionLoad(name, load, limit, waited=time.monotonic() - started)

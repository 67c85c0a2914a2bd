"""Sign-in cost: argon2id per hash and per verification (the product's parameters), one
``sign_in_company`` end to end, and sign-ins per second with one process per core (2)
signing in demo companies (their real passwords) over and over."""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass, field
from typing import Any

from bench.data import BENCH_NOW, BenchData
from bench.stats import Latency, timed
from etrakit_tui.democity.demo import DEMO_CREDENTIALS
from etrakit_tui.domain.accounts.auth import sign_in_company
from etrakit_tui.domain.accounts.hashing import hash_secret, verify_secret
from etrakit_tui.domain.store.db import Database, FixedClock, make_engine
from etrakit_tui.settings import DEFAULT_JURISDICTION

CORES = 2
COMPANIES = [c for c in DEMO_CREDENTIALS if c.who == "contractor"]


@dataclass
class SignInResult:
    engine: str
    hash: Latency = field(default_factory=Latency)
    verify: Latency = field(default_factory=Latency)
    sign_in: Latency = field(default_factory=Latency)
    parallel_count: int = 0
    parallel_wall: float = 0.0

    @property
    def per_second(self) -> float:
        return self.parallel_count / self.parallel_wall if self.parallel_wall else 0.0


def _worker(url: str, name: str, secret: str, count: int, barrier: Any, results: Any) -> None:
    """One process: ``count`` sign-ins of one company, after the barrier."""
    db = Database(make_engine(url), DEFAULT_JURISDICTION, FixedClock(BENCH_NOW))
    sign_in_company(db, name, secret)  # warm: connection, imports
    barrier.wait()
    started = time.monotonic()
    for _ in range(count):
        sign_in_company(db, name, secret)
    ended = time.monotonic()
    db.dispose()
    results.put((count, started, ended))


def run_signin(data: BenchData, reps: int, per_process: int, hashes: bool) -> SignInResult:
    """Hash/verify latency (when ``hashes``), sign-in latency, sign-ins/s on 2 processes."""
    result = SignInResult(data.engine)
    if hashes:
        stored = hash_secret("correct horse battery")
        for _ in range(reps):
            result.hash.add(timed(lambda: hash_secret("correct horse battery"))[0])
            result.verify.add(timed(lambda: verify_secret(stored, "correct horse battery"))[0])
    db = data.open()
    try:
        who = next(c for c in COMPANIES if "PIN" not in c.who)
        sign_in_company(db, who.sign_in, who.secret)
        for _ in range(reps):
            result.sign_in.add(timed(lambda: sign_in_company(db, who.sign_in, who.secret))[0])
    finally:
        db.dispose()
    usable = [c for c in COMPANIES if "PIN" not in c.who]
    ctx = multiprocessing.get_context("forkserver")
    barrier = ctx.Barrier(CORES)
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=_worker,
            args=(
                data.url,
                usable[k % len(usable)].sign_in,
                usable[k % len(usable)].secret,
                per_process,
                barrier,
                results,
            ),
        )
        for k in range(CORES)
    ]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    result.parallel_count = sum(o[0] for o in outcomes)
    result.parallel_wall = max(o[2] for o in outcomes) - min(o[1] for o in outcomes)
    return result

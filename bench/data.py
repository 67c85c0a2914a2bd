"""The benchmark's databases: the demo city plus ``demo-data`` bulk permits, generated once
per (permits, seed, generator version) and kept in a data directory, then copied for each
run (the runs write: sign-ins, scheduling).

* SQLite: ``<data-dir>/sqlite/etrakit-n<N>-s<seed>-<fp>.db``; each run works on a copy.
* PostgreSQL: a cluster kept in ``<data-dir>/postgres-<major>/`` (started for the run on a
  free loopback port), one database ``bench_n<N>_s<seed>_<fp>`` per data set; each run
  works on ``CREATE DATABASE ... TEMPLATE`` of it. After generation it is ``VACUUM
  ANALYZE``-d (what autovacuum reaches by itself); SQLite gets no ``ANALYZE``, as the
  product never runs one.

``<fp>`` is a hash of the generator's and the schema's source, so a changed generator or
migration never reuses stale data. Everything runs at the fixed :data:`BENCH_NOW`, so a
cached data set means the same "today" whenever it is used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import text

from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.store.db import Database, FixedClock, make_engine
from etrakit_tui.settings import DEFAULT_JURISDICTION, Jurisdiction
from tests.support.pgserver import PgServer, find_bindir

BENCH_NOW = datetime(2026, 11, 18, 18, 0, tzinfo=UTC)
"""Wednesday 10:00 in Hemet: the clock of every generation and every measurement."""

SEED = 1
PACKAGE = Path(__file__).resolve().parent.parent / "src" / "etrakit_tui"
GENERATOR_SOURCES = (
    "democity/bulk.py",
    "democity/citybuilder.py",
    "democity/citygen.py",
    "democity/demo.py",
    "democity/rows.py",
    "domain/permits/catalog.py",
    "domain/store/models.py",
)

Log = Callable[[str], None]


def log_stderr(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def fingerprint() -> str:
    """Ten hex digits naming the generator and schema version."""
    digest = hashlib.sha256()
    paths = [PACKAGE / name for name in GENERATOR_SOURCES]
    paths += sorted((PACKAGE / "domain" / "store" / "migrations" / "versions").glob("*.py"))
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


@dataclass(frozen=True)
class Company:
    """A company actor and how many permits it is named on."""

    id: int
    name: str
    permits: int

    @property
    def actor(self) -> Actor:
        return Actor(ActorKind.COMPANY, self.id, self.name)


@dataclass
class BenchData:
    """One engine's working database for this run."""

    engine: str
    url: str
    cached: bool
    generation_seconds: float
    counts: dict[str, int]
    typical: Company
    big: Company
    cleanup: Callable[[], None] = field(default=lambda: None)

    def open(self, jurisdiction: Jurisdiction = DEFAULT_JURISDICTION) -> Database:
        """A :class:`Database` on the working copy at :data:`BENCH_NOW`."""
        return Database(make_engine(self.url), jurisdiction, FixedClock(BENCH_NOW))


# --------------------------------------------------------------------------- building


def _build(url: str, permits: int, seed: int, log: Log, label: str) -> dict[str, Any]:
    """Migrate, build the demo city, add the bulk permits; return the meta to cache."""
    from etrakit_tui.democity.bulk import generate
    from etrakit_tui.democity.demo import build_demo
    from etrakit_tui.domain.store.schema import upgrade

    db = Database(make_engine(url), DEFAULT_JURISDICTION, FixedClock(BENCH_NOW))
    try:
        started = time.perf_counter()
        upgrade(db.engine)
        build_demo(db)
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.perf_counter()
            if now - last[0] > 30 or done == total:
                last[0] = now
                log(f"{label}: {done:,}/{total:,} permits ({now - started:.0f} s)")

        generate(db, permits=permits, seed=seed, progress=progress)
        seconds = time.perf_counter() - started
        return {"generation_seconds": seconds, **_describe(db)}
    finally:
        db.dispose()


def _describe(db: Database) -> dict[str, Any]:
    """Row counts, the biggest company and a typical (median) one."""
    tables = ("permit", "company", "parcel", "inspection", "review", "fee", "permit_contact")
    with db.read() as s:
        counts = {t: int(s.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()) for t in tables}
        per_company = s.execute(
            text(
                "SELECT c.id, c.name, COUNT(DISTINCT pc.permit_id) AS n FROM company c "
                "JOIN permit_contact pc ON pc.company_id = c.id GROUP BY c.id, c.name "
                "ORDER BY n DESC, c.id"
            )
        ).all()
    big = per_company[0]
    typical = per_company[len(per_company) // 2]
    return {
        "counts": counts,
        "big": [int(big[0]), str(big[1]), int(big[2])],
        "typical": [int(typical[0]), str(typical[1]), int(typical[2])],
    }


def _data(engine: str, url: str, cached: bool, meta: dict[str, Any]) -> BenchData:
    return BenchData(
        engine=engine,
        url=url,
        cached=cached,
        generation_seconds=float(meta["generation_seconds"]),
        counts={k: int(v) for k, v in meta["counts"].items()},
        typical=Company(*meta["typical"]),
        big=Company(*meta["big"]),
    )


# --------------------------------------------------------------------------- SQLite


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal", ".writelock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def prepare_sqlite(data_dir: Path, permits: int, seed: int, work_dir: Path, log: Log) -> BenchData:
    """The cached SQLite data set (generated if missing) and a working copy of it."""
    key = f"etrakit-n{permits}-s{seed}-{fingerprint()}"
    folder = data_dir / "sqlite"
    folder.mkdir(parents=True, exist_ok=True)
    cached_db, meta_path = folder / f"{key}.db", folder / f"{key}.json"
    cached = cached_db.exists() and meta_path.exists()
    if not cached:
        partial = folder / f"{key}.partial.db"
        _remove_sqlite(partial)
        log(f"sqlite: generating {permits:,} permits (seed {seed}) into {cached_db}")
        meta = _build(f"sqlite:///{partial}", permits, seed, log, "sqlite")
        engine = make_engine(f"sqlite:///{partial}")
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        os.replace(partial, cached_db)
        _remove_sqlite(partial)
        meta_path.write_text(json.dumps(meta, indent=1))
    else:
        log(f"sqlite: reusing {cached_db}")
    meta = json.loads(meta_path.read_text())
    work = work_dir / "sqlite-run.db"
    shutil.copyfile(cached_db, work)
    data = _data("sqlite", f"sqlite:///{work}", cached, meta)
    data.cleanup = lambda: _remove_sqlite(work)
    return data


# --------------------------------------------------------------------------- PostgreSQL


@dataclass
class PgCluster(PgServer):
    """A PostgreSQL cluster for benchmarks: kept in ``root`` across runs (``initdb`` only the
    first time) unless ``keep`` is false, and run with durable settings (``fsync`` and
    ``synchronous_commit`` on, unlike the test server) so write figures mean something."""

    keep: bool = True
    shared_buffers: str = "512MB"

    def start(self) -> PgCluster:
        data = self.root / "data"
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        if not (data / "PG_VERSION").exists():
            subprocess.run(
                [*self._as_postgres, str(self.bindir / "initdb"), "-D", str(data),
                 "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"],
                check=True, capture_output=True,
            )  # fmt: skip
        self.proc = subprocess.Popen(
            [*self._as_postgres, str(self.bindir / "postgres"), "-D", str(data),
             "-h", "127.0.0.1", "-p", str(self.port), "-k", str(self.root),
             "-c", f"shared_buffers={self.shared_buffers}", "-c", "max_connections=100"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                with psycopg.connect(self.admin_dsn, connect_timeout=2):
                    return self
            except psycopg.OperationalError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL did not start in {self.root}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        """Fast shutdown of the postmaster itself (``runuser`` does not pass SIGINT on, and
        killing it would orphan the server), then wait for it."""
        if self.proc is not None:
            try:
                pid_file = self.root / "data" / "postmaster.pid"
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
            except (OSError, ValueError, IndexError):
                self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def version(self) -> str:
        with psycopg.connect(self.admin_dsn) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "?"

    def exists(self, name: str) -> bool:
        with psycopg.connect(self.admin_dsn) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            return found.fetchone() is not None

    def databases(self, prefix: str) -> list[str]:
        """Names of the databases starting with ``prefix``."""
        with psycopg.connect(self.admin_dsn) as conn:
            rows = conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", (prefix + "%",)
            )
            return [str(r[0]) for r in rows.fetchall()]

    def admin(self, sql: str) -> None:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(sql)


def start_cluster(data_dir: Path, *, keep: bool) -> PgCluster:
    """Start the benchmark cluster kept under ``data_dir`` (created on first use)."""
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    root = data_dir / f"postgres-{bindir.parent.name}"
    if os.geteuid() == 0:
        _check_reachable(root)
    return PgCluster(bindir, root=root, keep=keep).start()


def _check_reachable(root: Path) -> None:
    """As root the server runs as ``postgres``: every parent folder must let it through."""
    for parent in root.resolve().parents:
        if parent.exists() and not os.stat(parent).st_mode & 0o001:
            raise RuntimeError(
                f"{parent} is not searchable by the postgres user: "
                "pick a --data-dir under /var/tmp or /tmp"
            )


def prepare_postgres(
    cluster: PgCluster, data_dir: Path, permits: int, seed: int, log: Log
) -> BenchData:
    """The cached PostgreSQL data set (generated if missing) and a working copy of it."""
    name = f"bench_n{permits}_s{seed}_{fingerprint()}"
    for stale in cluster.databases("run_"):  # working copies of runs that were killed
        cluster.admin(f"DROP DATABASE IF EXISTS {stale} WITH (FORCE)")
    meta_path = data_dir / "postgres-meta" / f"{name}.json"
    cached = cluster.exists(name) and meta_path.exists()
    if not cached:
        partial = f"{name}_partial"
        cluster.admin(f"DROP DATABASE IF EXISTS {partial} WITH (FORCE)")
        cluster.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cluster.admin(f"CREATE DATABASE {partial}")
        log(f"postgres: generating {permits:,} permits (seed {seed}) into database {name}")
        meta = _build(cluster.url(partial), permits, seed, log, "postgres")
        with psycopg.connect(
            f"{cluster.admin_dsn.replace('dbname=postgres', f'dbname={partial}')}",
            autocommit=True,
        ) as conn:
            conn.execute("VACUUM ANALYZE")
        cluster.admin(f"ALTER DATABASE {partial} RENAME TO {name}")
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        meta_path.write_text(json.dumps(meta, indent=1))
    else:
        log(f"postgres: reusing database {name}")
    meta = json.loads(meta_path.read_text())
    work = f"run_{uuid.uuid4().hex[:10]}"
    cluster.admin(f"CREATE DATABASE {work} TEMPLATE {name}")
    data = _data("postgres", cluster.url(work), cached, meta)

    def drop() -> None:
        with contextlib.suppress(psycopg.Error):
            cluster.admin(f"DROP DATABASE IF EXISTS {work} WITH (FORCE)")

    data.cleanup = drop
    return data

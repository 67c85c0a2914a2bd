"""Engine, sessions and the one unit-of-work helper.

SQLite: WAL, ``busy_timeout``, ``synchronous=FULL``, ``foreign_keys=ON``. pysqlite's own
transaction handling is switched off and we emit ``BEGIN`` ourselves: without that, a
read-check-write runs partly outside any transaction and overbooks silently. Writes open
with ``BEGIN IMMEDIATE`` so two writers never both read and then both write.

Writers to one SQLite file also queue on an OS file lock (:class:`WriteGate`) before their
``BEGIN IMMEDIATE``. SQLite's own busy handler makes a waiting writer sleep and poll, in
steps that grow to 100 ms, with no order among the waiters: under many concurrent writers
most of the time goes to sleeping and an unlucky writer can wait out its whole timeout
("database is locked"). The gate hands the write lock on as soon as it is released.
SQLite's locking still decides correctness; the gate only orders our own writers.

PostgreSQL goes through psycopg 3 with the same code.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from etrakit_tui.domain.errors import DatabaseError, DatabaseUnavailable
from etrakit_tui.settings import DEFAULT_JURISDICTION, Jurisdiction

WRITE_OPTION = "etrakit_write"
SQLITE_BUSY_TIMEOUT_MS = 10_000


class Clock(Protocol):
    """Where "now" comes from. Injected so rules can be tested at 06:59 and 07:00."""

    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that stands still until told to move (tests, demos)."""

    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and route them to psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _sqlite_on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    assert isinstance(dbapi_connection, sqlite3.Connection)
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    # Switching to WAL needs a lock; a file already in WAL (the usual case) is left alone.
    if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
        cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _sqlite_on_begin(conn: Connection) -> None:
    statement = "BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN"
    # SQLite's busy handler waits out ordinary lock holders, but a few WAL states (another
    # connection recovering or checkpointing the WAL) return SQLITE_BUSY at once. Nothing has
    # been read or written yet, so starting again is always safe.
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            conn.exec_driver_sql(statement)
            return
        except OperationalError as exc:
            if "locked" not in str(exc.orig) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


class WriteGate:
    """An exclusive ``flock`` on ``<database file>.writelock``, held for one write
    transaction. Each holder opens the file itself, so threads of one process queue
    too. Gives up with :class:`DatabaseError` after ``timeout`` seconds, as SQLite would."""

    def __init__(self, database: Path, timeout: float = SQLITE_BUSY_TIMEOUT_MS / 1000) -> None:
        self.path = database.with_name(database.name + ".writelock")
        self.database = database
        self.timeout = timeout

    def _open(self) -> int:
        """The lock file, created with the database file's mode (0600 without one), as
        SQLite does for ``-wal`` and ``-shm``: whoever may write the database may queue."""
        try:
            mode = os.stat(self.database).st_mode & 0o666  # shared like the database file
        except FileNotFoundError:
            mode = 0o600
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
            except FileExistsError:
                try:
                    return os.open(self.path, os.O_RDWR | os.O_CLOEXEC)
                except FileNotFoundError:
                    continue  # removed between the two opens: create it after all
            os.fchmod(fd, mode)  # exactly the database's mode, whatever the umask
            return fd

    @contextmanager
    def hold(self) -> Iterator[None]:
        fd = self._open()
        try:
            deadline = time.monotonic() + self.timeout
            delay = 0.0002
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                        raise
                if time.monotonic() > deadline:
                    raise DatabaseError("the database refused the change: database is locked")
                time.sleep(delay)
                delay = min(delay * 2, 0.002)
            yield
        finally:
            os.close(fd)  # releases the lock


def create_private_file(path: Path) -> None:
    """Create a missing SQLite file readable by its owner only (0600; a missing folder
    0700), just before SQLite would create it with the umask's mode (usually 0644). SQLite
    gives ``-wal`` and ``-shm`` the database file's mode, and :class:`WriteGate` its lock."""
    if path.exists():
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        return  # another connection made it first
    os.close(fd)


def sqlite_file(engine: Engine) -> Path | None:
    """The file behind a SQLite engine (None for any other database)."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return None
    return Path(engine.url.database)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """The one engine factory: SQLite file (WAL) or PostgreSQL (psycopg 3)."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            raise DatabaseError("an in-memory SQLite database cannot be shared; use a file")
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        if not parsed.query.get("uri"):  # a URI filename is SQLite's to open as it says
            private = Path(database)
            event.listen(engine, "do_connect", lambda *_: create_private_file(private))
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, echo=echo, pool_pre_ping=True)
    backend = parsed.get_backend_name()
    raise DatabaseError(f"unsupported database {backend!r}: use sqlite or postgresql")


# ------------------------------------------------------------------ the server is gone

# PostgreSQL error classes that mean "this connection (or the server) is gone": connection
# exceptions (08...), and the server shutting down or starting up.
# A connection refused at its start (bad password: 28..., no such database: 3D000) is one too.
_PG_GONE_STATES = ("08", "57P01", "57P02", "57P03", "28", "3D000")


def is_connection_failure(exc: BaseException) -> bool:
    """True when ``exc`` (or what it wraps) says the database cannot be reached — a server
    down or restarting, a connection lost, a SQLite file that cannot be opened — rather
    than a refusal of one statement."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, InterfaceError):
        return True
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if orig is None:
        return False
    if isinstance(orig, sqlite3.OperationalError):
        return "unable to open" in str(orig)
    if type(orig).__module__.startswith("psycopg") and _is_psycopg_operational(orig):
        state = getattr(orig, "sqlstate", None)
        return state is None or str(state).startswith(_PG_GONE_STATES)
    return False


def _is_psycopg_operational(exc: BaseException) -> bool:
    return any(
        cls.__name__ in ("OperationalError", "InterfaceError")
        and cls.__module__.startswith("psycopg")
        for cls in type(exc).__mro__
    )


_PG_AT = re.compile(r'connection to server at "(?P<host>[^"]*)"(?: \([^)]*\))?, port (?P<port>\d+)')
_PG_SOCKET = re.compile(r'connection to server on socket "(?P<socket>[^"]*)"')


def describe_failure(url: str | URL | None, exc: BaseException) -> str:
    """What failed, for the operator and the log: ``cannot connect to PostgreSQL at
    db.example:5433: connection refused``. Names the host, port (or file) and the reason;
    never the password. ``url`` may be unknown (None): the driver's message then names
    the server."""
    parsed: URL | None = None
    if url is not None:
        try:
            parsed = make_url(normalise_url(url)) if isinstance(url, str) else url
        except ArgumentError:
            parsed = None
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    text = str(orig).strip()
    if parsed is not None and parsed.get_backend_name() == "sqlite":
        return f"cannot open the SQLite database {parsed.database}: {_first_line(text)}"
    where = ""
    if parsed is not None and parsed.get_backend_name() == "postgresql":
        where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    found = _PG_AT.search(text)
    if found:
        where = where or f"{found['host']}:{found['port']}"
    elif socket := _PG_SOCKET.search(text):
        where = where or socket["socket"]
    reason = _pg_reason(text)
    from etrakit_tui.logs import mask_url

    target = f"PostgreSQL at {where}" if where else "the database"
    return mask_url(f"cannot connect to {target}: {reason}")


def _pg_reason(text: str) -> str:
    """The reason in psycopg's connection error, without the server's address."""
    line = _first_line(text)
    line = line.removeprefix("connection failed: ")
    line = re.sub(r"^connection to server (at|on socket) .*? failed: ", "", line)
    line = re.sub(r"^(FATAL|ERROR):\s+", "", line)
    if line[:1].isupper() and not line[1:2].isupper():
        line = line[0].lower() + line[1:]
    return line or "no reason given"


def _first_line(text: str) -> str:
    return " ".join(text.splitlines()[0].split()) if text.strip() else ""


def unavailable(url: str | URL | None, exc: BaseException) -> DatabaseUnavailable:
    """The domain's error for ``exc`` (a connection failure; see :func:`is_connection_failure`):
    raise it ``from exc`` so the log keeps the driver's error."""
    shown = ""
    if url is not None:
        from etrakit_tui.logs import mask_url

        shown = url.render_as_string(hide_password=True) if isinstance(url, URL) else mask_url(url)
    return DatabaseUnavailable(describe_failure(url, exc), url=shown)


@dataclass
class Database:
    """An engine plus the rules and clock every service needs.

    ``read()`` gives a session in a plain transaction; ``write()`` gives one transaction
    that commits on success and rolls back on any exception (``BEGIN IMMEDIATE`` on SQLite).
    """

    engine: Engine
    jurisdiction: Jurisdiction = DEFAULT_JURISDICTION
    clock: Clock = field(default_factory=SystemClock)
    gate: WriteGate | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        path = sqlite_file(self.engine)
        self.gate = WriteGate(path) if path is not None else None

    @classmethod
    def open(
        cls,
        url: str,
        *,
        jurisdiction: Jurisdiction = DEFAULT_JURISDICTION,
        clock: Clock | None = None,
    ) -> Database:
        return cls(make_engine(url), jurisdiction, clock or SystemClock())

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def now(self) -> datetime:
        return self.clock.now()

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        """A connection failure inside becomes :class:`DatabaseUnavailable` (its cause kept
        for the log); any other error passes unchanged."""
        try:
            yield
        except DatabaseError:
            raise
        except Exception as exc:
            if is_connection_failure(exc):
                raise unavailable(self.engine.url, exc) from exc
            raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        with (
            self._reachable(),
            Session(self.engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def read_conn(self) -> Iterator[Connection]:
        """A Core connection in one read transaction (a plain ``BEGIN`` on SQLite, as for
        :meth:`read`: no write lock), for services that only run Core selects: no Session,
        no unit of work, so a screen's reads cost little more than the SQL. Ends like
        :meth:`read`: ``COMMIT`` (nothing to write) or, on an exception, ``ROLLBACK``.
        Not a ``ROLLBACK`` every time: psycopg drops its prepared statements on each one,
        and PostgreSQL then never reaches the generic plan of a repeated read (the biggest
        company's dashboard: ~350 ms instead of ~65)."""
        with self._reachable(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Session]:
        bind = self.engine.execution_options(**{WRITE_OPTION: True})
        try:
            with (
                self.gate.hold() if self.gate is not None else nullcontext(),
                Session(bind, expire_on_commit=False) as session,
                session.begin(),
            ):
                yield session
        except DatabaseError:
            raise
        except Exception as exc:
            if is_connection_failure(exc):
                raise unavailable(self.engine.url, exc) from exc
            if not isinstance(exc, OperationalError):
                raise
            from etrakit_tui.logs import mask_url

            reason = mask_url(_first_line(str(exc.orig)))
            raise DatabaseError(f"the database refused the change: {reason}") from exc

    def dispose(self) -> None:
        self.engine.dispose()

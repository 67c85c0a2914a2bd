"""Engine, sessions and the one unit-of-work helper.

SQLite: WAL, ``busy_timeout``, ``synchronous=FULL``, ``foreign_keys=ON``. pysqlite's own
transaction handling is switched off and we emit ``BEGIN`` ourselves: without that, a
read-check-write runs partly outside any transaction and overbooks silently. Writes open
with ``BEGIN IMMEDIATE`` so two writers never both read and then both write.

Writers to one SQLite file also queue on an OS file lock (:class:`WriteGate`) before their
``BEGIN IMMEDIATE``. SQLite's own busy handler makes a waiting writer sleep and poll, in
steps that grow to 100 ms, with no order among the waiters: under many concurrent writers
most of the time goes to sleeping and an unlucky writer can wait out its whole timeout
("database is locked"). The gate hands the write lock on, in arrival order, as soon as it
is released. SQLite's locking still decides correctness; the gate only orders our writers.

Durability: a change is acknowledged (``write()`` returns) only once its commit is on disk,
as with ``synchronous=FULL``, but the disk flush is not made while holding the gate. A
:class:`Database` write commits with ``synchronous=NORMAL`` (the commit's WAL frames are
written, not yet flushed), hands the gate on, then flushes the WAL file itself
(``fdatasync``) before returning; one flush covers every commit written before it, so
writers waiting on the disk at once share a flush (group commit), each transaction still
succeeding or failing on its own. Every other transaction (migrations...) keeps FULL. A
crash before the flush loses only commits not yet acknowledged, and WAL recovery never
keeps a commit without the ones before it. Another connection may read a commit a few
milliseconds before it is flushed. SQLite's automatic checkpoint (copying the WAL into the
database file, every 1,000 pages) runs in COMMIT as usual, holding the gate. Deciding it
after the gate would mean reading the WAL index (``-shm``), and a process that opens and
closes a file SQLite has open drops every POSIX lock SQLite holds on it: a portal process
once lost its lock on the index so, another process then took itself for the index's only
user and rebuilt it, and a session reading it crashed (SIGBUS). Nothing here opens the
database file or its index; only the ``-wal`` file, on which SQLite holds no lock.

PostgreSQL goes through psycopg 3 with the same code.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import os
import queue
import re
import sqlite3
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from etrakit_tui.domain.errors import DatabaseError, DatabaseUnavailable
from etrakit_tui.settings import DEFAULT_JURISDICTION, Jurisdiction

WRITE_OPTION = "etrakit_write"
READ_OPTION = "etrakit_read"
"""A :class:`Database` read: it commits nothing, so it leaves the connection's flush mode
as the last transaction set it (no ``PRAGMA`` for it)."""
SQLITE_BUSY_TIMEOUT_MS = 10_000
PG_CONNECT_TIMEOUT_S = 10
"""How long a PostgreSQL connection may take to open unless the URL says
(``?connect_timeout=N``): a server whose network silently drops packets is reported as
unreachable after this, not after the operating system's TCP retries (about 2 minutes)."""


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


def _sqlite_on_begin(conn: Connection, *, deferred: bool) -> None:
    options = conn.get_execution_options()
    write = bool(options.get(WRITE_OPTION))
    if not options.get(READ_OPTION):
        _flush_mode(conn, deferred=write and deferred)
    statement = "BEGIN IMMEDIATE" if write else "BEGIN"
    # SQLite's busy handler waits out ordinary lock holders, but a few WAL states (another
    # connection recovering or checkpointing the WAL) return SQLITE_BUSY at once. Nothing has
    # been read or written yet, so starting again is always safe.
    # Sent on the driver: this runs inside the write gate, on every write.
    driver = conn.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            driver.execute(statement)
            return
        except sqlite3.Error as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


_FLUSH_MODES = {False: "PRAGMA synchronous = FULL", True: "PRAGMA synchronous = NORMAL"}


def _flush_mode(conn: Connection, *, deferred: bool) -> None:
    """A :class:`Database` write (``deferred``) leaves the WAL flush to
    :meth:`Database._durable`, after the gate; any other transaction has SQLite do it in
    COMMIT (how a connection starts)."""
    if conn.info.get("deferred_flush", False) is not deferred:
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute(_FLUSH_MODES[deferred])
        conn.info["deferred_flush"] = deferred


def wal_file(engine: Engine) -> Path | None:
    """The ``-wal`` file of a SQLite database file (None for PostgreSQL, or a URI
    filename, which SQLite names as it says)."""
    path = sqlite_file(engine)
    if path is None or engine.url.query.get("uri"):
        return None
    return path.with_name(path.name + "-wal")


def flush_wal(wal: Path) -> None:
    """Make every commit written to ``wal`` durable (what ``synchronous=FULL`` does in
    COMMIT). No file: the last connection closed it, checkpointing its commits into the
    database file and flushing that."""
    try:
        fd = os.open(wal, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        os.fdatasync(fd)
    except OSError as exc:
        raise DatabaseError(f"the change may not be saved: {exc.strerror}") from exc
    finally:
        os.close(fd)


class WriteGate:
    """Writers to one SQLite file take turns on ``<database file>.writelock``, first come,
    first served, across processes and threads; held for one write transaction. Gives up
    with :class:`DatabaseError` after ``timeout`` seconds, as SQLite would.

    The queue is made of Linux open-file-description locks on the file's bytes, which go
    with the file description: a holder or waiter killed (even ``kill -9``) leaves nothing
    behind, and each :meth:`hold` opens the file itself, so threads of one process queue too.

    * Bytes 0-7 hold the next ticket number. A writer takes a ticket by write-locking those
      bytes for a moment, reading and bumping the number, and write-locking its ticket's
      byte (``8 + ticket``), which it keeps until it is done: its place in the queue.
    * Its turn comes when no lower ticket's byte is locked any more. It waits (a blocking
      lock, no polling) for its predecessor's byte, then for every byte below its own: a
      predecessor that died or gave up waiting hands on to the ones before it. The kernel
      wakes exactly the waiter whose turn it is.

    A blocking lock cannot time out, so a writer that must wait does so in a helper thread
    and waits for that thread at most ``timeout``; if it gives up, it closes its ticket at
    once (the writers behind it move up) and the helper lets go of its lock when granted.
    Without open-file-description locks (not Linux) the gate is a polled ``flock``.
    """

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
    def hold(self) -> Iterator[int | None]:
        """Hold the gate; gives this writer's ticket, its place in the arrival order (None
        for the polled ``flock``)."""
        fd = self._open()
        try:
            deadline = time.monotonic() + self.timeout
            ticket = None
            if not _OFD_LOCKS:
                _flock_polled(fd, deadline)
            else:
                ticket = _take_ticket(fd)
                if not _my_turn(fd, ticket, deadline, self.path):
                    raise DatabaseError("the database refused the change: database is locked")
            yield ticket
        finally:
            os.close(fd)  # releases the ticket (and the lock)

    def queued(self) -> int:
        """How many writers hold or wait for the gate now (of the last 4096 tickets; 0
        without open-file-description locks): for monitoring and tests."""
        if not _OFD_LOCKS:
            return 0
        fd = self._open()
        try:
            raw = os.pread(fd, _TICKETS, 0)
            end = int.from_bytes(raw, "little") if len(raw) == _TICKETS else 0
            probe = [(_TICKETS + ticket, 1) for ticket in range(max(end - 4096, 0), end)]
            return sum(_held(fd, start, length) for start, length in probe)
        finally:
            os.close(fd)


_OFD_LOCKS = hasattr(fcntl, "F_OFD_SETLKW")
_FLOCK = "hhxxxxqqixxxx"  # struct flock (Linux): type, whence, start, length, pid (0)
_TICKETS = 8  # byte 8 + n is ticket n's place; bytes 0-7 hold the next number


def _lock(fd: int, kind: int, start: int, length: int, *, wait: bool) -> bool:
    """Lock (``F_RDLCK``/``F_WRLCK``) or unlock (``F_UNLCK``) ``length`` bytes from
    ``start`` for ``fd``'s file description. Without ``wait``: False if another has them."""
    arg = struct.pack(_FLOCK, kind, os.SEEK_SET, start, length, 0)
    try:
        fcntl.fcntl(fd, fcntl.F_OFD_SETLKW if wait else fcntl.F_OFD_SETLK, arg)
    except OSError as exc:
        if wait or exc.errno not in (errno.EAGAIN, errno.EACCES):
            raise
        return False
    return True


def _held(fd: int, start: int, length: int) -> bool:
    """Whether another file description write-locks any of those bytes (a ticket: only
    its owner write-locks it; the read locks of writers' turns do not count)."""
    arg = struct.pack(_FLOCK, fcntl.F_RDLCK, os.SEEK_SET, start, length, 0)
    found = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, arg)
    return bool(struct.unpack(_FLOCK, found)[0] != fcntl.F_UNLCK)


def _take_ticket(fd: int) -> int:
    """A place at the end of the queue: the next number, its byte locked for ``fd``."""
    _lock(fd, fcntl.F_WRLCK, 0, _TICKETS, wait=True)  # held for a few system calls
    try:
        raw = os.pread(fd, _TICKETS, 0)
        ticket = int.from_bytes(raw, "little") if len(raw) == _TICKETS else 0
        while not _lock(fd, fcntl.F_WRLCK, _TICKETS + ticket, 1, wait=False):
            ticket += 1  # taken: the number went back (the file was rewritten); skip it
        os.pwrite(fd, (ticket + 1).to_bytes(_TICKETS, "little"), 0)
        return ticket
    finally:
        _lock(fd, fcntl.F_UNLCK, 0, _TICKETS, wait=False)


def _my_turn(fd: int, ticket: int, deadline: float, path: Path) -> bool:
    """Wait until no ticket below ``ticket`` is held; False if ``deadline`` passes first."""
    if ticket == 0 or _lock(fd, fcntl.F_RDLCK, _TICKETS, ticket, wait=False):
        return True  # nobody before us (a read lock on the bytes below conflicts with no one)
    try:  # the same file in a description of its own (the path, should /proc be missing)
        waiting = os.open(f"/proc/self/fd/{fd}", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        waiting = os.open(path, os.O_RDONLY | os.O_CLOEXEC)

    def wait() -> None:
        try:
            _lock(waiting, fcntl.F_RDLCK, _TICKETS + ticket - 1, 1, wait=True)  # predecessor
            _lock(waiting, fcntl.F_RDLCK, _TICKETS, ticket, wait=True)  # and all before it
        finally:
            os.close(waiting)

    done, failed = _waiters().run(wait)
    if not done.wait(max(deadline - time.monotonic(), 0)):
        return False
    if failed:
        raise failed[0]
    return True


class _Waiters:
    """Threads that wait for the gate's locks (a blocking lock cannot time out, so the
    writer waits for its thread instead), kept for the next wait: starting a thread for
    each wait cost ~140 us of CPU, and its end ran just as the gate was handed on. There
    are as many as writers of the process have waited at once. Daemon threads: one left
    waiting by a writer that gave up does not hold up the process's exit."""

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[tuple[Callable[[], None], threading.Event, list[OSError]]]
        self.jobs = queue.SimpleQueue()
        self.idle = 0
        self.lock = threading.Lock()

    def run(self, job: Callable[[], None]) -> tuple[threading.Event, list[OSError]]:
        """``job`` on a waiting thread: set once it has run; the OSError it raised, if any."""
        done, failed = threading.Event(), list[OSError]()
        with self.lock:
            start = self.idle == 0  # else an idle thread takes it
            if not start:
                self.idle -= 1
        self.jobs.put((job, done, failed))
        if start:
            threading.Thread(target=self._work, name="write gate", daemon=True).start()
        return done, failed

    def _work(self) -> None:
        while True:
            job, done, failed = self.jobs.get()
            try:
                job()
            except OSError as exc:
                failed.append(exc)
            finally:
                done.set()
            with self.lock:
                self.idle += 1


_WAITERS: _Waiters | None = None
_WAITERS_LOCK = threading.Lock()


def _waiters() -> _Waiters:
    """This process's :class:`_Waiters`."""
    global _WAITERS
    found = _WAITERS
    if found is None:
        with _WAITERS_LOCK:
            found = _WAITERS
            if found is None:
                found = _WAITERS = _Waiters()
    return found


def _forget_waiters() -> None:
    """In a forked child: its own threads, made when needed (threads do not follow a
    fork, and the parent's lock may have been held as it forked)."""
    global _WAITERS, _WAITERS_LOCK
    _WAITERS, _WAITERS_LOCK = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_waiters)


def _flock_polled(fd: int, deadline: float) -> None:
    """The gate without open-file-description locks: an exclusive ``flock``, polled."""
    delay = 0.0002
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
        if time.monotonic() > deadline:
            raise DatabaseError("the database refused the change: database is locked")
        time.sleep(delay)
        delay = min(delay * 2, 0.002)


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
        deferred = not parsed.query.get("uri")  # see wal_file()
        event.listen(engine, "begin", functools.partial(_sqlite_on_begin, deferred=deferred))
        return engine
    if parsed.get_backend_name() == "postgresql":
        timeout = (
            {} if "connect_timeout" in parsed.query else {"connect_timeout": PG_CONNECT_TIMEOUT_S}
        )
        engine = create_engine(url, echo=echo, connect_args=timeout)
        event.listen(engine, "connect", _note_idle)
        event.listen(engine, "checkin", _note_idle)
        event.listen(engine, "checkout", functools.partial(_ping_if_idle, engine.dialect))
        return engine
    backend = parsed.get_backend_name()
    raise DatabaseError(f"unsupported database {backend!r}: use sqlite or postgresql")


# ------------------------------------------------------------------ the server is gone

# PostgreSQL error classes that mean "this connection (or the server) is gone": connection
# exceptions (08...), and the server shutting down or starting up.
# A connection refused at its start (bad password: 28..., no such database: 3D000) is one too.
_PG_GONE_STATES = ("08", "57P01", "57P02", "57P03", "28", "3D000")


PG_PING_AFTER_IDLE_S = 1.0
"""A pooled PostgreSQL connection idle this long is pinged before use (a restarted server,
or a network that dropped it meanwhile: the pool opens a new one). One used more recently
is not: the ping is a round trip, and a request checks out a connection twice. Should the
server restart within that second, the next statement fails as the server does when it
stops under a request (:class:`DatabaseUnavailable`, the pool emptied), and the one after
works."""


def _note_idle(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(
    dialect: Any, dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any
) -> None:
    """SQLAlchemy's ``pool_pre_ping``, for connections idle :data:`PG_PING_AFTER_IDLE_S`:
    a dead one is discarded and another opened (the pool's :class:`DisconnectionError`)."""
    if time.monotonic() - record.info.get("idle_since", 0.0) < PG_PING_AFTER_IDLE_S:
        return
    try:
        dialect.do_ping(dbapi_connection)
    except Exception as exc:
        if dialect.is_disconnect(exc, dbapi_connection, None):
            raise DisconnectionError(str(exc)) from exc
        raise


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
    _options: dict[str, tuple[Engine, Engine]] = field(init=False, default_factory=dict)

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

    @property
    def one_writer(self) -> bool:
        """Whether writers take turns for the whole database (SQLite: the gate and
        ``BEGIN IMMEDIATE``), so a change should read and check what it can before it
        queues; on PostgreSQL writers wait only on the rows they lock, and a change reads
        under its row locks in one transaction."""
        return self.engine.dialect.name == "sqlite"

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
            Session(self._reader, expire_on_commit=False) as session,
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
        with self._reachable(), self._reader.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Session]:
        with (
            self._durable(),
            self._refusals(),
            self._gated(),
            Session(self._writer, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def write_conn(self) -> Iterator[Connection]:
        """:meth:`write` on a Core connection (no Session, no unit of work), for a change
        whose statements are built once: the same gate, ``BEGIN IMMEDIATE``, commit or
        rollback and refusals, at little more than the SQL's cost."""
        with (
            self._durable(),
            self._refusals(),
            self._writer.connect() as conn,  # the pool's checkout and return: not gated
            self._gated(),
            conn.begin(),
        ):
            yield conn

    @property
    def _reader(self) -> Engine:
        """The engine whose transactions only read (see :data:`READ_OPTION`)."""
        return self._engine_with(READ_OPTION)

    @property
    def _writer(self) -> Engine:
        """The engine whose transactions start as writes (``BEGIN IMMEDIATE`` on SQLite)."""
        return self._engine_with(WRITE_OPTION)

    def _engine_with(self, option: str) -> Engine:
        """:attr:`engine` with ``option`` set, made once per engine (the engine may be
        replaced: a test takes the server away so)."""
        made = self._options.get(option)
        if made is None or made[0] is not self.engine:
            made = (self.engine, self.engine.execution_options(**{option: True}))
            self._options[option] = made
        return made[1]

    @contextmanager
    def _durable(self) -> Iterator[None]:
        """After a write has committed and handed the gate on: its WAL frames flushed."""
        yield
        if self._wal is not None:
            flush_wal(self._wal)

    @functools.cached_property
    def _wal(self) -> Path | None:
        return wal_file(self.engine)

    def _gated(self) -> AbstractContextManager[int | None]:
        return self.gate.hold() if self.gate is not None else nullcontext()

    @contextmanager
    def _refusals(self) -> Iterator[None]:
        """A write the database refuses (locked, a lost connection) is a
        :class:`DatabaseError` (:class:`DatabaseUnavailable` for a connection failure);
        any other error passes unchanged."""
        try:
            yield
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

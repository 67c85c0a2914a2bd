"""A PostgreSQL server that never answers (its network drops packets, or it hangs) is
reported as unreachable after ``PG_CONNECT_TIMEOUT_S``, not after the operating system's TCP
retries: the field app then says OFFLINE and the portal shows its one error line, instead of
"syncing..." or a frozen screen for minutes."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from etrakit_tui.domain.errors import DatabaseUnavailable
from etrakit_tui.domain.store.db import PG_CONNECT_TIMEOUT_S, Database

pytestmark = pytest.mark.slow


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port whose server accepts TCP connections and then never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def _first_read(url: str) -> BaseException | None:
    """Open the database and read once, in a thread; what it raised (None: it answered, or it
    had not given up after six times the timeout, the second saying so)."""
    outcome: list[BaseException | None] = []

    def read() -> None:
        database = Database.open(url)
        try:
            with database.read_conn() as conn:
                conn.exec_driver_sql("SELECT 1")
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)
        finally:
            database.dispose()

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(6 * PG_CONNECT_TIMEOUT_S)
    assert not thread.is_alive(), "still waiting for a server that never answers"
    return outcome[0]


def test_a_server_that_never_answers_is_unreachable_after_the_timeout(silent_server: int) -> None:
    error = _first_read(f"postgresql://portal@127.0.0.1:{silent_server}/city")
    assert isinstance(error, DatabaseUnavailable)
    assert f"PostgreSQL at 127.0.0.1:{silent_server}" in error.detail  # for the log and CLI


def test_the_urls_own_connect_timeout_is_kept(silent_server: int) -> None:
    """``?connect_timeout=N`` in the URL wins (libpq's minimum is 2 s)."""
    error = _first_read(f"postgresql://portal@127.0.0.1:{silent_server}/city?connect_timeout=2")
    assert isinstance(error, DatabaseUnavailable)

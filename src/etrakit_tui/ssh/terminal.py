"""A session's process on its own pseudo-terminal, driven from an asyncio loop.

:class:`TerminalProcess` opens a PTY, has the fork server (:mod:`etrakit_tui.ssh.forkserver`)
start the portal with the PTY's slave side as its controlling terminal and standard streams,
pumps bytes both ways without blocking the loop, passes window-size changes on
(``TIOCSWINSZ`` on the master: the kernel sends the foreground process group SIGWINCH), and
hangs the process up on request: SIGHUP first, SIGKILL after a grace period (whatever it
left in its process group is killed as it ends).

The PTY is the client's screen, so the process never logs there: given ``on_log``, it gets
one more descriptor, the write end of a pipe (its number in ``ETRAKIT_LOG_FD``, see
:mod:`etrakit_tui.logs`), and every line it writes there is handed to ``on_log``.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import signal
import struct
import termios
from collections.abc import Callable

from etrakit_tui.ssh.forkserver import ForkServer, SessionChild

READ_CHUNK = 65536
INPUT_BACKLOG_LIMIT = 256 * 1024  # bytes not yet taken by the TUI before the client is paused
MAX_COLUMNS = 1000
MAX_ROWS = 500
LOG_LINE_LIMIT = 4096


def set_window_size(fd: int, columns: int, rows: int, xpixels: int = 0, ypixels: int = 0) -> None:
    """Set a terminal's size, within sane bounds (a client could claim 65535 x 65535)."""
    rows = min(max(rows, 1), MAX_ROWS)
    columns = min(max(columns, 1), MAX_COLUMNS)
    size = struct.pack("HHHH", rows, columns, min(xpixels, 65535), min(ypixels, 65535))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, size)


class TerminalProcess:
    """One command on one PTY. Output goes to ``on_output``; ``on_exit`` gets the exit status
    once the process has ended and all its output has been passed on."""

    def __init__(
        self,
        forkserver: ForkServer,
        argv: list[str],
        env: dict[str, str],
        *,
        on_output: Callable[[bytes], None],
        on_exit: Callable[[int], None],
        on_input_backlog: Callable[[bool], None] | None = None,
        on_log: Callable[[str], None] | None = None,
    ) -> None:
        self.forkserver = forkserver
        self.argv = argv
        self.env = env
        self._on_output = on_output
        self._on_exit = on_exit
        self._on_backlog = on_input_backlog or (lambda _full: None)
        self._on_log = on_log
        self._log_fd: int | None = None
        self._log_partial = bytearray()
        self._loop = asyncio.get_running_loop()
        self._master: int | None = None
        self._child: SessionChild | None = None
        self._pending = bytearray()
        self._reading = False
        self._paused = False
        self._backlogged = False
        self._kill_timer: asyncio.TimerHandle | None = None
        self._waiter: asyncio.Task[None] | None = None
        self.returncode: int | None = None

    @property
    def pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    @property
    def running(self) -> bool:
        return self._child is not None and self.returncode is None

    async def start(self, columns: int, rows: int, xpixels: int = 0, ypixels: int = 0) -> None:
        """Open the PTY at the given size and start the portal on it."""
        master, slave = os.openpty()
        log_read, log_write = os.pipe() if self._on_log is not None else (None, None)
        try:
            set_window_size(master, columns, rows, xpixels, ypixels)
            fds = [slave] if log_write is None else [slave, log_write]
            self._child = await self.forkserver.spawn(self.env, self.argv, fds)
        except BaseException:
            os.close(master)
            if log_read is not None:
                os.close(log_read)
            raise
        finally:
            os.close(slave)
            if log_write is not None:
                os.close(log_write)
        os.set_blocking(master, False)
        self._master = master
        self._start_reading()
        if log_read is not None:
            os.set_blocking(log_read, False)
            self._log_fd = log_read
            self._loop.add_reader(log_read, self._read_log)
        self._waiter = asyncio.ensure_future(self._wait())

    # ------------------------------------------------------------------ output

    def pause_output(self) -> None:
        """The client cannot take more for now (SSH flow control)."""
        self._paused = True
        self._stop_reading()

    def resume_output(self) -> None:
        self._paused = False
        self._start_reading()

    def _start_reading(self) -> None:
        if self._master is not None and not self._reading and not self._paused:
            self._loop.add_reader(self._master, self._read_ready)
            self._reading = True

    def _stop_reading(self) -> None:
        if self._master is not None and self._reading:
            self._loop.remove_reader(self._master)
        self._reading = False

    def _read_ready(self) -> None:
        data = self._read_once()
        if data:
            self._on_output(data)
        elif data is None:
            self._stop_reading()  # every slave descriptor is closed: the process is ending

    def _read_once(self) -> bytes | None:
        """Bytes available now; ``b""`` when none yet, ``None`` when the PTY is closed."""
        if self._master is None:
            return None
        try:
            data = os.read(self._master, READ_CHUNK)
        except BlockingIOError:
            return b""
        except OSError as exc:
            if exc.errno == errno.EIO:
                return None
            raise
        return data or None

    def _read_log(self) -> None:
        """Lines the process logged; the pipe is closed once it (and its children) ended."""
        if self._log_fd is None:
            return
        try:
            data = os.read(self._log_fd, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            self._log_partial += data
            *lines, rest = bytes(self._log_partial).split(b"\n")
            self._log_partial = bytearray(rest[:LOG_LINE_LIMIT])
            for line in lines:
                self._emit_log(line)
            return
        self._close_log()

    def _emit_log(self, line: bytes) -> None:
        text = line.decode("utf-8", "replace").rstrip("\r")
        if text and self._on_log is not None:
            self._on_log(text[:LOG_LINE_LIMIT])

    def _close_log(self) -> None:
        if self._log_fd is None:
            return
        self._loop.remove_reader(self._log_fd)
        with contextlib.suppress(OSError):
            while data := os.read(self._log_fd, READ_CHUNK):  # what is left, if anything
                self._log_partial += data
        os.close(self._log_fd)
        self._log_fd = None
        for line in bytes(self._log_partial).split(b"\n"):
            self._emit_log(line)
        self._log_partial.clear()

    # ------------------------------------------------------------------ input

    def write(self, data: bytes) -> None:
        """Keystrokes for the process; buffered when the PTY is full."""
        if self._master is None or not data:
            return
        if not self._pending:
            try:
                written = os.write(self._master, data)
            except BlockingIOError:
                written = 0
            except OSError:
                return  # the process is gone
            data = data[written:]
            if not data:
                return
            self._loop.add_writer(self._master, self._write_ready)
        self._pending += data
        self._update_backlog()

    def _write_ready(self) -> None:
        if self._master is None:
            return
        try:
            written = os.write(self._master, self._pending)
        except BlockingIOError:
            return
        except OSError:
            written = len(self._pending)
        del self._pending[:written]
        if not self._pending:
            self._loop.remove_writer(self._master)
        self._update_backlog()

    def _update_backlog(self) -> None:
        full = len(self._pending) > INPUT_BACKLOG_LIMIT
        if full != self._backlogged:
            self._backlogged = full
            self._on_backlog(full)

    # ------------------------------------------------------------------ control

    def resize(self, columns: int, rows: int, xpixels: int = 0, ypixels: int = 0) -> None:
        """The client's window changed: the process's group gets SIGWINCH from the kernel."""
        if self._master is not None:
            with contextlib.suppress(OSError):
                set_window_size(self._master, columns, rows, xpixels, ypixels)

    def hangup(self, grace: float) -> None:
        """SIGHUP to the process now, SIGKILL after ``grace`` seconds if still running."""
        if not self.running or self._kill_timer is not None:
            return
        self._signal(signal.SIGHUP)
        self._kill_timer = self._loop.call_later(grace, self._kill)

    def _kill(self) -> None:
        if self.running:
            self._signal(signal.SIGKILL)

    def _signal(self, signum: int) -> None:
        if self._child is not None and self.returncode is None:
            self._child.send_signal(signum)

    async def wait(self) -> int:
        """Wait until the process has ended and its output has been passed on."""
        if self._waiter is not None:
            await asyncio.shield(self._waiter)
        return self.returncode if self.returncode is not None else -1

    async def _wait(self) -> None:
        assert self._child is not None
        status = await self._child.ended  # anything left in its group was killed with it
        self.returncode = status
        if self._kill_timer is not None:
            self._kill_timer.cancel()
        self._close(drain=True)
        self._close_log()  # its last lines before the log line saying how it ended
        self._on_exit(status)

    def _close(self, *, drain: bool) -> None:
        if self._master is None:
            return
        self._stop_reading()
        if self._pending:
            self._loop.remove_writer(self._master)
            self._pending.clear()
        if drain:
            while data := self._read_once():
                self._on_output(data)
        os.close(self._master)
        self._master = None

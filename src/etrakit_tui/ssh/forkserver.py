"""The SSH server's side of the fork server (see :mod:`etrakit_tui.ssh.zygote`).

:class:`ForkServer` execs the zygote once (a clean environment, only its end of a
``SOCK_SEQPACKET`` socket pair passed on, a session of its own so a Ctrl+C meant for the
service never reaches it), waits until it has imported the portal, and then asks it for one
child per session: the session's PTY slave (and log pipe) go over the socket, the child's pid
and a pidfd come back, and later its exit status.

Signals go through the pidfd (never a pid that may have been recycled). If the zygote dies,
the sessions it started keep running (their terminals are ours): their end is seen on the
pidfd, with no status; the next session starts a new zygote.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import signal
import socket
import sys
from typing import Any

log = logging.getLogger("etrakit_tui.ssh")

MESSAGE_LIMIT = 65536
ZYGOTE_MODULE = "etrakit_tui.ssh.zygote"
UNKNOWN_STATUS = -1  # a child whose zygote died: it ended, how is not known


class ForkServerGone(OSError):
    """The zygote could not be started, or ended before it answered."""


class SessionChild:
    """One session's process, forked by the zygote."""

    def __init__(self, server: ForkServer, sid: str, pid: int, pidfd: int | None) -> None:
        self._server = server
        self.sid = sid
        self.pid = pid
        self._pidfd = pidfd
        self._loop = asyncio.get_running_loop()
        self.ended: asyncio.Future[int] = self._loop.create_future()

    def send_signal(self, signum: int) -> None:
        """Signal the session's process while it has not been reaped (pidfd: never another
        process; without one, the zygote signals its group if it is still its child)."""
        if self.ended.done():
            return
        if self._pidfd is not None:
            with contextlib.suppress(OSError):
                signal.pidfd_send_signal(self._pidfd, signum)
        else:
            self._server.request_signal(self.sid, signum)

    def _exited(self, status: int) -> None:
        if not self.ended.done():
            self.ended.set_result(status)
        self._close_pidfd()

    def _orphaned(self) -> None:
        """The zygote died: watch the pidfd for the end (readable once the process exits)."""
        if self._pidfd is None:
            self._exited(UNKNOWN_STATUS)
            return
        self._loop.add_reader(self._pidfd, self._exited, UNKNOWN_STATUS)

    def _close_pidfd(self) -> None:
        if self._pidfd is not None:
            self._loop.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None


class ForkServer:
    """The zygote, started on demand, restarted when it died."""

    def __init__(self, marker: str, *, dialect: str, demo: bool, env: dict[str, str]) -> None:
        self.marker = marker
        self.dialect = dialect
        self.demo = demo
        self.env = env
        self._ids = itertools.count(1)
        self._sock: socket.socket | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._ready: asyncio.Future[int] | None = None
        self._starting: asyncio.Lock | None = None
        self._pending: dict[str, asyncio.Future[SessionChild]] = {}
        self._children: dict[str, SessionChild] = {}
        self._closing = False
        self._reaper: asyncio.Future[None] | None = None

    @property
    def pid(self) -> int | None:
        """The running zygote's pid."""
        return self._process.pid if self._sock is not None and self._process else None

    async def ensure_running(self) -> None:
        """Start the zygote if there is none; return once it has imported the portal."""
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self._sock is None:
                await self._start()
            assert self._ready is not None
            await asyncio.shield(self._ready)

    async def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # -P: its working directory (/) is not put on the module path
        argv = [sys.executable, "-P", "-m", ZYGOTE_MODULE, "--service", self.marker]
        argv += ["--fd", str(theirs.fileno()), "--dialect", self.dialect]
        if self.demo:
            argv.append("--demo")
        try:
            self._process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                env=self.env,
                cwd="/",
                close_fds=True,
                pass_fds=[theirs.fileno()],
                start_new_session=True,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        ours.setblocking(False)
        self._sock = ours
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        loop.add_reader(ours, self._readable)
        self._reaper = asyncio.ensure_future(self._reap(self._process, ours))

    async def _reap(self, process: asyncio.subprocess.Process, sock: socket.socket) -> None:
        await process.wait()
        if sock is self._sock:
            self._gone()

    async def spawn(self, env: dict[str, str], argv: list[str], fds: list[int]) -> SessionChild:
        """Fork a session's process onto ``fds`` (its PTY slave, then its log pipe)."""
        await self.ensure_running()
        sock = self._sock
        if sock is None:
            raise ForkServerGone("the fork server is not running")
        sid = str(next(self._ids))
        request = json.dumps({"id": sid, "env": env, "argv": argv}).encode()
        future: asyncio.Future[SessionChild] = asyncio.get_running_loop().create_future()
        self._pending[sid] = future
        try:
            socket.send_fds(sock, [request], fds)
        except OSError as exc:
            del self._pending[sid]
            raise ForkServerGone(f"the fork server is not answering: {exc}") from exc
        return await future

    def request_signal(self, sid: str, signum: int) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.send(json.dumps({"id": sid, "signal": signum}).encode())

    def _readable(self) -> None:
        sock = self._sock
        while sock is not None and sock is self._sock:
            try:
                data, fds, _flags, _ = socket.recv_fds(sock, MESSAGE_LIMIT, 1)
            except BlockingIOError:
                return
            except OSError:
                data, fds = b"", []
            if not data:
                for fd in fds:
                    os.close(fd)
                self._gone()
                return
            self._dispatch(json.loads(data), fds)

    def _dispatch(self, message: dict[str, Any], fds: list[int]) -> None:
        sid = str(message.get("id", ""))
        if "ready" in message:
            if self._ready is not None and not self._ready.done():
                self._ready.set_result(int(message["ready"]))
        elif "pid" in message:
            child = SessionChild(self, sid, int(message["pid"]), fds[0] if fds else None)
            fds = fds[1:]
            self._children[sid] = child
            future = self._pending.pop(sid, None)
            if future is not None and not future.cancelled():
                future.set_result(child)
            else:
                child.send_signal(signal.SIGHUP)  # nobody waits for it any more
        elif "error" in message:
            future = self._pending.pop(sid, None)
            if future is not None and not future.cancelled():
                future.set_exception(OSError(f"the fork server could not fork: {message['error']}"))
        elif "exit" in message:
            ended = self._children.pop(sid, None)
            if ended is not None:
                ended._exited(int(message["exit"]))
        for fd in fds:
            os.close(fd)

    def _gone(self) -> None:
        """The zygote ended (or its socket broke): fail what waits for it, let its sessions
        run on, and start afresh next time."""
        sock, self._sock = self._sock, None
        if sock is not None:
            asyncio.get_running_loop().remove_reader(sock)
            sock.close()
            if not self._closing:
                running = len(self._children)
                log.warning("the fork server ended; %d session(s) run on", running)
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(ForkServerGone("the fork server ended while starting"))
            self._ready.exception()  # retrieved: whoever waits gets it raised
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ForkServerGone("the fork server ended"))
        self._pending.clear()
        for child in self._children.values():
            child._orphaned()
        self._children.clear()

    async def close(self) -> None:
        """Stop the zygote (the sessions it started are not touched)."""
        process = self._process
        self._closing = True
        self._gone()
        if process is not None and process.returncode is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 5)  # it ends on its socket's EOF
            if process.returncode is None:
                process.kill()
                await process.wait()

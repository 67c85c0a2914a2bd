"""``etrakit-tui serve-ssh``: the portal for any SSH client, one TUI process per connection.

No SSH-level authentication is asked (any user name, no password): the portal's own sign-in
screen is the door. Each connection may open one terminal session; it gets a TUI process on
its own PTY (see :mod:`etrakit_tui.ssh.terminal`), forked by a fork server that imported the
portal once (see :mod:`etrakit_tui.ssh.forkserver`), in a clean environment (see
:mod:`etrakit_tui.ssh.shell`). Sessions without a PTY, commands and subsystems (scp, sftp) and
every kind of forwarding are refused. When the client goes away the TUI's process group is
hung up. Limits: sessions in total and per client address, a login grace time, and an idle
time after which a session with no input ends. One log line per connection says who, how
long and how it ended.

Connections that have not opened their terminal session yet wait in a pool of their own, apart
from the sessions: a few per client address and a few in total. A newcomer always gets in:
when the pool is full (or its address is past its share), a waiting connection that has got
least far (no SSH greeting, then no key exchange), oldest first, is dropped to make room. So
a flood of idle sockets costs a real client nothing; one that never even says its SSH
greeting is dropped after a short grace, the others after the login grace.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import logging
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import asyncssh

from etrakit_tui.logs import mask_url
from etrakit_tui.settings import APP_NAME, ConfigError
from etrakit_tui.ssh.forkserver import ForkServer
from etrakit_tui.ssh.shell import (
    NO_TERMINAL_MESSAGE,
    PROG,
    SESSION_MARKER_PREFIX,
    child_arguments,
    child_environment,
    service_environment,
)
from etrakit_tui.ssh.terminal import TerminalProcess
from etrakit_tui.text import defuse

log = logging.getLogger("etrakit_tui.ssh")

BUSY_MESSAGE = f"{PROG}: the portal is busy (too many sessions); please try again in a few minutes"
BUSY_ADDRESS_MESSAGE = f"{PROG}: too many sessions from your address; close one and try again"
SHUTDOWN_MESSAGE = f"{PROG}: the portal is restarting; please connect again in a minute"
# What a hung-up Textual app leaves switched on: mouse and focus reporting, bracketed paste,
# the kitty keyboard protocol, the alternate screen, a hidden cursor, no autowrap.
RESTORE_TERMINAL = (
    b"\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?1004l\x1b[?2004l\x1b[<u"
    b"\x1b[?7h\x1b[?25h\x1b[0m\x1b[?1049l\r\n"
)
IDLE_MESSAGE = f"{PROG}: session closed after {{minutes}} minutes without input"
DROPPED_ADDRESS = "dropped before a session: too many connections waiting from this address"
DROPPED_TOTAL = "dropped before a session: too many connections waiting"
# How long a new connection is spared by its own address's later ones: a real client's
# handshake is over well within it, so a burst of them from one address (an office behind one
# NAT address) is never cut short; idle sockets soon fall out of it.
BURST_ALLOWANCE = 5.0


def default_host_key_path() -> Path:
    """``ssh_host_ed25519_key`` in the user data directory."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME)) / "ssh_host_ed25519_key"


def load_or_create_host_key(path: Path) -> tuple[asyncssh.SSHKey, bool]:
    """The server's host key, generated (Ed25519, mode 0600, in a folder made 0700 when it is
    missing) on first start and kept."""
    if path.exists():
        try:
            return asyncssh.read_private_key(path), False
        except (asyncssh.KeyImportError, ValueError) as exc:
            raise ConfigError(f"{path}: not a usable SSH host key ({exc})") from exc
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519", comment=f"{APP_NAME} host key")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key.export_private_key())
    with contextlib.suppress(OSError):
        path.with_name(path.name + ".pub").write_bytes(key.export_public_key())
    return key, True


@dataclass(frozen=True)
class ServiceOptions:
    """Everything ``serve-ssh`` was told. Times in seconds."""

    database_url: str
    host: str = "127.0.0.1"
    port: int = 2222
    host_key: Path | None = None
    config_path: Path | None = None
    demo: bool = False
    max_sessions: int = 100
    max_per_address: int = 10
    max_pre_session: int = 64
    max_pre_session_per_address: int = 4
    pre_session_grace: float = 10.0
    login_grace: float = 30.0
    idle_timeout: float = 3600.0
    hangup_grace: float = 3.0
    keepalive_interval: float = 30.0


class WaitingConnection(Protocol):
    """A connection in the pool of those still on their way to a session."""

    address: str
    started: float  # by ``Service.clock``

    @property
    def progress(self) -> int: ...

    def drop(self, how: str) -> None: ...


@dataclass
class Service:
    """State shared by every connection: the options, who is connected, who is still on the
    way to a session (``waiting``, oldest first) and the sessions' places."""

    options: ServiceOptions
    per_address: Counter[str] = field(default_factory=Counter)
    admitted: int = 0
    connections: set[PortalConnection] = field(default_factory=set)
    waiting: dict[WaitingConnection, None] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    forkserver: ForkServer | None = None

    def next_marker(self) -> str:
        return f"{SESSION_MARKER_PREFIX}{os.getpid()}-{next(self._ids)}"

    def arrive(self, connection: WaitingConnection) -> None:
        """A new connection waits for its session, and always gets a place. Its address's share
        is soft: the address's connections older than ``BURST_ALLOWANCE`` beyond the share are
        dropped, those that have got least far first, oldest first (a burst of real clients
        behind one address is spared meanwhile). The whole pool is hard: when it is full, the
        one that has got least far, oldest first, is dropped (those still in their first
        moments last)."""
        now = self.clock()
        mine = [c for c in self.waiting if c.address == connection.address]
        over = len(mine) + 1 - self.options.max_pre_session_per_address
        if over > 0:
            stale = [c for c in mine if now - c.started >= BURST_ALLOWANCE]
            for victim in sorted(stale, key=lambda c: c.progress)[:over]:  # sorted keeps age
                self._drop(victim, DROPPED_ADDRESS)
        while len(self.waiting) >= self.options.max_pre_session:
            victim = min(
                self.waiting, key=lambda c: (now - c.started < BURST_ALLOWANCE, c.progress)
            )
            self._drop(victim, DROPPED_TOTAL)
        self.waiting[connection] = None

    def _drop(self, victim: WaitingConnection, how: str) -> None:
        self.waiting.pop(victim, None)
        victim.drop(how)

    def leave_waiting(self, connection: WaitingConnection) -> bool:
        """Take ``connection`` out of the pool; whether it was there."""
        if connection not in self.waiting:
            return False
        del self.waiting[connection]
        return True

    def admit(self, address: str) -> tuple[str, str] | None:
        """Take a session's place for a connection that opens its terminal session; when there
        is none, the refusal message for the client and the reason for the log."""
        if self.admitted >= self.options.max_sessions:
            return BUSY_MESSAGE, "refused: too many sessions"
        if self.per_address[address] >= self.options.max_per_address:
            return BUSY_ADDRESS_MESSAGE, "refused: too many sessions from this address"
        self.admitted += 1
        self.per_address[address] += 1
        return None

    def release(self, address: str) -> None:
        self.admitted -= 1
        self.per_address[address] -= 1
        if self.per_address[address] <= 0:
            del self.per_address[address]

    def arguments_for(self, marker: str) -> list[str]:
        return child_arguments(marker, demo=self.options.demo)


def client_dropped(exc: BaseException | None) -> bool:
    """Whether a connection's end is the client going away: a client that dies leaves an EOF,
    or, when our last output was still unread in its socket, a reset or a broken pipe."""
    if isinstance(exc, asyncssh.ConnectionLost | ConnectionResetError | BrokenPipeError):
        return True
    return isinstance(exc, OSError) and exc.errno in (errno.EPIPE, errno.ECONNRESET)


class PortalConnection(asyncssh.SSHServer):
    """One client connection: admission, no SSH authentication, at most one session."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.conn: asyncssh.SSHServerConnection | None = None
        self.address = "?"
        self.peer = "?"
        self.username = ""
        self.authenticating = False  # the key exchange is done: it asks to sign in
        self.refusal: tuple[str, str] | None = None
        self.admitted = False  # holds a session's place
        self.session: PortalSession | None = None
        self.ended: str | None = None
        self.started = service.clock()
        self._grace_timer: asyncio.TimerHandle | None = None

    @property
    def progress(self) -> int:
        """How far the client has got on its way to a session: 0 nothing yet, 1 it said its SSH
        greeting, 2 it finished the key exchange and asks to sign in."""
        if self.authenticating:
            return 2
        if self.conn is not None and self.conn.get_extra_info("client_version"):
            return 1
        return 0

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername") or ("?", 0)
        self.address = str(peer[0])
        self.peer = f"{peer[0]}:{peer[1]}"
        self.service.connections.add(self)
        self.service.arrive(self)
        options = self.service.options
        self._arm_grace(min(options.pre_session_grace, options.login_grace))

    def _arm_grace(self, delay: float) -> None:
        self._grace_timer = asyncio.get_running_loop().call_later(delay, self._grace_expired)

    def _grace_expired(self) -> None:
        """Still no session: one that never said its SSH greeting gets the short pre-session
        grace, the others the login grace (a first-time user reads the host key's
        fingerprint before the key exchange ends)."""
        self._grace_timer = None
        if self not in self.service.waiting:
            return
        login_grace = self.service.options.login_grace
        left = self.started + login_grace - self.service.clock()
        if self.progress == 0 and left > 0:
            grace = self.service.options.pre_session_grace
            self.drop(f"dropped before a session: no SSH greeting within {grace:g}s")
        elif left > 0:
            self._arm_grace(left)
        else:
            self.drop("login grace time expired")

    def drop(self, how: str) -> None:
        """Close a connection that has no session yet (the first reason given wins)."""
        self.end(how)
        self.service.leave_waiting(self)
        if self._grace_timer is not None:
            self._grace_timer.cancel()
            self._grace_timer = None
        if self.conn is not None:
            self.conn.close()

    def begin_auth(self, username: str) -> bool:
        """No SSH-level authentication: the portal's sign-in screen is the door."""
        self.username = username
        self.authenticating = True
        return False

    def session_opened(self) -> None:
        """The terminal session opens: the connection leaves the pool of waiting ones for a
        session's place, or is refused (the session says why)."""
        if self._grace_timer is not None:
            self._grace_timer.cancel()
            self._grace_timer = None
        if self.service.leave_waiting(self):
            self.refusal = self.service.admit(self.address)
            self.admitted = self.refusal is None
        elif self.refusal is None:  # dropped a moment ago; its connection is closing
            self.refusal = (BUSY_MESSAGE, self.ended or "refused: dropped before a session")

    def session_requested(self) -> PortalSession | bool:
        if self.session is not None:
            return False  # one session per connection
        self.session = PortalSession(self)
        return self.session

    def end(self, how: str) -> None:
        """Record how the connection ended (the first reason given wins)."""
        if self.ended is None:
            self.ended = how

    def connection_lost(self, exc: Exception | None) -> None:
        if self._grace_timer is not None:
            self._grace_timer.cancel()
        self.service.leave_waiting(self)
        if self.admitted:
            self.admitted = False
            self.service.release(self.address)
        self.service.connections.discard(self)
        if client_dropped(exc):
            self.end("client dropped the connection")
        elif exc is not None:
            self.end(f"connection error: {exc}")
        elif self.session is not None and self.session.started:
            self.end("client disconnected")
        else:
            self.end("closed before a session started")
        if self.session is not None:
            self.session.hangup()
        duration = self.service.clock() - self.started
        log.info(
            "ssh session peer=%s user=%r duration=%.1fs ended=%r",
            self.peer,
            defuse(self.username)[:64],
            duration,
            defuse(self.ended),
        )


class PortalSession(asyncssh.SSHServerSession[bytes]):
    """One terminal session: the TUI on a PTY, or a one-line refusal."""

    def __init__(self, connection: PortalConnection) -> None:
        self.connection = connection
        self.service = connection.service
        self.chan: asyncssh.SSHServerChannel[bytes] | None = None
        self.started = False
        self.process: TerminalProcess | None = None
        self.marker = self.service.next_marker()
        self.last_input = time.monotonic()
        self._idle_timer: asyncio.TimerHandle | None = None
        self._early_input = bytearray()
        self._starting: asyncio.Future[None] | None = None
        self._closed = False  # the channel is gone
        self._input_closed = False  # the client sent EOF
        self._finished = False  # we sent the exit status

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self.chan = chan

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self.connection.end("refused: command requested")
        return False

    def subsystem_requested(self, subsystem: str) -> bool:
        self.connection.end(f"refused: subsystem {defuse(subsystem)[:32]!r} requested")
        return False

    def session_started(self) -> None:
        self.started = True
        self.connection.session_opened()
        self._starting = asyncio.ensure_future(self._start())

    async def _start(self) -> None:
        chan = self.chan
        assert chan is not None
        if self.connection.refusal is not None:
            self._refuse(*self.connection.refusal)
            return
        term = chan.get_terminal_type()
        if term is None:
            self._refuse(NO_TERMINAL_MESSAGE, "refused: no terminal (no PTY requested)")
            return
        options = self.service.options
        env_in = chan.get_environment()
        env = child_environment(
            term=term,
            lang=env_in.get("LANG"),
            colorterm=env_in.get("COLORTERM"),
            database_url=options.database_url,
            config_path=options.config_path,
            home=os.environ.get("HOME"),
            path=os.environ.get("PATH"),
        )
        columns, rows, xpixels, ypixels = chan.get_terminal_size()
        assert self.service.forkserver is not None
        process = TerminalProcess(
            self.service.forkserver,
            self.service.arguments_for(self.marker),
            env,
            on_output=self._output,
            on_exit=self._process_exited,
            on_input_backlog=self._input_backlog,
            on_log=self._portal_logged,
        )
        try:
            await process.start(columns or 80, rows or 24, xpixels, ypixels)
        except OSError as exc:
            log.error("ssh peer=%s: could not start the portal: %s", self.connection.peer, exc)
            self._refuse(f"{PROG}: the portal could not start; please try later", f"failed: {exc}")
            return
        self.process = process
        if self._closed or self._input_closed:  # the client left while we were starting
            self.connection.end("client closed its input")
            process.hangup(options.hangup_grace)
            return
        process.resize(*chan.get_terminal_size())  # it may have changed while we started
        if self._early_input:
            process.write(bytes(self._early_input))
            self._early_input.clear()
        self._arm_idle_timer()

    def _refuse(self, message: str, how: str) -> None:
        self.connection.end(how)
        self._finish(1, message)

    def _finish(self, status: int, message: str | None = None) -> None:
        """Send ``message`` (one line on stderr) and the exit status, once."""
        if self.chan is None or self._closed or self._finished:
            return
        self._finished = True
        if message is not None:
            newline = "\r\n" if self.chan.get_terminal_type() else "\n"
            self.chan.write_stderr((message + newline).encode())
        self.chan.exit(status)

    # ------------------------------------------------------------------ data both ways

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        self.last_input = time.monotonic()
        if self.process is not None:
            self.process.write(data)
        elif len(self._early_input) < 65536:
            self._early_input += data  # typed while the portal starts

    def _output(self, data: bytes) -> None:
        if self.chan is not None and not self._closed and not self._finished:
            with contextlib.suppress(BrokenPipeError):
                self.chan.write(data)

    def _input_backlog(self, full: bool) -> None:
        if self.chan is None or self._closed:
            return
        if full:
            self.chan.pause_reading()
        else:
            self.chan.resume_reading()

    def pause_writing(self) -> None:
        if self.process is not None:
            self.process.pause_output()

    def resume_writing(self) -> None:
        if self.process is not None:
            self.process.resume_output()

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        if self.process is not None:
            self.process.resize(width, height, pixwidth, pixheight)

    def eof_received(self) -> bool:
        """The client will send nothing more: a portal without keystrokes is hung up (its exit
        status is still sent); a refusal still gets its line out."""
        self._input_closed = True
        if self.process is not None:
            self.connection.end("client closed its input")
            self.hangup()
        return True  # keep our direction open for the exit status

    # ------------------------------------------------------------------ endings

    def _portal_logged(self, line: str) -> None:
        """A line of the portal's own log (its pipe, never the client's terminal): into ours,
        with the session's peer, passwords masked once more."""
        log.warning("ssh peer=%s portal: %s", self.connection.peer, defuse(mask_url(line)))

    def _process_exited(self, status: int) -> None:
        self.connection.end(f"portal exited (status {status})")
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        if status < 0 and self.chan is not None and not (self._closed or self._finished):
            self.chan.write(RESTORE_TERMINAL)  # killed: it could not tidy up after itself
        self._finish(status if status >= 0 else 1)

    def _arm_idle_timer(self) -> None:
        timeout = self.service.options.idle_timeout
        delay = max(self.last_input + timeout - time.monotonic(), 0.0)
        self._idle_timer = asyncio.get_running_loop().call_later(delay + 0.01, self._idle_check)

    def _idle_check(self) -> None:
        timeout = self.service.options.idle_timeout
        if time.monotonic() - self.last_input < timeout:
            self._arm_idle_timer()
            return
        minutes = f"{timeout / 60:g}"
        self.terminate(f"idle for {minutes} minutes", IDLE_MESSAGE.format(minutes=minutes))

    def terminate(self, how: str, message: str) -> None:
        """End the session from our side: hang the portal up, give the client's terminal back
        in its normal state, say why in one line, exit status 1."""
        self.connection.end(how)
        live = self.chan is not None and not (self._closed or self._finished)
        if live and self.process is not None and self.chan is not None:
            self.chan.write(RESTORE_TERMINAL)
        self._finish(1, message)
        self.hangup()

    def hangup(self) -> None:
        """The client is gone (or the session is over): hang up the TUI."""
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        if self.process is not None:
            self.process.hangup(self.service.options.hangup_grace)

    def connection_lost(self, exc: Exception | None) -> None:
        """The session's channel is closed: hang up, and end the connection with it (one
        session per connection, so a multiplexing client cannot keep a slot open)."""
        self._closed = True
        self.hangup()
        if self.connection.conn is not None:
            self.connection.conn.close()


async def serve(options: ServiceOptions, *, stop: asyncio.Event | None = None) -> None:
    """Listen until ``stop`` is set (or SIGTERM/SIGINT), then hang up every session."""
    key_path = options.host_key or default_host_key_path()
    key, created = load_or_create_host_key(key_path)
    if created:
        log.info("generated host key %s", key_path)
    forkserver = await start_forkserver(options)
    service = Service(options, forkserver=forkserver)
    server = await asyncssh.create_server(
        lambda: PortalConnection(service),
        options.host,
        options.port,
        server_host_keys=[key],
        login_timeout=options.login_grace + 5,  # a backstop: our own grace timer ends it
        keepalive_interval=options.keepalive_interval,
        keepalive_count_max=3,
        encoding=None,
        line_editor=False,
        agent_forwarding=False,
        x11_forwarding=False,
        allow_pty=True,
    )
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
    bound = ", ".join(f"{s.getsockname()[0]}:{s.getsockname()[1]}" for s in server.sockets)
    fingerprint = key.get_fingerprint()
    mode = "demo database" if options.demo else "database"
    log.info("serving the portal over SSH on %s (host key %s, %s ready)", bound, fingerprint, mode)
    try:
        await stop.wait()
    finally:
        log.info("shutting down: %d connection(s) open", len(service.connections))
        server.close()
        processes = []
        for connection in list(service.connections):
            if connection.session is not None:
                if connection.session.process is not None:
                    processes.append(connection.session.process)
                connection.session.terminate("server shut down", SHUTDOWN_MESSAGE)
            connection.end("server shut down")
        await asyncio.sleep(0.2)  # let those last lines leave
        for connection in list(service.connections):
            if connection.conn is not None:
                connection.conn.close()
        waits = [process.wait() for process in processes if process.running]
        if waits:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*waits), options.hangup_grace + 2)
        await server.wait_closed()
        await forkserver.close()  # (the sessions have ended)
        await asyncio.sleep(0.1)  # let the closed connections log their line


async def start_forkserver(options: ServiceOptions) -> ForkServer:
    """The fork server, ready (it has imported the portal): so the first session is as quick
    as the others, and a portal that cannot even be imported stops the service here."""
    dialect = options.database_url.split(":", 1)[0].split("+", 1)[0]
    env = service_environment(home=os.environ.get("HOME"), path=os.environ.get("PATH"))
    marker = f"{SESSION_MARKER_PREFIX}{os.getpid()}"
    forkserver = ForkServer(marker, dialect=dialect, demo=options.demo, env=env)
    await forkserver.ensure_running()
    return forkserver


def run(options: ServiceOptions) -> None:
    """Run the service in this process until SIGTERM/SIGINT."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    asyncio.run(serve(options))

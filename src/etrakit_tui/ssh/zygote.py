"""The fork server ("zygote") of ``serve-ssh``: one process that has imported the portal once
and forks one child per SSH session onto that session's pseudo-terminal.

``python -m etrakit_tui.ssh.zygote --service MARKER [--dialect NAME] [--demo]``, started by
:class:`etrakit_tui.ssh.forkserver.ForkServer` (exec'd, never forked from the SSH server: it
holds no host key, no connection, no event loop) with a clean environment and one end of a
``SOCK_SEQPACKET`` socket pair as its only descriptor besides the standard ones.

It imports the portal's entry modules in the order a signed-in session does (with the garbage
collector off), checks that it runs a single thread, makes every object it holds immortal
(Python 3.12 and 3.13; see :func:`immortalize`), then ``gc.freeze()``: the children share
those pages copy-on-write and their collections never walk them. It never opens the database,
starts a loop or a thread, or logs to a file: each child does what its session needs itself.

Protocol (one JSON object per datagram):

- server -> zygote ``{"id", "env", "argv"}`` with the session's PTY slave (and the session's
  log pipe) as ``SCM_RIGHTS``: the zygote forks; the reply is ``{"id", "pid"}`` with a pidfd
  of the child, or ``{"id", "error"}``.
- server -> zygote ``{"id", "signal"}``: signal that session's process group, only while the
  child is not reaped (so never a recycled pid).
- zygote -> server ``{"id", "exit"}`` once the child ended (its status as
  ``subprocess.Popen.returncode`` has it: negative for a signal). Before reaping, whatever is
  left in the child's process group is killed (the unreaped child pins its pid and pgid).

No peer address or user name ever reaches the zygote: what it holds, every later child holds.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import json
import os
import pkgutil
import random
import selectors
import signal
import socket
import sys
import sysconfig
import threading
from importlib import import_module
from typing import Any, NoReturn

MESSAGE_LIMIT = 65536
MAX_FDS = 2  # the PTY slave, the log pipe
LOG_FD = 3  # where a child finds the session's log pipe (ETRAKIT_LOG_FD)
SESSION_NAME = b"etrakit-session"  # what ps shows for a session's process
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)
IMMORTAL_REFCNT = 0xFFFFFFFF  # _Py_IMMORTAL_REFCNT of CPython 3.12 and 3.13 (64-bit)
IMMORTAL_VERSIONS = ((3, 12), (3, 13))  # where that value is the one CPython checks

# What a signed-in session imports, entry points first, in the order it imports them (a
# sorted list broke asyncio: ``_asyncio`` before ``asyncio`` loses ``current_task``).
ENTRY_MODULES = (
    "etrakit_tui.ssh.child",
    "etrakit_tui.logs",
    "etrakit_tui.cli.portal",
    "etrakit_tui.tui.app",
    "textual.drivers.linux_driver",
    "etrakit_tui.tui.driver",
    "etrakit_tui.tui.screens.login",
    "etrakit_tui.domain.store.db",
)
SIGNED_IN_MODULES = (
    "etrakit_tui.domain.accounts.auth",
    "etrakit_tui.domain.permits.dashboard",
    "etrakit_tui.tui.screens.dashboard",
)
RUNNING_APP_MODULES = (  # what Textual imports as the app runs (seen in a signed-in session)
    "concurrent.futures.thread",
    "textual.layouts.factory",
    "textual.layouts.horizontal",
    "textual.layouts.stream",
    "textual.pilot",
    "textual.drivers.headless_driver",
)
DEMO_MODULES = ("etrakit_tui.democity.demo", "etrakit_tui.democity.payorder")
DIALECTS = {
    "sqlite": "sqlalchemy.dialects.sqlite.pysqlite",
    "postgresql": "sqlalchemy.dialects.postgresql.psycopg",
}
SCREENS_PACKAGE = "etrakit_tui.tui.screens"


def preload(dialect: str, *, demo: bool) -> list[random.Random]:
    """Import the portal; the private ``random.Random`` generators that exist now (each
    child reseeds them: ``random``'s own is reseeded at fork, these are not)."""
    names = [*ENTRY_MODULES]
    if demo:
        names += DEMO_MODULES
    if dialect in DIALECTS:
        names.append(DIALECTS[dialect])
    names += SIGNED_IN_MODULES + RUNNING_APP_MODULES
    for name in names:
        import_module(name)
    screens = import_module(SCREENS_PACKAGE)
    for info in pkgutil.iter_modules(screens.__path__, f"{SCREENS_PACKAGE}."):
        import_module(info.name)  # every screen a session may open
    _build_shared_tables()
    return [
        obj
        for obj in gc.get_objects()
        if isinstance(obj, random.Random) and not isinstance(obj, random.SystemRandom)
    ]


def _build_shared_tables() -> None:
    """What every session would otherwise build for itself on first use, and which needs no
    connection: the ORM's mapper configuration (done at a session's first query) and Rich's
    character-width table (loaded at the first wide character drawn)."""
    from rich.cells import get_character_cell_size
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    get_character_cell_size("\u258a")  # a block the screens draw


def can_immortalize() -> bool:
    """Whether this interpreter's objects can be made immortal the way :func:`immortalize`
    does: CPython 3.12 or 3.13, 64-bit, with the GIL, not a debug build."""
    return (
        sys.implementation.name == "cpython"
        and sys.version_info[:2] in IMMORTAL_VERSIONS
        and sys.maxsize > 2**32
        and not sysconfig.get_config_var("Py_GIL_DISABLED")
        and not hasattr(sys, "gettotalrefcount")
    )


def immortalize() -> int:
    """Make every object the fork server holds immortal (PEP 683); return how many were not.

    Python writes an object's reference count each time code takes or drops a reference to
    it, so a child forked from here copied every page holding an object it merely used: its
    functions, classes, constants, strings. 31 MiB of the fork server's pages were copied
    into each signed-in session (measured on CPython 3.11). CPython 3.12 and 3.13 leave the
    count of an immortal object alone, and never free it. What is reached from the objects the
    garbage collector knows, and from every loaded module, gets the count CPython gives its
    own immortal objects; the fork server and its children never free them (the children
    exit with ``os._exit``). Elsewhere this does nothing and returns 0."""
    if not can_immortalize():
        return 0
    seen: set[int] = set()
    made = 0
    todo: list[object] = [*gc.get_objects(), *sys.modules.values()]
    while todo:
        fresh = []
        for obj in todo:
            address = id(obj)
            if address not in seen:
                seen.add(address)
                fresh.append(obj)
        for obj in fresh:
            count = ctypes.c_ssize_t.from_address(id(obj))
            if 0 < count.value < IMMORTAL_REFCNT:
                count.value = IMMORTAL_REFCNT
                made += 1
        todo = gc.get_referents(*fresh)
    return made


def _return_freed_memory() -> None:
    """Blocks above 128 KiB come from ``mmap`` and go back to the system when freed. By
    default glibc raises that threshold to the largest block freed so far: after a sign-in
    (argon2id takes 19 MiB) the session kept those 19 MiB for good (measured)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: its own policy
        libc = ctypes.CDLL(None)
        libc.mallopt(M_MMAP_THRESHOLD, 128 * 1024)


class Zygote:
    """The zygote's loop: requests from the server, SIGCHLD from its children."""

    def __init__(self, sock: socket.socket, generators: list[random.Random]) -> None:
        self.sock = sock
        self.generators = generators
        self.children: dict[int, str] = {}  # pid -> session id, until reaped
        self.sessions: dict[str, int] = {}  # session id -> pid, until reaped
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        self.selector = selectors.DefaultSelector()

    def run(self) -> None:
        self._send({"ready": os.getpid()})
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda _s, _f: None)  # wakes the selector
        self.selector.register(self.sock, selectors.EVENT_READ)
        self.selector.register(self.wake_r, selectors.EVENT_READ)
        while True:
            for key, _ in self.selector.select():
                if key.fileobj is self.sock:
                    if not self._request():
                        return  # the server is gone
                else:
                    with contextlib.suppress(OSError):
                        os.read(self.wake_r, 512)
            self._reap()

    def _request(self) -> bool:
        try:
            data, fds, flags, _ = socket.recv_fds(self.sock, MESSAGE_LIMIT, MAX_FDS)
        except InterruptedError:
            return True
        except OSError:
            return False
        if not data and not fds:
            return False
        try:
            if flags & (socket.MSG_CTRUNC | socket.MSG_TRUNC):
                return True  # a descriptor or the text was cut off: nothing to act on
            request = json.loads(data)
            if "signal" in request:
                self._signal(str(request["id"]), int(request["signal"]))
            elif len(fds) >= 1:
                self._fork(request, fds)
        except (ValueError, TypeError, KeyError):
            pass  # not a request of ours
        finally:
            for fd in fds:  # the child has its copies; the zygote keeps none
                os.close(fd)
        return True

    def _fork(self, request: dict[str, Any], fds: list[int]) -> None:
        sid = str(request["id"])
        env = {str(k): str(v) for k, v in dict(request["env"]).items()}
        argv = [str(a) for a in list(request["argv"])]
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError as exc:
            self._send({"id": sid, "error": str(exc)})
            return
        if pid == 0:
            self.selector.close()
            os.close(self.wake_r)
            os.close(self.wake_w)
            self.sock.close()
            run_session(fds, env, argv, self.generators)
        self.children[pid] = sid
        self.sessions[sid] = pid
        pidfds: list[int] = []
        with contextlib.suppress(OSError):
            pidfds.append(os.pidfd_open(pid))
        try:
            self._send({"id": sid, "pid": pid}, pidfds)
        finally:
            for fd in pidfds:
                os.close(fd)

    def _signal(self, sid: str, signum: int) -> None:
        pid = self.sessions.get(sid)
        if pid is not None:  # not reaped yet: the pid (and its group) is still that child's
            with contextlib.suppress(OSError):
                os.killpg(pid, signum)

    def _reap(self) -> None:
        while True:
            try:
                info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return
            if info is None:
                return
            pid = info.si_pid
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)  # what the session left in its group
            _, status = os.waitpid(pid, 0)
            sid = self.children.pop(pid, None)
            if sid is not None:
                del self.sessions[sid]
                self._send({"id": sid, "exit": os.waitstatus_to_exitcode(status)})

    def _send(self, message: dict[str, Any], fds: list[int] | None = None) -> None:
        data = json.dumps(message).encode()
        with contextlib.suppress(OSError):  # the server is gone: the loop ends on its EOF
            socket.send_fds(self.sock, [data], fds or [])


def run_session(
    fds: list[int], env: dict[str, str], argv: list[str], generators: list[random.Random]
) -> NoReturn:
    """In the forked child: become the session's process on its terminal, run the portal,
    never return to the zygote's loop."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGHUP, signal.SIGTERM, signal.SIGQUIT):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGWINCH, signal.SIG_DFL)  # SIGPIPE stays ignored, as Python has it
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        slave, *log = fds
        os.login_tty(slave)  # new session; the PTY its controlling terminal and fds 0, 1, 2
        if log:
            os.dup2(log[0], LOG_FD, inheritable=False)
            env["ETRAKIT_LOG_FD"] = str(LOG_FD)
        os.closerange(LOG_FD + 1 if log else LOG_FD, os.sysconf("SC_OPEN_MAX"))
        os.environ.clear()
        os.environ.update(env)
        os.umask(0o077)
        os.chdir("/")
        sys.argv = [sys.argv[0]]
        _reopen_stdio()  # the zygote's streams: its choices, maybe unflushed text
        with contextlib.suppress(OSError), open("/proc/self/comm", "wb") as comm:
            comm.write(SESSION_NAME)
        for generator in generators:
            generator.seed()  # from os.urandom: no two sessions share a sequence
        gc.enable()
        from etrakit_tui.ssh.child import main

        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # never back into the zygote's loop (the portal logged its error)
        code = 1
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _reopen_stdio() -> None:
    """``sys.stdin``/``stdout``/``stderr`` (and their ``__std*__`` originals, which Textual's
    driver reads) anew on descriptors 0, 1 and 2: the session's terminal."""
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        line = -1 if fd == 0 else 1
        stream = open(fd, mode, encoding="utf-8", closefd=False, buffering=line)  # noqa: SIM115
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="etrakit-tui (ssh fork server)")
    parser.add_argument("--service", default="", help="marker of the service that started us")
    parser.add_argument("--fd", type=int, required=True, help="the socket to the server")
    parser.add_argument("--dialect", default="", help="the database's dialect to preload")
    parser.add_argument("--demo", action="store_true", help="preload the demo city's modules")
    args = parser.parse_args(argv)
    sock = socket.socket(fileno=args.fd)
    _return_freed_memory()
    gc.disable()
    generators = preload(args.dialect, demo=args.demo)
    if threading.active_count() != 1:
        raise SystemExit("etrakit-tui: the fork server must run a single thread")
    gc.collect()
    immortalize()
    gc.freeze()
    Zygote(sock, generators).run()


if __name__ == "__main__":
    main()

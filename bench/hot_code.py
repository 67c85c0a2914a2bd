"""Which code a signed-in SSH session runs: writes ``src/etrakit_tui/ssh/hot_code.txt``, the
order file the fork server packs before it forks (see :mod:`etrakit_tui.ssh.pagelayout`).

``python -m bench.hot_code [--out PATH]`` imports the portal as the fork server does
(:func:`etrakit_tui.ssh.zygote.preload`), then forks a session onto a pseudo-terminal as the
fork server does, on a fresh demo database, its log on a pipe as under ``serve-ssh``. A
profiler in the session notes every code object that runs. The session is driven as
``bench.ssh_sessions`` drives its sessions: the demo's CITY OF HEMET signs in, opens Permit
Search (F3) and types; then Ctrl+Q. The names of the code that ran are written, sorted.

Run it again when the portal or a pinned library changes much: an old file costs memory
per session (the code it misses is not packed), never correctness.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import CodeType, FrameType

import pyte

from bench.ssh_sessions import (
    COMPANY,
    DOWN,
    PASSWORD,
    SEARCH_KEY,
    SEARCH_TITLE,
    SIGN_IN,
    SIGNED_IN,
    TYPED,
)
from etrakit_tui.ssh import pagelayout, zygote
from etrakit_tui.ssh.shell import child_environment

COLUMNS, ROWS = 80, 24
KEYS = 10
QUIT = "\x11"  # Ctrl+Q
PATIENCE = 60.0
HEADER = """\
# The code a signed-in SSH session runs (module:qualified name), packed by the fork server
# before it forks: see etrakit_tui.ssh.pagelayout. Written by `python -m bench.hot_code`
# (sign-in, dashboard, Permit Search, typing; SQLite). Do not edit by hand.
"""


def make_demo_database(folder: Path) -> Path:
    """A demo database file, built in another process (nothing of it stays in this one)."""
    path = folder / "demo.db"
    script = (
        "import sys\nfrom pathlib import Path\n"
        "from etrakit_tui.cli.bootstrap import demo_database\n"
        "with demo_database(Path(sys.argv[1])):\n    pass\n"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], check=True)
    return path


class Terminal:
    """The session's terminal as its user sees it (pyte), read from the PTY's master side."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def write(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait_for(self, check: Callable[[str], bool], what: str) -> None:
        deadline = time.monotonic() + PATIENCE
        while not check(self.text()):
            left = deadline - time.monotonic()
            if left <= 0:
                raise SystemExit(f"bench.hot_code: gave up waiting for {what}:\n{self.text()}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    data = b""
                if not data:
                    raise SystemExit(f"bench.hot_code: the session ended before {what}")
                self.stream.feed(data)

    def settle(self, quiet: float = 0.5) -> None:
        """Read until nothing has arrived for ``quiet`` seconds."""
        while select.select([self.master], [], [], quiet)[0]:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.stream.feed(data)


def drive(terminal: Terminal) -> None:
    """What ``bench.ssh_sessions`` does in each held session, then Ctrl+Q."""
    terminal.wait_for(lambda t: SIGN_IN in t, "the sign-in screen")
    terminal.settle()
    shown = terminal.text().count(COMPANY)
    terminal.write(COMPANY)
    terminal.wait_for(lambda t: t.count(COMPANY) > shown, "the company typed")
    terminal.settle()
    terminal.write(DOWN)
    terminal.wait_for(lambda t: t.count(COMPANY) >= shown + 2, "the company list")
    terminal.write("\r")
    terminal.wait_for(lambda t: t.count(COMPANY) == shown + 1, "the company taken")
    terminal.settle()
    terminal.write(PASSWORD + "\r")
    terminal.wait_for(lambda t: SIGNED_IN in t and SIGN_IN not in t, "the dashboard")
    terminal.settle()
    terminal.write(SEARCH_KEY)
    terminal.wait_for(lambda t: SEARCH_TITLE in t, "Permit Search")
    terminal.settle()
    for typed in range(1, KEYS + 1):
        terminal.write(TYPED)
        terminal.wait_for(lambda t, n=typed: TYPED * n in t, f"{typed} key(s) echoed")
    terminal.settle()
    terminal.write(QUIT)


def wait_for_exit(pid: int, terminal: Terminal) -> int:
    """The session's wait status once it has ended, reading what it still writes meanwhile
    (a full terminal would hold it up)."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        terminal.settle(quiet=0.2)
    raise SystemExit("bench.hot_code: the session did not end after Ctrl+Q")


def run_session(database: Path, keys: dict[int, str], out: Path, log_fd: int) -> None:
    """In the forked child (its terminal the PTY): the SSH session's process, profiled."""
    code = 1
    try:
        os.dup2(log_fd, zygote.LOG_FD, inheritable=False)
        env = child_environment(
            term="xterm-256color", lang=None, colorterm=None, database_url=f"sqlite:///{database}"
        )
        env["ETRAKIT_LOG_FD"] = str(zygote.LOG_FD)
        os.environ.clear()
        os.environ.update(env)
        zygote._reopen_stdio()
        ran: set[CodeType] = set()

        def note(frame: FrameType, event: str, _arg: object) -> None:
            if event == "call":
                ran.add(frame.f_code)

        threading.setprofile(note)
        sys.setprofile(note)
        gc.enable()
        from etrakit_tui.ssh.child import main

        with contextlib.suppress(SystemExit):
            main(["--demo"])
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
        names = sorted({keys[id(c)] for c in ran if id(c) in keys})
        out.write_text(HEADER + "\n".join(names) + "\n", encoding="utf-8")
        code = 0
    finally:
        os._exit(code)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hot_code", description=__doc__)
    parser.add_argument("--out", type=Path, default=pagelayout.HOT_CODE)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="etrakit-hot-code-") as folder:
        database = make_demo_database(Path(folder))
        gc.disable()
        zygote.preload("sqlite", demo=True)
        gc.collect()
        keys = pagelayout.code_keys(pagelayout.loaded_functions())
        written = Path(folder) / "hot_code.txt"
        log_r, log_w = os.pipe()
        pid, master = os.forkpty()
        if pid == 0:
            os.close(log_r)
            import fcntl
            import struct
            import termios

            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
            run_session(database, keys, written, log_w)
        os.close(log_w)
        log = bytearray()
        threading.Thread(target=_drain, args=(log_r, log), daemon=True).start()
        try:
            terminal = Terminal(master)
            drive(terminal)
            status = wait_for_exit(pid, terminal)
        except BaseException:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.stderr.write(log.decode(errors="replace"))
            raise
        if os.waitstatus_to_exitcode(status) != 0 or not written.exists():
            sys.stderr.write(log.decode(errors="replace"))
            print("bench.hot_code: the session did not write its names", file=sys.stderr)
            return 1
        names = pagelayout.read_hot_code(written)
        args.out.write_text(written.read_text(encoding="utf-8"), encoding="utf-8")
        print(f"{len(names)} names written to {args.out}")
    return 0


def _drain(fd: int, into: bytearray) -> None:
    while data := os.read(fd, 65536):
        into.extend(data)


if __name__ == "__main__":
    raise SystemExit(main())

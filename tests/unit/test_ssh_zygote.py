"""The fork server on its own (no SSH): what the zygote holds before any session (one thread,
no file open, only the environment it was given), and a session forked onto a
pseudo-terminal draws the portal there (in ``/``, without the zygote's socket), with its exit
status relayed, a kill's too."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from etrakit_tui.ssh.forkserver import ForkServer
from etrakit_tui.ssh.shell import child_environment, service_environment
from etrakit_tui.ssh.terminal import TerminalProcess

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ssh")]


def descriptors(pid: int) -> dict[int, str]:
    folder = Path(f"/proc/{pid}/fd")
    return {int(fd.name): os.readlink(fd) for fd in folder.iterdir()}


async def until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait (without blocking the loop) until ``check()`` holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "gave up waiting"
        await asyncio.sleep(0.05)


async def test_the_zygote_holds_nothing_but_the_imported_portal(sqlite_url: str) -> None:
    env = service_environment(home="/nonexistent", path=os.environ.get("PATH"))
    server = ForkServer("etrakit-ssh-test", dialect="sqlite", demo=False, env=env)
    await server.ensure_running()
    try:
        zygote = server.pid
        assert zygote is not None
        assert len(os.listdir(f"/proc/{zygote}/task")) == 1  # one thread
        fds = descriptors(zygote)
        # beyond its standard streams: its socket, its wake-up pipe and its selector; no file
        others = {fd: target for fd, target in fds.items() if fd > 2}
        kinds = sorted(target.split(":", 1)[0] for target in others.values())
        assert kinds == ["anon_inode", "pipe", "pipe", "socket"], fds
        assert fds[0] == "/dev/null"
        (sock,) = [target for target in others.values() if target.startswith("socket:")]
        raw = Path(f"/proc/{zygote}/environ").read_bytes()
        assert dict(item.split("=", 1) for item in raw.decode().split("\0") if item) == env

        output = bytearray()
        ended: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        child_env = child_environment(
            term="xterm-256color", lang=None, colorterm=None, database_url=sqlite_url
        )
        session = TerminalProcess(
            server,
            ["--session", "etrakit-ssh-test-1"],
            child_env,
            on_output=output.extend,
            on_exit=ended.set_result,
        )
        await session.start(80, 24)
        await until(lambda: b"Contractor Login" in output)
        assert session.pid is not None
        child_fds = descriptors(session.pid)
        assert os.readlink(f"/proc/{session.pid}/cwd") == "/"
        assert sock not in child_fds.values()  # the child cannot ask for sessions
        assert child_fds[0] == child_fds[1] == child_fds[2]
        assert child_fds[0].startswith("/dev/pts/")
        session.write(b"\x11")  # ctrl+q
        assert await asyncio.wait_for(ended, 30) == 0

        killed: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        second = TerminalProcess(
            server, [], child_env, on_output=lambda _d: None, on_exit=killed.set_result
        )
        await second.start(80, 24)
        assert second.pid is not None
        os.kill(second.pid, signal.SIGKILL)
        assert await asyncio.wait_for(killed, 30) == -signal.SIGKILL
    finally:
        await server.close()

"""The SSH service as a contractor meets it: the real OpenSSH client against ``serve-ssh``
(and against Debian's sshd with the ``ssh-shell`` ForceCommand), the screen read back at
80x24 by a terminal emulator."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.sshkit import (
    ServerProcess,
    Terminal,
    client_environment,
    environment_of,
    free_port,
    idle_connections,
    port_open,
    processes_with,
    ssh_argv,
    start_server,
    wait_until,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ssh")]

SIGN_IN = "Contractor Login"
FOCUS_IN = "\x1b[I"
FLOOD = 200
CHILD_ENV_KEYS = {"PATH", "HOME", "TERM", "LANG", "COLORTERM", "ETRAKIT_DATABASE_URL"}
CHILD_ENV_KEYS |= {"ETRAKIT_LOG_FD", "ETRAKIT_LOG"}  # where the portal logs (not the terminal)
FORKSERVER_ENV_KEYS = {"PATH", "HOME", "LANG"}


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One ``serve-ssh --demo`` for the module: one demo database for every connection."""
    server = start_server(tmp_path_factory.mktemp("ssh"), "--demo")
    yield server
    server.stop()


def refused(result: subprocess.CompletedProcess[str], needle: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]


# --------------------------------------------------------------------------- serve-ssh


def test_sign_in_screen_then_dashboard_then_resize(demo_server: ServerProcess) -> None:
    term = Terminal(demo_server.ssh("-tt"))
    try:
        assert term.wait_for(SIGN_IN), term.text()
        # A demo contractor signs in with the keyboard alone: company, Enter, password, Enter.
        term.send("CITY OF HEMET")
        assert term.wait_for("CITY OF HEMET"), term.text()
        term.settle()
        picker_shown = term.text().count("CITY OF HEMET") > 1
        term.send("\r")
        if picker_shown:  # the company list was offered: Enter takes its first entry
            term.settle()
            term.send("\r")
        term.settle()
        term.send("hemetdemo1\r")
        # the dashboard replaces the sign-in screen: wait for the whole repaint (the header
        # line can arrive before the rest of the screen is drawn over)
        assert term.wait_for(
            lambda t: "Signed in as: CITY OF HEMET" in t and "Dashboard" in t and SIGN_IN not in t
        ), term.text()
        # The window grows: the portal redraws at the new size (the header's right end moves
        # from column 80 to column 100).
        signed_in = "Signed in as: CITY OF HEMET"

        def header_ends_at(columns: int) -> bool:
            header = term.screen.display[0].rstrip()
            return header.endswith(signed_in) and columns - 2 <= len(header) <= columns

        assert header_ends_at(80), term.screen.display[0]
        term.resize(30, 100)
        assert term.wait_for(lambda _t: header_ends_at(100)), term.text()
    finally:
        term.close()


def test_start_prints_no_python_warning(demo_server: ServerProcess) -> None:
    """What ``serve-ssh`` prints as it starts (its stdout and stderr both go to the log): its
    own lines, no Python warning (asyncssh's DSA deprecation notice came at every start)."""
    start = demo_server.log().split("serving the portal", 1)[0]
    assert "Warning" not in start, start


def test_no_terminal_is_refused_and_starts_nothing(demo_server: ServerProcess) -> None:
    before = set(demo_server.tui_processes())
    result = subprocess.run(
        demo_server.ssh("-T"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        env=client_environment(),
    )
    refused(result, "needs an interactive terminal")
    assert set(demo_server.tui_processes()) <= before
    assert wait_until(lambda: "refused: no terminal" in demo_server.log(), timeout=5)
    # Commands and subsystems (scp, sftp) are refused too.
    for extra in (["true"], ["-s", "sftp"]):
        result = subprocess.run(
            [*demo_server.ssh("-T"), *extra],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
            env=client_environment(),
        )
        assert result.returncode != 0
        assert "failed" in result.stderr
    assert set(demo_server.tui_processes()) <= before


def test_killed_client_leaves_no_tui_process(demo_server: ServerProcess) -> None:
    before = set(demo_server.tui_processes())
    term = Terminal(demo_server.ssh("-tt"))
    try:
        assert term.wait_for(SIGN_IN), term.text()
        mine = set(demo_server.tui_processes()) - before
        assert mine, "the session's TUI process should be running"
        os.kill(term.pid, signal.SIGKILL)
        assert wait_until(lambda: not mine & set(demo_server.tui_processes()), timeout=5)
        dropped = "ended='client dropped the connection'"
        assert wait_until(lambda: dropped in demo_server.log(), timeout=5)
    finally:
        term.close()


def test_ten_sessions_at_once(demo_server: ServerProcess) -> None:
    terms = [Terminal(demo_server.ssh("-tt")) for _ in range(10)]
    try:
        for term in terms:
            assert term.wait_for(SIGN_IN, timeout=60), term.text()
        assert len(demo_server.tui_processes()) >= 10
        # Leaving with the portal's own Quit key ends the session cleanly (exit status 0).
        for term in terms:
            term.send("\x11")  # ctrl+q
        for term in terms:
            assert term.wait_exit(timeout=30) == 0
    finally:
        for term in terms:
            term.close()
    assert wait_until(lambda: not demo_server.tui_processes(), timeout=10)


POOL = 64  # --max-pre-session: idle connections the server keeps waiting at most
PATIENT = "600"  # seconds: graces no test outlasts
GRACE_ENDS = ("no SSH greeting within", "login grace")
EVICTED = "'dropped before a session: too many"


@pytest.fixture(scope="module")
def patient_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A ``serve-ssh --demo`` whose graces outlast any test: an idle connection it lets go
    before the test closes it was dropped to make room, never timed out."""
    limits = ["--max-pre-session", str(POOL)]
    limits += ["--pre-session-grace", PATIENT, "--login-grace", PATIENT]
    server = start_server(tmp_path_factory.mktemp("ssh-flood"), "--demo", *limits)
    yield server
    server.stop()


@pytest.mark.parametrize("addresses", [1, 20])
def test_idle_flood_never_keeps_a_client_out(patient_server: ServerProcess, addresses: int) -> None:
    """200 idle TCP connections from 127.0.0.1 alone (the client's own address, past its
    share), or from 20 addresses with 127.0.0.1 among them (the whole pool full), half of them
    silent and half saying only their SSH greeting. Not one of them times out during the test,
    yet a real client from 127.0.0.1 gets its sign-in screen, not "busy": the server made room
    by dropping idle ones. How fast is measured by ``python -m bench.ssh_flood``."""
    server = patient_server
    # This run's lines only: the module's server also logged the other run's flood, whose
    # client ports the system may hand out again to this one's.
    start = len(server.log())
    flood = idle_connections(server.port, FLOOD, addresses)
    peers = {f"{host}:{port}" for host, port in (sock.getsockname() for sock in flood)}

    def ends() -> list[str]:
        lines = server.log()[start:].splitlines()
        return [line.split(" ended=", 1)[1] for line in lines if _peer_of(line) in peers]

    term: Terminal | None = None
    try:
        # the pool is full of idle connections before the client comes
        assert wait_until(lambda: len(ends()) >= FLOOD - POOL, timeout=30), Counter(ends())
        started = time.monotonic()
        term = Terminal(server.ssh("-tt"))
        shown = term.wait_for(SIGN_IN, timeout=60)
        at_sign_in = ends()
        print(f"sign-in screen {time.monotonic() - started:.2f}s after starting ssh (not a test)")
        assert shown, term.text()
        assert b"busy" not in bytes(term.transcript), term.text()
    finally:
        for sock in flood:
            sock.close()
        if term is not None:
            term.close()

    # when the client got in, idle ones were still open and none had timed out: room was made
    assert len(at_sign_in) < FLOOD, Counter(at_sign_in)
    assert not [end for end in at_sign_in if any(g in end for g in GRACE_ENDS)], at_sign_in
    assert sum(end.startswith(EVICTED) for end in at_sign_in) >= FLOOD - POOL, at_sign_in
    # and each idle one ended by being dropped for room or by the test closing it
    assert wait_until(lambda: len(ends()) == FLOOD, timeout=30), len(ends())
    assert not [end for end in ends() if any(g in end for g in GRACE_ENDS)], Counter(ends())


def _peer_of(line: str) -> str:
    return line.split(" peer=", 1)[1].split(" ", 1)[0] if " peer=" in line else ""


def test_client_environment_never_reaches_the_portal(demo_server: ServerProcess) -> None:
    """What the client sends (``SendEnv``) reaches the portal only as the normalised TERM,
    LANG and COLORTERM. The session's process is forked by the fork server, whose own
    environment (what ``/proc`` shows for both) is the service's PATH, HOME and LANG alone;
    the portal's behaviour shows the rest: TEXTUAL_PRESS did not quit it, COLORTERM made it
    draw in 24-bit colour."""
    env = client_environment(
        TERM="xterm",
        COLORTERM="truecolor",
        TEXTUAL_PRESS="ctrl+q",
        PYTHONPATH="/tmp/not-the-portal",
        LC_ALL="C",
    )
    sends = ("TEXTUAL_PRESS", "COLORTERM", "PYTHONPATH", "LC_*")
    argv = demo_server.ssh("-tt", *(f"-oSendEnv={name}" for name in sends))
    before = set(demo_server.tui_processes())
    term = Terminal(argv, env=env)
    try:
        assert term.wait_for(SIGN_IN), term.text()
        (pid,) = set(demo_server.tui_processes()) - before
        for process in (pid, *demo_server.forkservers()):
            assert set(environment_of(process)) <= FORKSERVER_ENV_KEYS
        # Had TEXTUAL_PRESS reached it, the portal would have pressed ctrl+q and quit.
        term.settle(quiet=1.0)
        assert term.alive()
        assert SIGN_IN in term.text()
        assert b"\x1b[38;2;" in bytes(term.transcript)  # truecolor, as COLORTERM said
    finally:
        term.close()


def test_limits_idle_time_and_kept_host_key(
    demo_server: ServerProcess, tmp_path: Path, sqlite_url: str
) -> None:
    """A second server on the same host key: same fingerprint; one session per address;
    a silent TCP client is cut off after the pre-session grace, one that says only its SSH
    greeting after the login grace; an idle session ends."""
    key = demo_server.host_key
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    server = start_server(
        tmp_path,
        "--db",
        sqlite_url,
        "--max-per-address",
        "1",
        "--pre-session-grace",
        "1",
        "--login-grace",
        "3",
        "--idle-timeout",
        "4",
        host_key=key,
    )
    try:
        assert _fingerprint(server) == _fingerprint(demo_server)
        first = Terminal(server.ssh("-tt"))
        # Until the first session is seen working, it keeps "typing" (a terminal focus-in
        # report, which changes nothing on screen) so that it is never idle.
        up = False
        for _ in range(60):
            first.send(FOCUS_IN)
            if up := first.wait_for(SIGN_IN, timeout=1):
                break
        assert up, first.text()
        first.send(FOCUS_IN)
        second = subprocess.run(
            server.ssh("-tt"),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
            env=client_environment(),
        )
        assert second.returncode != 0
        assert "too many sessions from your address" in second.stdout + second.stderr
        for greeting in (b"", b"SSH-2.0-Idle_1.0\r\n"):
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as idle:
                idle.sendall(greeting)
                idle.settimeout(10)
                received = b""
                while chunk := idle.recv(4096):  # the server's banner (and kex), then EOF
                    received += chunk
                assert received.startswith(b"SSH-2.0-")
        silent_end = "ended='dropped before a session: no SSH greeting within 1s'"
        assert wait_until(lambda: silent_end in server.log(), timeout=5)
        assert wait_until(lambda: "ended='login grace time expired'" in server.log(), timeout=5)
        assert first.wait_exit(timeout=20) == 1
        assert "without input" in first.transcript.decode(errors="replace")
        # hung up (SIGHUP) as the session ends; on a loaded machine it can take a moment to go
        assert wait_until(lambda: not server.tui_processes(), timeout=5)
        assert "ended='idle for" in server.log()
    finally:
        server.stop()


def _fingerprint(server: ServerProcess) -> str:
    line = next(line for line in server.log().splitlines() if "serving the portal" in line)
    return line.split("host key ", 1)[1].split(",", 1)[0]


# --------------------------------------------------------------------------- ssh-shell under sshd

SSHD = Path("/usr/sbin/sshd")


@pytest.fixture()
def sshd(tmp_path: Path, sqlite_url: str) -> Iterator[tuple[int, Path]]:
    """Debian's sshd on a loopback port with ``ForceCommand etrakit-tui ssh-shell``; yields
    the port and the client's private key."""
    if not SSHD.exists():
        pytest.skip("/usr/sbin/sshd is missing (Debian: apt-get install openssh-server)")
    if os.geteuid() != 0:
        pytest.skip("sshd test needs root (it runs sshd and signs in as root)")
    script = Path(sys.executable).with_name("etrakit-tui")
    for name in ("host_key", "client_key"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / name)],
            check=True,
            timeout=30,
        )
    (tmp_path / "authorized_keys").write_text((tmp_path / "client_key.pub").read_text())
    port = free_port()
    config = tmp_path / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {tmp_path / 'host_key'}",
                f"PidFile {tmp_path / 'sshd.pid'}",
                f"AuthorizedKeysFile {tmp_path / 'authorized_keys'}",
                "PermitRootLogin prohibit-password",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PermitTTY yes",
                "AllowTcpForwarding no",
                "AllowAgentForwarding no",
                "AllowStreamLocalForwarding no",
                "X11Forwarding no",
                "PermitTunnel no",
                "PermitUserEnvironment no",
                "AcceptEnv LANG COLORTERM",
                f"ForceCommand {script} ssh-shell --db {sqlite_url}",
                "",
            ]
        )
    )
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    log = (tmp_path / "sshd.log").open("wb")
    process = subprocess.Popen(
        [str(SSHD), "-D", "-e", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        if not wait_until(lambda: process.poll() is not None or port_open(port), timeout=20):
            pytest.fail("sshd did not start")
        if process.poll() is not None:
            pytest.fail(f"sshd exited: {(tmp_path / 'sshd.log').read_text()}")
        yield port, tmp_path / "client_key"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_ssh_shell_under_openssh(sshd: tuple[int, Path], sqlite_url: str) -> None:
    port, key = sshd
    term = Terminal(ssh_argv(port, "-tt", user="root", identity=key))
    try:
        assert term.wait_for(SIGN_IN), term.text()
        tui = processes_with("etrakit_tui.ssh.child")
        mine = [pid for pid in tui if environment_of(pid).get("ETRAKIT_DATABASE_URL") == sqlite_url]
        assert len(mine) == 1
        assert set(environment_of(mine[0])) <= CHILD_ENV_KEYS
        term.send("\x11")  # ctrl+q
        assert term.wait_exit(timeout=20) == 0
    finally:
        term.close()
    result = subprocess.run(
        ssh_argv(port, "-T", user="root", identity=key),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        env=client_environment(),
    )
    refused(result, "needs an interactive terminal")
    result = subprocess.run(
        [*ssh_argv(port, "-tt", user="root", identity=key), "id"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        env=client_environment(),
    )
    assert result.returncode != 0
    assert "commands are not available" in result.stdout + result.stderr
    assert "uid=" not in result.stdout

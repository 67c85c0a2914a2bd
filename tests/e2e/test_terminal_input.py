"""Keys from a real terminal, as the portal's driver reads them (:mod:`etrakit_tui.tui.driver`).

The portal runs in a pseudo-terminal on an empty database. While nobody types it sleeps: a
server holding hundreds of idle SSH sessions pays for every wake-up. Keys still arrive, a
lone Escape included (the key parser waits a moment to tell it from the start of a longer
sequence), and Ctrl+Q still ends the portal at once."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.sshkit import Terminal, client_environment, wait_until

SIGN_IN = "Contractor Login"
MENU_TITLE = "Menu — Enter goes, Esc closes"
F1, ESCAPE, CTRL_Q = "\x1bOP", "\x1b", "\x11"
IDLE_WINDOW = 1.0  # seconds watched; Textual's own input thread wakes 10 times in it


def wake_ups(pid: int) -> int:
    """How many times any thread of ``pid`` has gone to sleep and been woken so far."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            status = (task / "status").read_text()
        except OSError:  # a thread that just ended
            continue
        for line in status.splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                total += int(line.split()[1])
    return total


@pytest.fixture
def portal(migrated_url: str, tmp_path: Path) -> Iterator[Terminal]:
    """The portal on the sign-in screen, in an 80x24 pseudo-terminal, nothing typed yet."""
    env = client_environment(HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"))
    term = Terminal([sys.executable, "-m", "etrakit_tui", "--db", migrated_url], env=env)
    try:
        assert term.wait_for(SIGN_IN), term.text()
        term.settle()
        yield term
    finally:
        term.close()


def test_an_idle_portal_sleeps_until_a_key(portal: Terminal) -> None:
    before = wake_ups(portal.pid)
    time.sleep(IDLE_WINDOW)  # the window watched: nothing is typed, nothing is drawn
    assert wake_ups(portal.pid) - before <= 3  # Textual's own driver: 10 (measured)
    portal.send(F1)  # and a key still wakes it
    assert portal.wait_for(MENU_TITLE), portal.text()


def test_a_character_whose_bytes_arrive_apart_is_typed(portal: Terminal) -> None:
    """A key's bytes may come in two reads (over SSH, a packet may end inside a character):
    the first read decodes to nothing yet, which is not the end of input."""
    portal.send("Z")
    assert portal.wait_for("Z"), portal.text()
    portal.settle()
    before = wake_ups(portal.pid)
    portal.send(b"\xc3")  # the first byte of "é"
    assert wait_until(lambda: wake_ups(portal.pid) > before, 10)  # read, and asleep again
    portal.send(b"\xa9x")
    assert portal.wait_for("Zéx"), portal.text()


def test_a_lone_escape_and_quit_still_arrive(portal: Terminal) -> None:
    portal.send(F1)
    assert portal.wait_for(MENU_TITLE), portal.text()
    portal.send(ESCAPE)  # nothing follows it: the parser's wait ends, Esc closes the menu
    assert portal.wait_for(lambda text: MENU_TITLE not in text), portal.text()
    assert SIGN_IN in portal.text()
    portal.send(CTRL_Q)
    assert portal.wait_exit() == 0
    assert wait_until(lambda: not portal.alive(), 5)

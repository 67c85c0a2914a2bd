"""The fork server's objects are immortal where CPython allows it (issue 14, target 2): a
session that takes a reference to every object the portal's modules hold copies almost none
of the fork server's memory, where without it the same references copy megabytes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from etrakit_tui.ssh.zygote import can_immortalize, immortalize

pytestmark = pytest.mark.slow

# Run in a fresh interpreter: immortal objects are never freed, not in this test's process.
CHILD = textwrap.dedent(
    """
    import gc, json, os, sys
    from etrakit_tui.ssh import zygote

    def private_dirty_kib():
        with open("/proc/self/smaps_rollup") as lines:
            for line in lines:
                if line.startswith("Private_Dirty:"):
                    return int(line.split()[1])
        raise SystemExit("no Private_Dirty")

    gc.disable()
    zygote.preload("sqlite", demo=False)
    gc.collect()
    made = zygote.immortalize() if sys.argv[1] == "immortal" else 0
    gc.freeze()
    held = [v for m in list(sys.modules.values()) for v in list(vars(m).values())]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a session: it takes a reference to each of those objects
        refs = [None] * len(held)
        before = private_dirty_kib()
        for i, obj in enumerate(held):
            refs[i] = obj
        os.write(write, json.dumps([len(held), private_dirty_kib() - before]).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    objects, copied = json.loads(os.read(read, 4096))
    print(json.dumps({"made": made, "objects": objects, "copied_kib": copied}))
    """
)


def session_copies(mode: str) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    figures: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


@pytest.mark.skipif(not can_immortalize(), reason="this Python has no immortal objects")
def test_a_session_copies_none_of_the_fork_servers_objects_it_uses() -> None:
    mortal = session_copies("mortal")
    immortal = session_copies("immortal")
    assert immortal["made"] > 100_000  # the portal's modules, classes, functions, strings
    assert mortal["objects"] == immortal["objects"] > 20_000
    # each reference taken writes its object's count: a page copied per page of objects
    assert mortal["copied_kib"] > 8192, mortal  # measured: 24-25 MiB (3.12.1, 3.13.0)
    assert immortal["copied_kib"] < 1024, (immortal, mortal)  # measured: 56-72 KiB


@pytest.mark.skipif(can_immortalize(), reason="this Python has immortal objects")
def test_where_python_has_no_immortal_objects_the_fork_server_leaves_them_alone() -> None:
    assert immortalize() == 0

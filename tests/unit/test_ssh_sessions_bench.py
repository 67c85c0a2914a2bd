"""``python -m bench.ssh_sessions`` still runs: two sessions held signed in through the fork
server, each types two keys; its section of the report names what it measured. How fast or
how big is not asserted (the benchmark's figures are for ``make bench``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ssh")]


def test_the_sessions_runner_holds_signed_in_sessions_and_writes_its_section(
    tmp_path: Path,
) -> None:
    out = tmp_path / "RESULTS.md"
    out.write_text("# Benchmarks\n\nhand-written notes\n")
    argv = [sys.executable, "-m", "bench.ssh_sessions", "--skip-compare", "--hold", "2"]
    argv += ["--typists", "2", "--keys", "2", "--out", str(out)]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert "hand-written notes" in text
    assert "2 of 2 signed in at once" in text
    assert "keystroke echo over 4 keys" in text
    assert "0 key(s) without echo" in text
    assert "PSS per signed-in session (2 held)" in text

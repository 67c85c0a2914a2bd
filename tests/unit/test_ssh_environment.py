"""What a portal session's process is given: only what the operator chose, and a client's
``TERM``/``LANG``/``COLORTERM`` only when they are what they claim to be."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from etrakit_tui.ssh.shell import (
    absolute_database_url,
    child_environment,
    normalize_colorterm,
    normalize_lang,
    normalize_term,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("xterm", "xterm-256color"),
        ("screen", "screen-256color"),
        ("xterm-256color", "xterm-256color"),
        ("linux", "linux"),
        (None, "xterm-256color"),
        ("", "xterm-256color"),
        ("xterm\x1b]52;c;", "xterm-256color"),
        ("../../etc/passwd", "xterm-256color"),
    ],
)
def test_terminal_type_is_normalised(given: str | None, expected: str) -> None:
    assert normalize_term(given) == expected


def test_only_utf8_locales_and_true_colour_pass() -> None:
    assert normalize_lang("fr_FR.UTF-8") == "fr_FR.UTF-8"
    assert normalize_lang("en_US.ISO-8859-1") == "C.UTF-8"
    assert normalize_lang("C.UTF-8; rm -rf /") == "C.UTF-8"
    assert normalize_lang(None) == "C.UTF-8"
    assert normalize_colorterm("truecolor") == "truecolor"
    assert normalize_colorterm("yes please") is None


def test_environment_is_built_from_scratch(tmp_path: Path) -> None:
    env = child_environment(
        term="xterm",
        lang="de_DE.UTF-8",
        colorterm="24bit",
        database_url="sqlite:////srv/portal.db",
        config_path=tmp_path / "hemet.toml",
        home="/home/etrakit",
        path="/usr/bin:/bin",
    )
    assert env == {
        "PATH": "/usr/bin:/bin",
        "HOME": "/home/etrakit",
        "TERM": "xterm-256color",
        "LANG": "de_DE.UTF-8",
        "COLORTERM": "24bit",
        "ETRAKIT_DATABASE_URL": "sqlite:////srv/portal.db",
        "ETRAKIT_CONFIG": str(tmp_path / "hemet.toml"),
    }


def test_relative_sqlite_path_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert absolute_database_url("sqlite:///portal.db") == f"sqlite:///{tmp_path / 'portal.db'}"
    assert absolute_database_url("sqlite:////srv/x.db") == "sqlite:////srv/x.db"
    assert absolute_database_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_session_process_refuses_to_run_without_a_terminal() -> None:
    """A Textual app on a pipe spins at 100% CPU: the session entry point never starts it."""
    result = subprocess.run(
        [sys.executable, "-m", "etrakit_tui.ssh.child", "--session", "etrakit-ssh-test"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "etrakit-tui: the portal needs an interactive terminal; connect with: ssh -t <host>"
    ]

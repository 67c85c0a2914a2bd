"""What both SSH front ends share: the TUI process's command line and its environment.

The environment of a portal session is built from scratch, never inherited from the client:
``PATH`` and ``HOME`` come from the service itself, ``TERM`` is normalised, ``LANG`` and
``COLORTERM`` are the only values taken from the client (and only when they look like what
they claim to be), and the database (``ETRAKIT_DATABASE_URL``) and rules file
(``ETRAKIT_CONFIG``) are the operator's; where the portal logs (``ETRAKIT_LOG``,
``ETRAKIT_LOG_FD``) is the service's. Anything else a client sends — ``TEXTUAL_PRESS``,
``LD_PRELOAD``, ``PYTHONPATH``... — never reaches the TUI.

:func:`exec_shell` is the ``ForceCommand`` entry point (``etrakit-tui ssh-shell``) for cities
that run their own OpenSSH server.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn

PROG = "etrakit-tui"
DEFAULT_TERM = "xterm-256color"
DEFAULT_LANG = "C.UTF-8"
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"

# Under ``ssh-shell`` every TUI process carries ``--session <marker>`` on its command line; under
# ``serve-ssh`` the fork server carries ``--service <marker>`` and the sessions are its children
# (named ``etrakit-session``): so an operator with ``ps`` can find them.
SESSION_MARKER_PREFIX = "etrakit-ssh-"

# Old terminal names that every current emulator answering to them can do 256 colours with.
_TERM_UPGRADES = {
    "xterm": "xterm-256color",
    "screen": "screen-256color",
    "tmux": "tmux-256color",
}
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}")
_SAFE_LANG = re.compile(
    r"[A-Za-z]{1,8}(_[A-Za-z]{2,3})?\.(UTF-8|utf-8|UTF8|utf8)(@[A-Za-z0-9]{1,16})?"
)
_COLORTERMS = {"truecolor", "24bit"}

NO_TERMINAL_MESSAGE = (
    f"{PROG}: the portal needs an interactive terminal; connect with: ssh -t <host>"
)
NO_COMMANDS_MESSAGE = f"{PROG}: commands are not available here; connect with: ssh -t <host>"


def normalize_term(term: str | None) -> str:
    """The client's terminal type, upgraded (``xterm`` -> ``xterm-256color``) and sane."""
    if not term or not _SAFE_NAME.fullmatch(term):
        return DEFAULT_TERM
    return _TERM_UPGRADES.get(term, term)


def normalize_lang(lang: str | None) -> str:
    """The client's ``LANG`` if it names a UTF-8 locale (the TUI draws box characters), else
    ``C.UTF-8``."""
    if lang and _SAFE_LANG.fullmatch(lang):
        return lang
    return DEFAULT_LANG


def normalize_colorterm(colorterm: str | None) -> str | None:
    """``truecolor``/``24bit`` pass; anything else is dropped."""
    if colorterm and colorterm.lower() in _COLORTERMS:
        return colorterm.lower()
    return None


def child_environment(
    *,
    term: str | None,
    lang: str | None,
    colorterm: str | None,
    database_url: str,
    config_path: Path | None = None,
    home: str | None = None,
    path: str | None = None,
    log: str | None = None,
) -> dict[str, str]:
    """The complete environment of a TUI process: nothing else is passed on. ``log``: where
    the portal logs (``syslog``; see :mod:`etrakit_tui.logs`; ``serve-ssh`` adds its pipe)."""
    env = {
        "PATH": path or DEFAULT_PATH,
        "HOME": home or "/",
        "TERM": normalize_term(term),
        "LANG": normalize_lang(lang),
        "ETRAKIT_DATABASE_URL": database_url,
    }
    color = normalize_colorterm(colorterm)
    if color is not None:
        env["COLORTERM"] = color
    if config_path is not None:
        env["ETRAKIT_CONFIG"] = str(config_path)
    if log is not None:
        env["ETRAKIT_LOG"] = log
    return env


def child_arguments(marker: str, *, demo: bool = False) -> list[str]:
    """The arguments of one TUI process (:func:`etrakit_tui.ssh.child.main`)."""
    return ["--session", marker, *(["--demo"] if demo else [])]


def child_command(marker: str, *, demo: bool = False) -> list[str]:
    """The command line of one TUI process (see :mod:`etrakit_tui.ssh.child`)."""
    return [sys.executable, "-m", "etrakit_tui.ssh.child", *child_arguments(marker, demo=demo)]


def service_environment(home: str | None = None, path: str | None = None) -> dict[str, str]:
    """The fork server's environment: nothing of the operator's (a ``TEXTUAL_*`` value would be
    read once at import and hold for every session) nor of any client's."""
    return {"PATH": path or DEFAULT_PATH, "HOME": home or "/", "LANG": DEFAULT_LANG}


def absolute_database_url(url: str) -> str:
    """A relative SQLite path made absolute, so the TUI finds the same file from any cwd."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        rest = url[len(prefix) :]
        path, sep, query = rest.partition("?")
        if path and path != ":memory:":
            return prefix + str(Path(path).resolve()) + sep + query
    return url


def has_terminal() -> bool:
    """True when standard input and output are both a terminal."""
    return os.isatty(0) and os.isatty(1)


def exec_shell(
    database_url: str,
    config_path: Path | None,
    environ: Mapping[str, str] | None = None,
) -> NoReturn:
    """``ForceCommand`` entry point: refuse anything but an interactive terminal session, then
    replace this process with the TUI in a clean environment."""
    source = os.environ if environ is None else environ
    if source.get("SSH_ORIGINAL_COMMAND"):
        _refuse(NO_COMMANDS_MESSAGE)
    if not has_terminal():
        _refuse(NO_TERMINAL_MESSAGE)
    env = child_environment(
        term=source.get("TERM"),
        lang=source.get("LANG"),
        colorterm=source.get("COLORTERM"),
        database_url=absolute_database_url(database_url),
        config_path=config_path.resolve() if config_path is not None else None,
        home=source.get("HOME"),
        path=source.get("PATH"),
        log="syslog",  # never the visitor's terminal
    )
    argv = child_command(f"{SESSION_MARKER_PREFIX}sshd-{os.getpid()}")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, env)  # noqa: S606 - the fixed command, no shell


def _refuse(message: str) -> NoReturn:
    print(message, file=sys.stderr, flush=True)
    raise SystemExit(1)

"""One portal session's TUI process: ``python -m etrakit_tui.ssh.child --session MARKER``.

Run by ``serve-ssh`` in a process forked by its fork server (:mod:`etrakit_tui.ssh.zygote`)
on a fresh pseudo-terminal (new session), and exec'd by ``ssh-shell`` under OpenSSH. Its
environment was built by :func:`etrakit_tui.ssh.shell.child_environment`: the database comes
from ``ETRAKIT_DATABASE_URL``. It takes its terminal as controlling terminal
(so window-size changes reach it as SIGWINCH and a hang-up ends it), refuses to run without
a terminal, and reports any error as one line — plain: this terminal is the visitor's, so
no host, URL or driver text reaches it. What failed goes to the portal's log (the service's
log under ``serve-ssh``, syslog under ``ssh-shell``; see :mod:`etrakit_tui.logs`).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import sys
import termios

from etrakit_tui.ssh.shell import NO_TERMINAL_MESSAGE, PROG, has_terminal


def claim_controlling_terminal() -> None:
    """Make standard input our controlling terminal when we lead a session without one."""
    if os.getsid(0) != os.getpid():
        return
    # Fails when it is already ours (OpenSSH set it up) or not a terminal (checked next).
    with contextlib.suppress(OSError):
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def main(argv: list[str] | None = None) -> None:
    """Run the portal on the configured database in this terminal."""
    parser = argparse.ArgumentParser(prog=f"{PROG} (ssh session)")
    parser.add_argument("--session", default="", help="marker the SSH service finds us by")
    parser.add_argument("--demo", action="store_true", help="show the demo sign-ins")
    args = parser.parse_args(argv)
    claim_controlling_terminal()
    from etrakit_tui.logs import configure_portal_logging

    configure_portal_logging()
    if not has_terminal():
        print(NO_TERMINAL_MESSAGE, file=sys.stderr, flush=True)
        raise SystemExit(1)
    try:
        _run(demo=args.demo)
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except Exception as exc:
        _log(exc)
        print(f"{PROG}: error: {_describe(exc)}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None


def _run(*, demo: bool) -> None:
    from etrakit_tui.cli.portal import run_portal

    run_portal(None, demo=demo, remote=True)


INTERNAL_ERROR = "Something went wrong; the portal must close. The error was logged."


def _describe(exc: Exception) -> str:
    """The line the visitor sees: a domain or configuration error's own message (a database
    that cannot be reached: the one plain line), else a plain line; never a driver's text."""
    from etrakit_tui.cli.bootstrap import CliError
    from etrakit_tui.domain.errors import EtrakitError
    from etrakit_tui.settings import ConfigError
    from etrakit_tui.tui.app import user_message

    if isinstance(exc, EtrakitError | ConfigError):
        text = user_message(exc, remote=True) or INTERNAL_ERROR
    elif isinstance(exc, CliError):
        text = str(exc)
    elif _is_connection_failure(exc):
        from etrakit_tui.domain.errors import UNAVAILABLE_MESSAGE

        text = UNAVAILABLE_MESSAGE
    else:
        text = INTERNAL_ERROR
    return " ".join(text.split())


def _log(exc: Exception) -> None:
    """The full error to the portal's log (an unexpected error inside the TUI was logged
    where it happened)."""
    from etrakit_tui.logs import log_failure
    from etrakit_tui.tui.app import PortalFailed

    if not isinstance(exc, PortalFailed):
        log_failure(exc, fatal=_describe(exc) == INTERNAL_ERROR)


def _is_connection_failure(exc: Exception) -> bool:
    from etrakit_tui.domain.store.db import is_connection_failure

    return is_connection_failure(exc)


if __name__ == "__main__":
    main()

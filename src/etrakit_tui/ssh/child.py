"""One portal session's TUI process: ``python -m etrakit_tui.ssh.child --session MARKER``.

Started by ``serve-ssh`` on a fresh pseudo-terminal (new session) and by ``ssh-shell`` under
OpenSSH. Its environment was built by :func:`etrakit_tui.ssh.shell.child_environment`: the
database comes from ``ETRAKIT_DATABASE_URL``. It takes its terminal as controlling terminal
(so window-size changes reach it as SIGWINCH and a hang-up ends it), refuses to run without
a terminal, and reports any error as one line.
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
    if not has_terminal():
        print(NO_TERMINAL_MESSAGE, file=sys.stderr, flush=True)
        raise SystemExit(1)
    try:
        _run(demo=args.demo)
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except Exception as exc:
        if os.environ.get("ETRAKIT_DEBUG"):
            raise
        print(f"{PROG}: error: {_describe(exc)}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None


def _run(*, demo: bool) -> None:
    from etrakit_tui.cli import run_portal

    run_portal(None, demo=demo, remote=True)


def _describe(exc: Exception) -> str:
    from sqlalchemy.exc import SQLAlchemyError

    from etrakit_tui.cli import CliError
    from etrakit_tui.domain.errors import EtrakitError
    from etrakit_tui.settings import ConfigError

    if isinstance(exc, CliError | ConfigError | EtrakitError | OSError):
        text = str(exc)
    elif isinstance(exc, SQLAlchemyError):
        text = f"database error: {getattr(exc, 'orig', None) or exc}"
    else:
        text = f"internal error ({type(exc).__name__}): {exc}"
    return " ".join(text.split())


if __name__ == "__main__":
    main()

"""The portal process's log: where it goes, and passwords never in it.

A portal session's standard streams are the visitor's terminal (over SSH, the client's PTY),
so the portal never logs there. :func:`configure_portal_logging` picks the sink once:

- under ``serve-ssh``: the pipe the service passed on (``ETRAKIT_LOG_FD``); the service logs
  each line with the session's peer (see :class:`etrakit_tui.ssh.terminal.TerminalProcess`);
- under OpenSSH's ``ssh-shell`` (``ETRAKIT_LOG=syslog``): syslog, if ``/dev/log`` exists;
- a local run (an inspector's laptop, the counter): a private file, ``portal.log`` in the
  user log folder (0600, folder 0700, created on the first record), given by the command line;
- anywhere else (a remote session with neither pipe nor syslog): nowhere — never a file on
  the server.

Every record passes :class:`MaskPasswords` first: a URL's password (``user:***@host``) and a
DSN's ``password=...`` are masked in the message and in the traceback.
"""

from __future__ import annotations

import io
import logging
import os
import re
from pathlib import Path

LOG_FD_ENV = "ETRAKIT_LOG_FD"
LOG_SINK_ENV = "ETRAKIT_LOG"
SYSLOG_SOCKET = "/dev/log"
PORTAL_LOGGER = "etrakit_tui"

_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\s]*:)[^@\s]*(?=@)")
_DSN_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s'&;]+)", re.I)


def mask_url(text: str) -> str:
    """``text`` with the password of every URL (``scheme://user:PASSWORD@host``) and every
    ``password=...`` (libpq DSN, URL query) replaced by ``***``."""
    text = _URL_PASSWORD.sub(r"\g<head>***", text)
    return _DSN_PASSWORD.sub(r"\g<head>***", text)


class MaskPasswords(logging.Filter):
    """Masks passwords in a record's message and traceback before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_url(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_url(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_url(record.stack_info)
        return True


class PrivateFileHandler(logging.FileHandler):
    """Appends to a file only its owner can read (0600, in a 0700 folder), created on the
    first record: a run that meets no error leaves nothing behind."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, encoding="utf-8", delay=True)

    def _open(self) -> io.TextIOWrapper:
        path = Path(self.baseFilename)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC | os.O_NOFOLLOW
        fd = os.open(path, flags, 0o600)
        return io.TextIOWrapper(io.FileIO(fd, "a"), encoding="utf-8", errors="replace")


def default_log_file() -> Path:
    """``portal.log`` in the user log folder (``~/.local/state/etrakit-tui/log`` on Linux)."""
    import platformdirs

    from etrakit_tui.locations import APP_NAME

    return Path(platformdirs.user_log_dir(APP_NAME)) / "portal.log"


def _sink(
    environ: dict[str, str] | os._Environ[str], log_file: Path | None = None
) -> logging.Handler:
    fd = environ.get(LOG_FD_ENV, "")
    if fd.isdigit():
        try:
            stream = os.fdopen(int(fd), "w", buffering=1, encoding="utf-8", errors="replace")
        except OSError:
            return logging.NullHandler()
        return logging.StreamHandler(stream)
    if environ.get(LOG_SINK_ENV) == "syslog":
        if os.path.exists(SYSLOG_SOCKET):
            from logging.handlers import SysLogHandler

            try:
                return SysLogHandler(SYSLOG_SOCKET)
            except OSError:
                return logging.NullHandler()
        return logging.NullHandler()
    if log_file is not None:  # a local run: the user's own file
        return PrivateFileHandler(log_file)
    return logging.NullHandler()


def configure_portal_logging(log_file: Path | None = None) -> None:
    """Send the portal's log (``etrakit_tui.*``, and Python's warnings) to its sink (see the
    module's docstring); never to the terminal the portal draws on. Once per process.
    ``log_file``: a local run's file (used when no pipe or syslog is given)."""
    logger = logging.getLogger(PORTAL_LOGGER)
    if any(isinstance(f, MaskPasswords) for h in logger.handlers for f in h.filters):
        return
    handler = _sink(os.environ, log_file)
    handler.addFilter(MaskPasswords())
    # No time stamp: the service and syslog add their own.
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # the root logger's last resort would write to the terminal
    logging.captureWarnings(True)
    warnings = logging.getLogger("py.warnings")
    warnings.addHandler(handler)
    warnings.propagate = False


def portal_log() -> logging.Logger:
    """The logger the TUI reports errors to."""
    return logging.getLogger(f"{PORTAL_LOGGER}.portal")


def log_failure(exc: BaseException, *, fatal: bool) -> None:
    """Log an error the portal met, with its traceback (and causes), passwords masked. The
    log is set up on first use if the process has none (see :func:`configure_portal_logging`)."""
    if not logging.getLogger().handlers and not logging.getLogger(PORTAL_LOGGER).handlers:
        configure_portal_logging()
    log = portal_log()
    if fatal:
        log.error("unexpected error, the portal ends: %s", type(exc).__name__, exc_info=exc)
        return
    detail = getattr(exc, "detail", None) or str(exc)
    where = getattr(exc, "url", "") or "-"
    log.warning("%s (%s): %s", type(exc).__name__, where, detail, exc_info=exc)

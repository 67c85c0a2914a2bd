"""The one console script, ``etrakit-tui`` (also ``python -m etrakit_tui``): :func:`main`.

Errors are one clear line on stderr and a non-zero exit, never a traceback: every command
runs through :func:`main`, which turns domain, configuration and usage errors into
``etrakit-tui: error: <message>``.

The package, one home each: this module runs the plain portal (no command) itself, without
click, and hands every other command line to the root command group,
:mod:`~etrakit_tui.cli.root` (its ``COMMANDS`` lists what is under it);
:mod:`~etrakit_tui.cli.bootstrap` decides and opens the database and settings for every
entry point; :mod:`~etrakit_tui.cli.portal` runs the portal; one module per command group
(``accounts``, ``permits``, ``inspections``, ``audit``, ``notify``, ``data``, ``ssh``).
Imports go one way: this module -> the root group -> the command modules -> ``bootstrap``;
no command module imports this one or the root group.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from etrakit_tui.cli.bootstrap import PROG, CliError, one_line, say
from etrakit_tui.domain.errors import EtrakitError, ValidationFailed

if TYPE_CHECKING:
    from etrakit_tui.cli.root import cli as cli

# Start-up stays light: the plain portal (no command) runs without click, and SQLAlchemy,
# pydantic (settings) and the services are imported inside the commands that use them; the
# root group (click) is loaded for every other command line, and the command modules when
# a command is looked up, so running the portal draws the sign-in screen without them.


def __getattr__(name: str) -> Any:
    """``cli``: the root command group (click), loaded on first use."""
    if name == "cli":
        from etrakit_tui.cli.root import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------- the plain portal

_PORTAL_OPTIONS = ("--db", "--config", "--demo-db")


def _plain_portal(args: list[str]) -> Callable[[], None] | None:
    """The portal to run when ``args`` only choose its database (``--db``, ``--config``,
    ``--demo``, ``--demo-db``, each at most once, all valid): run without click, which costs
    more start-up time than the rest of the command line. ``None`` for anything else (a
    command, ``--help``, ``--version``, a mistake): the root group runs it, with its
    messages."""
    if os.environ.get("_ETRAKIT_TUI_COMPLETE"):  # click's shell completion
        return None
    given: dict[str, str] = {}
    demo = False
    words = iter(args)
    for word in words:
        if word == "--demo" and not demo:
            demo = True
            continue
        name, equals, value = word.partition("=")
        if name not in _PORTAL_OPTIONS or name in given:
            return None
        if not equals:
            value = next(words, "")
        if not value or value.startswith("-"):
            return None
        given[name] = value
    db_url, config, demo_db = (given.get(name) for name in _PORTAL_OPTIONS)
    if (demo_db is not None and not demo) or (demo and db_url is not None):
        return None  # refused by the root group
    if not all(_path_accepted(path) for path in (config, demo_db) if path is not None):
        return None
    config_path = Path(config) if config is not None else None
    from etrakit_tui.cli.portal import run_demo, run_portal

    if demo:
        from etrakit_tui.cli.bootstrap import database_choice

        chosen = database_choice(None, None, config_path).config
        demo_path = Path(demo_db) if demo_db is not None else None
        return lambda: run_demo(demo_path, chosen)
    return lambda: run_portal(db_url, config_path)


def _path_accepted(path: str) -> bool:
    """What the root group's file options accept: a path that is not there, or a readable
    one that is not a folder (else it says what is wrong)."""
    try:
        found = os.stat(path)
    except OSError:
        return True
    return not stat.S_ISDIR(found.st_mode) and os.access(path, os.R_OK)


# --------------------------------------------------------------------------- entry point


class _NotLoaded(Exception):
    """Stands for an exception class whose module was never imported (so never raised)."""


def _loaded(module: str, name: str) -> type[Exception]:
    """The exception class ``module.name`` if that module is loaded, else :class:`_NotLoaded`
    (looked up when an error is being reported, so catching it imports nothing)."""
    found = getattr(sys.modules.get(module), name, None)
    return found if isinstance(found, type) and issubclass(found, Exception) else _NotLoaded


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; every error becomes one line on stderr and exit status 1 (2 for usage)."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        portal = _plain_portal(args)
        if portal is None:
            from etrakit_tui.cli.root import run_click

            run_click(args)
        else:
            _run_plain(portal)
    except ValidationFailed as exc:
        say(f"{PROG}: error: {one_line(str(exc))}")
        sys.exit(1)
    except (CliError, _loaded("etrakit_tui.settings", "ConfigError"), EtrakitError) as exc:
        # A database that cannot be reached: what failed (host, port, reason; no password).
        message = getattr(exc, "detail", None) or str(exc)
        say(f"{PROG}: error: {one_line(message)}")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except (_loaded("sqlalchemy.exc", "SQLAlchemyError"), _loaded("sqlite3", "Error")) as exc:
        from etrakit_tui.domain.store.db import describe_failure, is_connection_failure
        from etrakit_tui.logs import mask_url

        if is_connection_failure(exc):
            message = describe_failure(None, exc)
        else:
            message = "database error: " + mask_url(str(getattr(exc, "orig", None) or exc))
        say(f"{PROG}: error: {one_line(message)}")
        sys.exit(1)
    except OSError as exc:
        say(f"{PROG}: error: {one_line(str(exc))}")
        sys.exit(1)
    except Exception as exc:
        if os.environ.get("ETRAKIT_DEBUG"):
            raise
        name = type(exc).__name__
        say(f"{PROG}: error: internal error ({name}): {one_line(str(exc))}")
        sys.exit(70)


def _run_plain(portal: Callable[[], None]) -> None:
    """Run the plain portal; Ctrl+C or end of input while it starts ends it as the root
    group would (click's "aborted")."""
    try:
        portal()
    except (EOFError, KeyboardInterrupt):
        say("")
        say(f"{PROG}: aborted")
        sys.exit(1)

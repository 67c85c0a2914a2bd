"""The one place that decides and opens the database and settings, for every entry point:
the portal (local, ``--demo``, and each SSH session's process, :mod:`etrakit_tui.ssh.child`),
``serve-ssh``/``ssh-shell`` and every command.

Light: the standard library at import time; click (for the options' decorators),
SQLAlchemy, pydantic (settings) and the services are imported inside the functions that use
them, so the portal draws its sign-in screen without them. Imports no command module and
nothing of the screens.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

if TYPE_CHECKING:
    import click

    from etrakit_tui.domain.store.db import Database

F = TypeVar("F", bound=Callable[..., Any])
PROG = "etrakit-tui"


class CliError(Exception):
    """A command-line problem explained in one line."""


def fail(message: str) -> NoReturn:
    raise CliError(message)


def one_line(text: str) -> str:
    """``text`` on one line (an error is one line on stderr)."""
    return " ".join(text.split())


def say(line: str) -> None:
    """One line on stderr."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def db_option(func: F) -> F:
    """``--db URL`` on every command that touches the database (the root's ``--db``, given
    before the command, counts too: see :func:`database_choice`)."""
    import click

    return click.option(
        "--db",
        "db_url",
        metavar="URL",
        default=None,
        help="Database URL (default: ETRAKIT_DATABASE_URL, else a SQLite file in the data dir).",
    )(func)


def config_option(func: F) -> F:
    import click

    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Jurisdiction rules (TOML). Default: ETRAKIT_CONFIG, else the City of Hemet's.",
    )(func)


# --------------------------------------------------------------------------- which database

_ROOT_OPTIONS = "etrakit_tui.root_options"  # ctx.meta key: the root's (--db, --config)


def remember_root_options(ctx: click.Context, db_url: str | None, config_path: Path | None) -> None:
    """The root's ``--db``/``--config`` (given before the command), for the command that
    follows (see :func:`database_choice`)."""
    ctx.meta[_ROOT_OPTIONS] = (db_url or None, config_path)


@dataclass(frozen=True)
class DatabaseChoice:
    """The database and rules file one command acts on (see :func:`database_choice`)."""

    url: str
    config: Path | None
    given: bool
    """The URL came from a ``--db`` option (root or command), not the environment/default."""
    default: bool
    """The default SQLite file: created and migrated on first use (the portal, and the
    commands that add data), as SPEC says; no other database is ever created implicitly."""


def _given_once(option: str, root: Any, here: Any) -> Any:
    if root is not None and here is not None and root != here:
        fail(f"{option} given twice (before and after the command); give it once")
    return here if here is not None else root


def database_choice(
    ctx: click.Context | None, db_url: str | None, config_path: Path | None = None
) -> DatabaseChoice:
    """The ONE place where a command's database and rules file are decided: the command's
    own ``--db``/``--config``, else the root's (``etrakit-tui --db URL <command>``; both
    given and different: refused), else ``ETRAKIT_DATABASE_URL``/``ETRAKIT_CONFIG``, else
    the default SQLite file and the City of Hemet's rules. Light: imports nothing heavy (the
    portal decides here before the sign-in screen is drawn)."""
    from etrakit_tui.locations import default_database_url, env_setting

    root_db, root_config = ctx.meta.get(_ROOT_OPTIONS, (None, None)) if ctx else (None, None)
    chosen = _given_once("--db", root_db, db_url or None)
    config = _given_once("--config", root_config, config_path)
    if config is None and (env_config := env_setting("CONFIG")):
        config = Path(env_config)
    url = chosen or env_setting("DATABASE_URL") or default_database_url()
    return DatabaseChoice(url, config, chosen is not None, url == default_database_url())


def require_database_file(choice: DatabaseChoice, *, may_create: bool) -> None:
    """Refuse, creating nothing, a SQLite file that is not there unless this command may
    create it (the default file is created with its folder; any other needs its folder)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from etrakit_tui.domain.store.db import normalise_url
    from etrakit_tui.domain.store.schema import missing_folder_error

    try:
        parsed = make_url(normalise_url(choice.url))
    except ArgumentError:
        return  # make_engine says what is wrong with it
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return
    if parsed.query.get("uri") or parsed.database == ":memory:":
        return  # a URI filename (SQLite's own options) or memory: make_engine decides
    path = Path(parsed.database)
    if path.exists():
        return
    if not choice.default and (error := missing_folder_error(path)) is not None:
        raise error
    if not may_create:
        import shlex

        fix = (
            f"{PROG} db upgrade"
            if choice.default
            else f"{PROG} --db {shlex.quote(choice.url)} db upgrade"
        )
        fail(f"no database at {path.absolute()} (create it with: {fix})")


# --------------------------------------------------------------------------- opening it


def open_chosen(choice: DatabaseChoice, *, migrate: bool = False, create: bool = False) -> Database:
    """Open ``choice`` (see :func:`command_database` for ``migrate`` and ``create``)."""
    from etrakit_tui.domain.store.db import Database
    from etrakit_tui.domain.store.schema import ensure_schema
    from etrakit_tui.settings import load_jurisdiction, load_settings

    load_settings()  # a bad ETRAKIT_* value stops every command, with its name
    require_database_file(choice, may_create=create and (migrate or choice.default))
    database = Database.open(choice.url, jurisdiction=load_jurisdiction(choice.config))
    if not migrate:
        ensure_schema(database.engine, auto_upgrade=choice.default)
    return database


def command_database(
    ctx: click.Context,
    db_url: str | None,
    config_path: Path | None = None,
    *,
    migrate: bool = False,
    create: bool = False,
) -> Database:
    """The database a command acts on: every command opens it here, never by itself.

    Decided by :func:`database_choice`. ``migrate``: the caller takes the schema as it is
    (``db upgrade``/``db current``), else it must be at head (the default file is upgraded).
    ``create``: the command adds data, so a missing default file is created (and migrated)
    as the portal does on first use; with ``migrate`` too (``db upgrade``), any missing
    SQLite file is created. Otherwise a missing SQLite file is refused with one line and
    nothing (file or folder) is created."""
    return open_chosen(database_choice(ctx, db_url, config_path), migrate=migrate, create=create)


def portal_database(
    db_url: str | None, config_path: Path | None = None
) -> Database | Callable[[], Database]:
    """The portal's database at the least start-up cost: open, or a function that opens it
    (the app calls it when the first key is pressed; see :func:`etrakit_tui.tui.app.make_app`).

    With the default jurisdiction and a plain SQLite file URL, the schema is checked with
    stdlib ``sqlite3`` (the default file is created/upgraded on first use; a file whose
    folder cannot exist is refused) and the app opens the database itself when the first
    key is pressed. PostgreSQL is opened, and its schema checked, when the first key is
    pressed (a schema behind ends the portal with the refusal:
    :attr:`EtrakitApp.fatal_error`). With a jurisdiction file (whose errors must stop the
    start) the database is opened and checked here, as every other command does."""
    from etrakit_tui.domain.store.schema import check_schema_at

    choice = database_choice(None, db_url, config_path)
    if choice.config is not None:
        return open_chosen(choice, create=True)
    if check_schema_at(choice.url, auto_upgrade=choice.default):
        return partial(open_chosen, choice, migrate=True)
    # PostgreSQL (or a SQLite URL with options): its driver alone costs more than the whole
    # sign-in screen, so it is opened and its schema checked when the first key is pressed;
    # a schema that is behind then ends the portal with the same one-line refusal.
    return partial(open_chosen, choice, create=True)


@contextmanager
def demo_database(path: Path | None, config_path: Path | None = None) -> Iterator[Database]:
    """A fresh demo database (SPEC §5) for as long as the block runs: a new temporary
    folder that is removed at exit (also on an error or Ctrl+C), unless ``path`` is given
    (that file is kept)."""
    import shutil
    import tempfile

    from etrakit_tui.democity.demo import build_demo
    from etrakit_tui.democity.payorder import demo_jurisdiction
    from etrakit_tui.domain.store.schema import upgrade

    folder: Path | None = None
    if path is None:
        folder = Path(tempfile.mkdtemp(prefix="etrakit-demo-"))  # mode 0700
        path = folder / "demo.db"
    elif path.exists():
        fail(f"{path} already exists; the demo needs a fresh file (remove it or pick another path)")
    database: Database | None = None
    try:
        choice = DatabaseChoice(f"sqlite:///{path}", config_path, True, False)
        database = open_chosen(choice, migrate=True, create=True)
        database.jurisdiction = demo_jurisdiction(database.jurisdiction)  # a payment URL
        upgrade(database.engine)
        build_demo(database)
        yield database
    finally:
        if database is not None:
            database.dispose()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

"""The one console script, ``etrakit-tui`` (also ``python -m etrakit_tui``).

Errors are one clear line on stderr and a non-zero exit, never a traceback: every command
runs through :func:`main`, which turns domain, configuration and usage errors into
``etrakit-tui: error: <message>``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from etrakit_tui.domain.errors import EtrakitError, ValidationFailed

if TYPE_CHECKING:
    from etrakit_tui.domain.store.db import Database
    from etrakit_tui.tui.app import EtrakitApp

# Start-up stays light: SQLAlchemy, pydantic (settings) and the services are imported inside
# the commands that use them, so running the portal draws the sign-in screen without them.

F = TypeVar("F", bound=Callable[..., Any])
PROG = "etrakit-tui"


class CliError(Exception):
    """A command-line problem explained in one line."""


def fail(message: str) -> NoReturn:
    raise CliError(message)


def db_option(func: F) -> F:
    """``--db URL`` on every command that touches the database (the root's ``--db``, given
    before the command, counts too: see :func:`database_choice`)."""
    return click.option(
        "--db",
        "db_url",
        metavar="URL",
        default=None,
        help="Database URL (default: ETRAKIT_DATABASE_URL, else a SQLite file in the data dir).",
    )(func)


def config_option(func: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Jurisdiction rules (TOML). Default: ETRAKIT_CONFIG, else the City of Hemet's.",
    )(func)


# --------------------------------------------------------------------------- which database

_ROOT_OPTIONS = "etrakit_tui.root_options"  # ctx.meta key: the root's (--db, --config)


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
        fix = (
            f"{PROG} db upgrade"
            if choice.default
            else f"{PROG} --db {shlex.quote(choice.url)} db upgrade"
        )
        fail(f"no database at {path.absolute()} (create it with: {fix})")


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


@contextmanager
def demo_database(path: Path | None, config_path: Path | None = None) -> Iterator[Database]:
    """A fresh demo database (SPEC §5) for as long as the block runs: a new temporary
    folder that is removed at exit (also on an error or Ctrl+C), unless ``path`` is given
    (that file is kept)."""
    from etrakit_tui.democity.demo import build_demo
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
        upgrade(database.engine)
        build_demo(database)
        yield database
    finally:
        if database is not None:
            database.dispose()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


class PortalGroup(click.Group):
    """The root command group. The administration, staff and SSH commands are added the
    first time a command is looked up or listed, so running the portal imports none of them."""

    _extras_loaded = False

    def _load_extras(self) -> None:
        if self._extras_loaded:
            return
        self._extras_loaded = True
        from etrakit_tui import admin_cli, staff_cli
        from etrakit_tui.ssh import cli as ssh_cli

        admin_cli.register(self)
        staff_cli.register(self)
        ssh_cli.register(self)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load_extras()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_extras()
        return super().list_commands(ctx)


@click.group(
    cls=PortalGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@db_option
@config_option
@click.option(
    "--demo", is_flag=True, help="Run on a fresh demo database (see README for the sign-ins)."
)
@click.option(
    "--demo-db",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="With --demo: create the demo database at this path instead of a temporary file.",
)
@click.version_option(package_name="etrakit-tui", prog_name=PROG)
@click.pass_context
def cli(
    ctx: click.Context,
    db_url: str | None,
    config_path: Path | None,
    demo: bool,
    demo_db: Path | None,
) -> None:
    """The contractor permit portal in your terminal.

    Without a command, runs the portal on the configured database. --db and --config
    given here apply to the command that follows too.
    """
    ctx.meta[_ROOT_OPTIONS] = (db_url or None, config_path)
    if ctx.invoked_subcommand is not None:
        if demo or demo_db is not None:
            fail("--demo runs the portal and takes no command (serve-ssh has its own --demo)")
        return
    if demo_db is not None and not demo:
        fail("--demo-db needs --demo")
    if demo and db_url:
        fail("--demo and --db cannot be combined")
    if demo:
        run_demo(demo_db, database_choice(ctx, None).config)
    else:
        run_portal(db_url, config_path)


def run_demo(demo_db: Path | None, config_path: Path | None) -> None:
    """The portal on a fresh demo database; its temporary folder goes when the portal ends,
    also when it is ended by a hang-up (the terminal window closed) or SIGTERM."""
    from etrakit_tui.tui.app import make_app, settle_memory

    _log_locally()
    with _exit_on_hangup(), demo_database(demo_db, config_path) as database:
        app = make_app(database, demo=True)
        settle_memory()
        app.run()
        if app.fatal_error is not None:
            raise app.fatal_error


def _log_locally() -> None:
    """A local portal's errors go to the user's own log file (never over SSH: the session's
    process logs to the service, see :mod:`etrakit_tui.logs`)."""
    from etrakit_tui.logs import configure_portal_logging, default_log_file

    configure_portal_logging(default_log_file())


@contextmanager
def _exit_on_hangup() -> Iterator[None]:
    """SIGHUP and SIGTERM end the program by raising :class:`SystemExit` (not by killing it
    outright, their default), so the ``finally`` blocks inside run."""

    def leave(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, leave) for sig in (signal.SIGHUP, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_portal(
    db_url: str | None,
    config_path: Path | None = None,
    *,
    demo: bool = False,
    remote: bool = False,
) -> None:
    """Run the portal until it ends; an error that ended it is raised (one line in main).
    ``remote``: served over SSH (no file may be written on the server)."""
    if not remote:
        _log_locally()
    app = portal_app(db_url, config_path, demo=demo, remote=remote)
    app.settle_after_warm = True  # not before the first paint: a collection costs start-up time
    app.run()
    if app.fatal_error is not None:
        raise app.fatal_error


def portal_app(
    db_url: str | None,
    config_path: Path | None = None,
    *,
    demo: bool = False,
    remote: bool = False,
) -> EtrakitApp:
    """The portal on the configured database, ready to run, at the least start-up cost.

    With the default jurisdiction and a plain SQLite file URL, the schema is checked with
    stdlib ``sqlite3`` (the default file is created/upgraded on first use; a file whose
    folder cannot exist is refused) and the app opens the database itself when the first
    key is pressed. PostgreSQL is opened, and its schema checked, when the first key is
    pressed (a schema behind ends the portal with the refusal:
    :attr:`EtrakitApp.fatal_error`). With a jurisdiction file (whose errors must stop the
    start) the database is opened and checked here, as every other command does."""
    from etrakit_tui.domain.store.schema import check_schema_at
    from etrakit_tui.tui.app import make_app

    choice = database_choice(None, db_url, config_path)
    if choice.config is not None:
        return make_app(open_chosen(choice, create=True), demo=demo, remote=remote)
    if check_schema_at(choice.url, auto_upgrade=choice.default):
        migrated = partial(open_chosen, choice, migrate=True)
        return make_app(migrated, demo=demo, remote=remote)
    # PostgreSQL (or a SQLite URL with options): its driver alone costs more than the whole
    # sign-in screen, so it is opened and its schema checked when the first key is pressed;
    # a schema that is behind then ends the portal with the same one-line refusal.
    return make_app(partial(open_chosen, choice, create=True), demo=demo, remote=remote)


# --------------------------------------------------------------------------- db


@cli.group()
def db() -> None:
    """Schema migrations."""


@db.command("upgrade")
@db_option
@click.pass_context
def db_upgrade(ctx: click.Context, db_url: str | None) -> None:
    """Bring the database schema up to date (a SQLite file is created if missing)."""
    from etrakit_tui.domain.store.schema import current_revision, head_revision, upgrade

    database = command_database(ctx, db_url, migrate=True, create=True)
    before = current_revision(database.engine)
    upgrade(database.engine)
    if before == head_revision():
        click.echo(f"{database.url}: already at {before}")
    else:
        click.echo(f"{database.url}: upgraded {before or 'empty'} -> {head_revision()}")


@db.command("current")
@db_option
@click.pass_context
def db_current(ctx: click.Context, db_url: str | None) -> None:
    """Show the schema revision of the database and whether it is up to date."""
    from etrakit_tui.domain.store.schema import current_revision, head_revision

    database = command_database(ctx, db_url, migrate=True)
    rev = current_revision(database.engine)
    state = "up to date" if rev == head_revision() else f"behind (head is {head_revision()})"
    click.echo(f"{database.url}: {rev or 'empty'} ({state})")


# --------------------------------------------------------------------------- data


@cli.command("demo-data")
@db_option
@click.option("--permits", type=click.IntRange(1, 10_000_000), default=1000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.pass_context
def demo_data(ctx: click.Context, db_url: str | None, permits: int, seed: int) -> None:
    """Add bulk realistic data (permits with companies, parcels, inspections, reviews, fees)."""
    import time

    from etrakit_tui.democity.bulk import generate

    database = command_database(ctx, db_url, create=True)
    started = time.perf_counter()
    summary = generate(database, permits=permits, seed=seed)
    click.echo(f"{summary} in {time.perf_counter() - started:.1f}s")


@cli.command("assign-inspections")
@db_option
@config_option
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Day to assign (YYYY-MM-DD); default: today in the jurisdiction's time zone.",
)
@click.pass_context
def assign_inspections_cmd(
    ctx: click.Context, db_url: str | None, config_path: Path | None, day: Any
) -> None:
    """The daily assignment job (cron-able): requested inspections get an inspector."""
    from etrakit_tui.domain.accounts.actors import SYSTEM
    from etrakit_tui.domain.inspections.assignment import assign_inspections

    database = command_database(ctx, db_url, config_path)
    target: date | None = day.date() if day is not None else None
    report = assign_inspections(database, SYSTEM, target)
    click.echo(str(report))


@cli.command("notify")
@db_option
@click.option("--loop", is_flag=True, help="Keep sending until interrupted.")
@click.option(
    "--interval",
    type=click.FloatRange(0.5, 3600),
    default=30.0,
    show_default=True,
    help="Seconds between passes with --loop.",
)
@click.pass_context
def notify_cmd(ctx: click.Context, db_url: str | None, loop: bool, interval: float) -> None:
    """Send queued emails (failed-inspection notices) over SMTP (ETRAKIT_SMTP_*)."""
    import time

    from etrakit_tui.domain.notify.smtp import deliver_pending
    from etrakit_tui.settings import load_settings

    database = command_database(ctx, db_url)
    smtp = load_settings().smtp()
    while True:
        report = deliver_pending(database, smtp)
        click.echo(str(report))
        if not loop:
            return
        time.sleep(interval)


# --------------------------------------------------------------------------- entry point


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _NotLoaded(Exception):
    """Stands for an exception class whose module was never imported (so never raised)."""


def _loaded(module: str, name: str) -> type[Exception]:
    """The exception class ``module.name`` if that module is loaded, else :class:`_NotLoaded`
    (looked up when an error is being reported, so catching it imports nothing)."""
    found = getattr(sys.modules.get(module), name, None)
    return found if isinstance(found, type) and issubclass(found, Exception) else _NotLoaded


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; every error becomes one line on stderr and exit status 1 (2 for usage)."""
    try:
        cli.main(args=argv, prog_name=PROG, standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo(f"{PROG}: aborted", err=True)
        sys.exit(1)
    except click.UsageError as exc:
        click.echo(f"{PROG}: error: {_one_line(exc.format_message())}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"{PROG}: error: {_one_line(exc.format_message())}", err=True)
        sys.exit(exc.exit_code or 1)
    except ValidationFailed as exc:
        click.echo(f"{PROG}: error: {_one_line(str(exc))}", err=True)
        sys.exit(1)
    except (CliError, _loaded("etrakit_tui.settings", "ConfigError"), EtrakitError) as exc:
        # A database that cannot be reached: what failed (host, port, reason; no password).
        message = getattr(exc, "detail", None) or str(exc)
        click.echo(f"{PROG}: error: {_one_line(message)}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except (_loaded("sqlalchemy.exc", "SQLAlchemyError"), sqlite3.Error) as exc:
        from etrakit_tui.domain.store.db import describe_failure, is_connection_failure
        from etrakit_tui.logs import mask_url

        if is_connection_failure(exc):
            message = describe_failure(None, exc)
        else:
            message = "database error: " + mask_url(str(getattr(exc, "orig", None) or exc))
        click.echo(f"{PROG}: error: {_one_line(message)}", err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"{PROG}: error: {_one_line(str(exc))}", err=True)
        sys.exit(1)
    except Exception as exc:
        if os.environ.get("ETRAKIT_DEBUG"):
            raise
        name = type(exc).__name__
        click.echo(f"{PROG}: error: internal error ({name}): {_one_line(str(exc))}", err=True)
        sys.exit(70)

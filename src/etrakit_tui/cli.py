"""The one console script, ``etrakit-tui`` (also ``python -m etrakit_tui``).

Errors are one clear line on stderr and a non-zero exit, never a traceback: every command
runs through :func:`main`, which turns domain, configuration and usage errors into
``etrakit-tui: error: <message>``.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from etrakit_tui.domain.errors import EtrakitError, ValidationFailed

if TYPE_CHECKING:
    from etrakit_tui.domain.db import Database
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
    """``--db URL`` on every command that touches the database."""
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


def open_database(
    db_url: str | None, config_path: Path | None = None, *, migrate: bool = False
) -> Database:
    """Open the configured database. The default SQLite file is created and upgraded on
    first use; any other database must already be at head (``db upgrade``) unless
    ``migrate`` is set."""
    from etrakit_tui.domain.db import Database
    from etrakit_tui.domain.schema import ensure_schema
    from etrakit_tui.settings import default_database_url, load_settings

    settings = load_settings()
    if config_path is not None:
        settings = settings.model_copy(update={"config": config_path})
    url = settings.resolved_database_url(db_url)
    database = Database.open(url, jurisdiction=settings.jurisdiction())
    if not migrate:
        ensure_schema(database.engine, auto_upgrade=url == default_database_url())
    return database


def open_demo_database(path: Path | None, config_path: Path | None = None) -> Database:
    """A fresh demo database (SPEC §5): a new temporary file unless ``path`` is given."""
    from etrakit_tui.domain.demo import build_demo
    from etrakit_tui.domain.schema import upgrade

    if path is None:
        path = Path(tempfile.mkdtemp(prefix="etrakit-demo-")) / "demo.db"
    elif path.exists():
        fail(f"{path} already exists; the demo needs a fresh file (remove it or pick another path)")
    database = open_database(f"sqlite:///{path}", config_path, migrate=True)
    upgrade(database.engine)
    build_demo(database)
    return database


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

    Without a command, runs the portal on the configured database.
    """
    if ctx.invoked_subcommand is not None:
        return
    if demo_db is not None and not demo:
        fail("--demo-db needs --demo")
    if demo and db_url:
        fail("--demo and --db cannot be combined")
    if demo:
        from etrakit_tui.tui.app import make_app, settle_memory

        app = make_app(open_demo_database(demo_db, config_path), demo=True)
        settle_memory()
        app.run()
    else:
        run_portal(db_url, config_path)


def run_portal(
    db_url: str | None,
    config_path: Path | None = None,
    *,
    demo: bool = False,
    remote: bool = False,
) -> None:
    """Run the portal until it ends; an error that ended it is raised (one line in main).
    ``remote``: served over SSH (no file may be written on the server)."""
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
    stdlib ``sqlite3`` (the default file is created/upgraded on first use) and the app opens
    the database itself when the first key is pressed. PostgreSQL is opened, and its schema
    checked, when the first key is pressed (a schema behind ends the portal with the
    refusal: :attr:`EtrakitApp.fatal_error`). With a jurisdiction file (whose errors must
    stop the start) the database is opened and checked here, as every other command does."""
    from etrakit_tui.domain.schema import check_schema_at
    from etrakit_tui.locations import default_database_url, env_setting
    from etrakit_tui.tui.app import make_app

    url = db_url or env_setting("DATABASE_URL") or default_database_url()
    if config_path is not None or env_setting("CONFIG"):
        return make_app(open_database(db_url, config_path), demo=demo, remote=remote)
    if check_schema_at(url, auto_upgrade=url == default_database_url()):
        return make_app(lambda: open_database(url, migrate=True), demo=demo, remote=remote)
    # PostgreSQL (or a SQLite URL with options): its driver alone costs more than the whole
    # sign-in screen, so it is opened and its schema checked when the first key is pressed;
    # a schema that is behind then ends the portal with the same one-line refusal.
    return make_app(lambda: open_database(url), demo=demo, remote=remote)


# --------------------------------------------------------------------------- db


@cli.group()
def db() -> None:
    """Schema migrations."""


@db.command("upgrade")
@db_option
def db_upgrade(db_url: str | None) -> None:
    """Bring the database schema up to date."""
    from etrakit_tui.domain.schema import current_revision, head_revision, upgrade

    database = open_database(db_url, migrate=True)
    before = current_revision(database.engine)
    upgrade(database.engine)
    if before == head_revision():
        click.echo(f"{database.url}: already at {before}")
    else:
        click.echo(f"{database.url}: upgraded {before or 'empty'} -> {head_revision()}")


@db.command("current")
@db_option
def db_current(db_url: str | None) -> None:
    """Show the schema revision of the database and whether it is up to date."""
    from etrakit_tui.domain.schema import current_revision, head_revision

    database = open_database(db_url, migrate=True)
    rev = current_revision(database.engine)
    state = "up to date" if rev == head_revision() else f"behind (head is {head_revision()})"
    click.echo(f"{database.url}: {rev or 'empty'} ({state})")


# --------------------------------------------------------------------------- data


@cli.command("demo-data")
@db_option
@click.option("--permits", type=click.IntRange(1, 10_000_000), default=1000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
def demo_data(db_url: str | None, permits: int, seed: int) -> None:
    """Add bulk realistic data (permits with companies, parcels, inspections, reviews, fees)."""
    import time

    from etrakit_tui.domain.bulk import generate

    database = open_database(db_url)
    started = time.perf_counter()
    summary = generate(database, permits=permits, seed=seed)
    click.echo(f"{summary} in {time.perf_counter() - started:.1f}s")


@cli.command("assign-inspections")
@db_option
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Day to assign (YYYY-MM-DD); default: today in the jurisdiction's time zone.",
)
def assign_inspections_cmd(db_url: str | None, day: Any) -> None:
    """The daily assignment job (cron-able): requested inspections get an inspector."""
    from etrakit_tui.domain.actors import SYSTEM
    from etrakit_tui.domain.inspections import assign_inspections

    database = open_database(db_url)
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
def notify_cmd(db_url: str | None, loop: bool, interval: float) -> None:
    """Send queued emails (failed-inspection notices) over SMTP (ETRAKIT_SMTP_*)."""
    import time

    from etrakit_tui.domain.mailer import deliver_pending
    from etrakit_tui.settings import load_settings

    database = open_database(db_url)
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
        from etrakit_tui.domain.db import describe_failure, is_connection_failure
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

"""The one console script, ``etrakit-tui`` (also ``python -m etrakit_tui``): the root
command group and :func:`main`.

Errors are one clear line on stderr and a non-zero exit, never a traceback: every command
runs through :func:`main`, which turns domain, configuration and usage errors into
``etrakit-tui: error: <message>``.

The package, one home each: :mod:`~etrakit_tui.cli.bootstrap` decides and opens the
database and settings for every entry point; :mod:`~etrakit_tui.cli.portal` runs the
portal; one module per command group (``accounts``, ``permits``, ``inspections``, ``audit``,
``notify``, ``data``, ``ssh``). Imports go one way: this module -> the command modules ->
``bootstrap``; no command module imports this one.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import click

from etrakit_tui.cli.bootstrap import (
    PROG,
    CliError,
    config_option,
    database_choice,
    db_option,
    fail,
    remember_root_options,
)
from etrakit_tui.cli.portal import run_demo, run_portal
from etrakit_tui.domain.errors import EtrakitError, ValidationFailed

# Start-up stays light: SQLAlchemy, pydantic (settings) and the services are imported inside
# the commands that use them, and the command modules when a command is looked up, so
# running the portal draws the sign-in screen without them.


class PortalGroup(click.Group):
    """The root command group. Every command is added the first time one is looked up or
    listed, so running the portal imports none of the command modules."""

    _commands_loaded = False

    def _load_commands(self) -> None:
        if self._commands_loaded:
            return
        self._commands_loaded = True
        from etrakit_tui.cli.accounts import company, staff
        from etrakit_tui.cli.audit import audit
        from etrakit_tui.cli.data import db, demo_data
        from etrakit_tui.cli.inspections import assign_inspections_cmd, inspection
        from etrakit_tui.cli.notify import notify_cmd
        from etrakit_tui.cli.permits import payment, permit, review
        from etrakit_tui.cli.ssh import serve_ssh, ssh_shell

        for command in (
            db,
            demo_data,
            assign_inspections_cmd,
            inspection,
            notify_cmd,
            company,
            staff,
            permit,
            review,
            payment,
            audit,
            serve_ssh,
            ssh_shell,
        ):
            self.add_command(command)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load_commands()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_commands()
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
    remember_root_options(ctx, db_url, config_path)
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

"""The root command group, ``etrakit-tui [OPTIONS] [COMMAND]`` (click), and
:func:`run_click`, which runs it.

Loaded by :func:`etrakit_tui.cli.main` for every command line except the plain portal
(``etrakit-tui``, ``--db``, ``--config``, ``--demo``), which it runs without click. The
commands under the root are listed in :data:`COMMANDS` and imported the first time one is
looked up or listed.
"""

from __future__ import annotations

import sys
from importlib import import_module
from pathlib import Path

import click

from etrakit_tui.cli.bootstrap import (
    PROG,
    config_option,
    database_choice,
    db_option,
    fail,
    one_line,
    remember_root_options,
    say,
)
from etrakit_tui.cli.portal import run_demo, run_portal

COMMANDS: tuple[tuple[str, str], ...] = (
    ("etrakit_tui.cli.data", "db"),
    ("etrakit_tui.cli.data", "demo_data"),
    ("etrakit_tui.cli.inspections", "assign_inspections_cmd"),
    ("etrakit_tui.cli.inspections", "inspection"),
    ("etrakit_tui.cli.notify", "notify_cmd"),
    ("etrakit_tui.cli.accounts", "company"),
    ("etrakit_tui.cli.accounts", "staff"),
    ("etrakit_tui.cli.permits", "permit"),
    ("etrakit_tui.cli.permits", "review"),
    ("etrakit_tui.cli.permits", "payment"),
    ("etrakit_tui.cli.audit", "audit"),
    ("etrakit_tui.cli.ssh", "serve_ssh"),
    ("etrakit_tui.cli.ssh", "ssh_shell"),
    ("etrakit_tui.cli.field", "field"),
)
"""The commands and command groups under the root, as ``(module, name)``: a new one is one
line here (imported when a command is looked up or listed)."""


class PortalGroup(click.Group):
    """The root command group. Every command is added the first time one is looked up or
    listed, so running the portal imports none of the command modules."""

    _commands_loaded = False

    def _load_commands(self) -> None:
        if self._commands_loaded:
            return
        self._commands_loaded = True
        for module, name in COMMANDS:
            self.add_command(getattr(import_module(module), name))

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


def run_click(args: list[str]) -> None:
    """Run the command line ``args`` through click; its own errors (usage, ``--help``,
    ``--version``, aborted) end the process here, every other error is raised to
    :func:`etrakit_tui.cli.main`."""
    try:
        cli.main(args=args, prog_name=PROG, standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        say(f"{PROG}: aborted")
        sys.exit(1)
    except click.UsageError as exc:
        say(f"{PROG}: error: {one_line(exc.format_message())}")
        sys.exit(2)
    except click.ClickException as exc:
        say(f"{PROG}: error: {one_line(exc.format_message())}")
        sys.exit(exc.exit_code or 1)

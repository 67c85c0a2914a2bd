"""``etrakit-tui field``: an inspector's field mode (issue 16).

* ``field checkout`` copies the inspector's route for a day into the field file (the
  password is asked with hidden input, or read from the first line of stdin when it is not
  a terminal);
* ``field sync`` sends the results waiting in the field file, each once, and brings the
  route's changes down; conflicts are outcomes (exit 0), an unreachable city is an error;
* ``field`` alone opens the field app on the field file (the screens' side:
  :func:`etrakit_tui.tui.field_app.run_field`).

Without ``--field-file``, the file is ``<data folder>/field/<username>.db`` (checkout) or
the only field file there (sync, app).
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from etrakit_tui.cli.bootstrap import (
    CliError,
    DatabaseChoice,
    command_database,
    config_option,
    database_choice,
    db_option,
    fail,
    open_chosen,
)
from etrakit_tui.text import defuse

if TYPE_CHECKING:
    from etrakit_tui.domain.field import FieldSession, SyncReport
    from etrakit_tui.domain.store.db import Database
    from etrakit_tui.settings import Jurisdiction

_GROUP_OPTIONS = "etrakit_tui.field_options"  # ctx.meta key: the group's own options


def field_file_option(func: Any) -> Any:
    return click.option(
        "--field-file",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="The field file (default: <data folder>/field/<username>.db).",
    )(func)


def _resolve(ctx: click.Context, given: Path | None, username: str | None = None) -> Path:
    """The field file: given, else the inspector's default, else the only one there."""
    from etrakit_tui.domain.field import default_field_file

    given = given or ctx.meta.get(_GROUP_OPTIONS, {}).get("field_file")
    if given is not None:
        return Path(given).expanduser()
    if username:
        return default_field_file(username)
    folder = default_field_file("inspector").parent
    found = sorted(folder.glob("*.db")) if folder.is_dir() else []
    if len(found) == 1:
        return found[0]
    if not found:
        fail(f"no field file in {folder}: check out first (`etrakit-tui field checkout`)")
    fail(f"several field files in {folder}: choose one with --field-file")


def _choice(ctx: click.Context, db_url: str | None, config_path: Path | None) -> DatabaseChoice:
    group = ctx.meta.get(_GROUP_OPTIONS, {})
    return database_choice(
        ctx, db_url or group.get("db_url"), config_path or group.get("config_path")
    )


def _jurisdiction(choice: DatabaseChoice) -> Jurisdiction:
    from etrakit_tui.settings import load_jurisdiction

    return load_jurisdiction(choice.config)


def open_city(choice: DatabaseChoice) -> Database:
    """The city's database, or :class:`DatabaseUnavailable` saying why it cannot be
    reached (a missing SQLite file, a server down...): what the field app retries."""
    from etrakit_tui.domain.errors import DatabaseUnavailable
    from etrakit_tui.domain.store.db import is_connection_failure, unavailable

    try:
        return open_chosen(choice)
    except CliError as exc:
        raise DatabaseUnavailable(str(exc)) from exc
    except DatabaseUnavailable:
        raise
    except Exception as exc:
        if is_connection_failure(exc):
            raise unavailable(choice.url, exc) from exc
        raise


# --------------------------------------------------------------------------- the group


@click.group("field", invoke_without_command=True)
@field_file_option
@db_option
@config_option
@click.pass_context
def field(
    ctx: click.Context, field_file: Path | None, db_url: str | None, config_path: Path | None
) -> None:
    """Inspector field mode: check out the day, work offline, sync.

    Without a command, opens the inspector's route on the field file (no password: it was
    verified at checkout); results wait there and are sent when the city is reachable.
    """
    ctx.meta[_GROUP_OPTIONS] = {
        "field_file": field_file,
        "db_url": db_url,
        "config_path": config_path,
    }
    if ctx.invoked_subcommand is not None:
        return
    from etrakit_tui.domain.field import open_field

    choice = _choice(ctx, db_url, config_path)  # a --db given twice is refused first
    path = _resolve(ctx, field_file)
    jurisdiction = _jurisdiction(choice)
    open_field(path, jurisdiction=jurisdiction).close()  # a bad file: one line, nothing drawn
    from etrakit_tui.tui.field_app import run_field

    run_field(path, partial(open_city, choice), jurisdiction)


# --------------------------------------------------------------------------- checkout


def _password() -> str:
    if sys.stdin.isatty():
        password = str(click.prompt("Password", hide_input=True, default="", show_default=False))
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        fail("no password given")
    return password


@field.command("checkout")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%m/%d/%Y", "%Y-%m-%d"]),
    default=None,
    metavar="MM/DD/YYYY",
    help="The day to check out (MM/DD/YYYY); default: today in the jurisdiction.",
)
@click.option("--username", default=None, help="The inspector's user name (asked if not given).")
@field_file_option
@db_option
@config_option
@click.pass_context
def field_checkout(
    ctx: click.Context,
    day: datetime | None,
    username: str | None,
    field_file: Path | None,
    db_url: str | None,
    config_path: Path | None,
) -> None:
    """Copy your route for the day into the field file (asks for your password)."""
    from etrakit_tui.domain.field import checkout
    from etrakit_tui.domain.inspections.calendar import format_day

    if not username:
        if not sys.stdin.isatty():
            fail("give --username (the password is read from stdin)")
        username = str(click.prompt("User name")).strip()
    group = ctx.meta.get(_GROUP_OPTIONS, {})
    city = command_database(
        ctx, db_url or group.get("db_url"), config_path or group.get("config_path")
    )
    password = _password()
    given = field_file or group.get("field_file")
    wanted: date | None = day.date() if day is not None else None
    summary = checkout(city, username, password, day=wanted, field_file=given)
    click.echo(
        defuse(
            f"Checked out {summary.inspections} inspection(s) for {format_day(summary.day)} "
            f"into {summary.field_file}"
        )
    )


# --------------------------------------------------------------------------- sync


def _report_lines(report: SyncReport, session: FieldSession) -> list[str]:
    from etrakit_tui.domain.inspections.calendar import format_day

    if report.sent:
        line = f"Sent {report.sent} result(s): {report.applied} applied"
        line += f", {report.conflicts} not applied (conflicts)"
        if report.replayed:
            line += f"; {report.replayed} had been answered before (not applied twice)"
        lines = [line]
    else:
        lines = ["Nothing waiting to be sent."]
    for outcome in report.outcomes:
        if outcome.state.value == "CONFLICT":
            lines.append(
                f"Not applied: inspection {outcome.inspection_id} {outcome.permit_number} "
                f"{outcome.type_name} ({outcome.status}): {outcome.reason_text}; "
                "your result is kept"
            )
    lines.append(
        f"Route for {format_day(session.day)}: {report.route_stops} inspection(s) "
        f"({report.added} added, {report.changed} changed at the city)"
    )
    return lines


@field.command("sync")
@field_file_option
@db_option
@config_option
@click.pass_context
def field_sync(
    ctx: click.Context, field_file: Path | None, db_url: str | None, config_path: Path | None
) -> None:
    """Send the results waiting in the field file (each once) and refresh the route."""
    from etrakit_tui.domain.errors import DatabaseUnavailable
    from etrakit_tui.domain.field import field_status, open_field, sync

    choice = _choice(ctx, db_url, config_path)  # a --db given twice is refused first
    path = _resolve(ctx, field_file)
    session = open_field(path, jurisdiction=_jurisdiction(choice))
    try:
        try:
            report = sync(session, open_city(choice))
        except DatabaseUnavailable as exc:
            waiting = field_status(session).waiting
            fail(f"{exc.detail}; {waiting} result(s) still waiting in {path}")
        for line in _report_lines(report, session):
            click.echo(defuse(line))
    finally:
        session.close()

"""Giving inspections their inspector: ``assign-inspections`` (the daily job, cron-able) and
``inspection assign`` (by hand). Both call the domain's assignment as the system actor."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from etrakit_tui.cli.bootstrap import command_database, config_option, db_option
from etrakit_tui.domain.accounts.actors import SYSTEM
from etrakit_tui.text import defuse


@click.command("assign-inspections")
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
    from etrakit_tui.domain.inspections.assignment import assign_inspections

    database = command_database(ctx, db_url, config_path)
    target: date | None = day.date() if day is not None else None
    report = assign_inspections(database, SYSTEM, target)
    click.echo(str(report))


@click.group()
def inspection() -> None:
    """Assign inspections by hand (the daily job is ``assign-inspections``)."""


@inspection.command("assign")
@db_option
@click.argument("inspection_id", type=int)
@click.argument("inspector")
@click.pass_context
def inspection_assign(
    ctx: click.Context, db_url: str | None, inspection_id: int, inspector: str
) -> None:
    """Give inspection INSPECTION_ID to INSPECTOR (a user name)."""
    from etrakit_tui.domain.inspections.assignment import assign_inspector

    view = assign_inspector(command_database(ctx, db_url), SYSTEM, inspection_id, inspector)
    click.echo(
        defuse(
            f"inspection {view.id}: {view.type_name} on {view.permit_number} "
            f"{view.requested_date:%m/%d/%Y} {view.period} -> {view.inspector_name}"
        )
    )

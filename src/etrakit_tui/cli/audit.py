"""``audit list``: the audit log, newest first, one tab-separated line per event (data
defused: no terminal control characters from the database)."""

from __future__ import annotations

import click

from etrakit_tui.cli.bootstrap import command_database, db_option
from etrakit_tui.domain.accounts.actors import SYSTEM
from etrakit_tui.text import defuse


@click.group()
def audit() -> None:
    """Read the audit log."""


@audit.command("list")
@db_option
@click.option("--action", default=None, help="Only this action, e.g. sign_in.")
@click.option("--actor", "actor_name", default=None, help="Actor name starts with.")
@click.option("--target", default=None, help="Target starts with.")
@click.option("--since", default=None, help="From this day (local).")
@click.option("--until", default=None, help="To this day (local), included.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.pass_context
def audit_list(
    ctx: click.Context,
    db_url: str | None,
    action: str | None,
    actor_name: str | None,
    target: str | None,
    since: str | None,
    until: str | None,
    limit: int,
) -> None:
    """List audit events, newest first (tab-separated)."""
    from etrakit_tui.domain.audit import audit_log
    from etrakit_tui.domain.inspections.calendar import parse_day

    database = command_database(ctx, db_url)
    first = None if since is None else parse_day(since, "since")
    last = None if until is None else parse_day(until, "until")
    zone = database.jurisdiction.zone
    after: int | None = None
    left = limit
    while left > 0:
        page = audit_log(
            database,
            SYSTEM,
            action=action,
            actor_name=actor_name,
            target=target,
            since=first,
            until=last,
            after=after,
            limit=min(left, 200),
        )
        for row in page.items:
            at = row.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
            fields = (
                at,
                row.actor_kind,
                row.actor_name,
                row.action,
                row.target,
                row.outcome,
                row.detail,
            )
            click.echo("\t".join(defuse(f) for f in fields))
        left -= len(page.items)
        if page.next_key is None:
            return
        after = page.next_key

"""``notify``: send the queued emails (failed-inspection notices) over SMTP."""

from __future__ import annotations

import click

from etrakit_tui.cli.bootstrap import command_database, db_option


@click.command("notify")
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

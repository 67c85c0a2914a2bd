"""The database itself: ``db upgrade``/``db current`` (schema migrations) and ``demo-data``
(bulk realistic data for benchmarks)."""

from __future__ import annotations

import click

from etrakit_tui.cli.bootstrap import command_database, db_option


@click.group()
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


@click.command("demo-data")
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

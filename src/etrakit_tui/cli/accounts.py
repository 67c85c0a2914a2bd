"""Accounts (SPEC §6, administration): ``company add|list|issue-pin|disable|enable`` and
``staff add``. They call the same domain services as the staff screens, as the system actor."""

from __future__ import annotations

import click

from etrakit_tui.cli.bootstrap import command_database, db_option
from etrakit_tui.domain.accounts.actors import SYSTEM
from etrakit_tui.text import defuse


def _pin_line(name: str, pin: str, expires: str) -> str:
    return f"{defuse(name)}: PIN {pin} (single use, expires {expires}); it is not stored in clear"


@click.group()
def company() -> None:
    """Register contractors, issue PINs, disable accounts."""


@company.command("add")
@db_option
@click.argument("name")
@click.option("--license", "license_no", required=True, help="State license number.")
@click.option("--email", required=True)
@click.option("--phone", required=True)
@click.option("--address", default="")
@click.option("--city", default="")
@click.option("--state", default="CA", show_default=True)
@click.option("--zip", "zip_code", default="")
@click.pass_context
def company_add(
    ctx: click.Context,
    db_url: str | None,
    name: str,
    license_no: str,
    email: str,
    phone: str,
    address: str,
    city: str,
    state: str,
    zip_code: str,
) -> None:
    """Register company NAME and print its first PIN (shown once)."""
    from etrakit_tui.domain.accounts.admin import register_company

    database = command_database(ctx, db_url, create=True)
    issued = register_company(
        database,
        SYSTEM,
        name,
        license_no,
        email=email,
        phone=phone,
        address=address,
        city=city,
        state=state,
        zip=zip_code,
    )
    expires = issued.expires_at.astimezone(database.jurisdiction.zone).strftime("%m/%d/%Y")
    click.echo(_pin_line(issued.company.name, issued.pin, expires))


@company.command("list")
@db_option
@click.option("--prefix", default="", help="Only names beginning with this.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.pass_context
def company_list(ctx: click.Context, db_url: str | None, prefix: str, limit: int) -> None:
    """List registered companies."""
    from etrakit_tui.domain.accounts.admin import list_companies

    database = command_database(ctx, db_url)
    for c in list_companies(database, SYSTEM, prefix, limit):
        if c.disabled:
            state = "disabled"
        else:
            state = "active" if c.has_password else "awaiting first sign-in"
        click.echo(f"{defuse(c.name)}\t{defuse(c.license_no)}\t{state}")


@company.command("issue-pin")
@db_option
@click.argument("name")
@click.pass_context
def company_issue_pin(ctx: click.Context, db_url: str | None, name: str) -> None:
    """Issue a new PIN to company NAME (the old PIN and password stop working)."""
    from etrakit_tui.domain.accounts.admin import issue_pin

    database = command_database(ctx, db_url)
    issued = issue_pin(database, SYSTEM, name)
    expires = issued.expires_at.astimezone(database.jurisdiction.zone).strftime("%m/%d/%Y")
    click.echo(_pin_line(issued.company.name, issued.pin, expires))


@company.command("disable")
@db_option
@click.argument("name")
@click.pass_context
def company_disable(ctx: click.Context, db_url: str | None, name: str) -> None:
    """Disable company NAME: it cannot sign in and its open sessions end."""
    from etrakit_tui.domain.accounts.admin import set_company_disabled

    summary = set_company_disabled(command_database(ctx, db_url), SYSTEM, name, True)
    click.echo(f"{defuse(summary.name)}: disabled")


@company.command("enable")
@db_option
@click.argument("name")
@click.pass_context
def company_enable(ctx: click.Context, db_url: str | None, name: str) -> None:
    """Enable company NAME again."""
    from etrakit_tui.domain.accounts.admin import set_company_disabled

    summary = set_company_disabled(command_database(ctx, db_url), SYSTEM, name, False)
    click.echo(f"{defuse(summary.name)}: enabled")


@click.group()
def staff() -> None:
    """Staff and inspector accounts."""


@staff.command("add")
@db_option
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option("--role", type=click.Choice(["staff", "inspector"]), required=True)
@click.option("--district", default=None, help="Inspection district (inspectors).")
@click.option("--email", default="")
@click.option("--phone", default="")
@click.password_option(
    "--password", prompt="Password", help="Prompted for (hidden) when not given."
)
@click.pass_context
def staff_add(
    ctx: click.Context,
    db_url: str | None,
    username: str,
    full_name: str,
    role: str,
    district: str | None,
    email: str,
    phone: str,
    password: str,
) -> None:
    """Create a staff or inspector account USERNAME."""
    from etrakit_tui.domain.accounts.admin import add_staff

    summary = add_staff(
        command_database(ctx, db_url, create=True),
        SYSTEM,
        username,
        full_name,
        role,
        password,
        district=district,
        email=email,
        phone=phone,
    )
    click.echo(f"{defuse(summary.username)}: {summary.role} account created")

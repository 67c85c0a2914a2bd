"""Permits for scripting (SPEC §3, §6): ``permit create``, ``review post``, ``review update``,
``payment record`` and ``payment import`` (the processor's settlement file, issue 15).

They call the same domain services as the staff screens, as the system actor, and print
one line per result (data defused: no terminal control characters from the database).
Dates are ``MM/DD/YYYY`` or ``YYYY-MM-DD``; amounts like ``125.00``.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from etrakit_tui.cli.bootstrap import PROG, command_database, config_option, db_option
from etrakit_tui.domain.accounts.actors import SYSTEM
from etrakit_tui.text import defuse


def _day(value: str | None, field: str) -> date | None:
    from etrakit_tui.domain.inspections.calendar import parse_day

    return None if value is None else parse_day(value, field)


# --------------------------------------------------------------------------- permit


@click.group()
def permit() -> None:
    """Create permits."""


@permit.command("create")
@db_option
@click.option("--type", "permit_type", required=True, help="Permit type, e.g. ELECTRICAL.")
@click.option("--apn", required=True, help="Parcel number (an existing parcel, or a new one).")
@click.option("--address", default="", help="Address of a new parcel.")
@click.option("--district", default="", help="Inspection district of a new parcel.")
@click.option("--zoning", default="", help="Zoning of a new parcel.")
@click.option("--owner", "owner_name", default="", help="Owner of a new parcel.")
@click.option("--company", "companies", multiple=True, help="Contractor company (repeatable).")
@click.option(
    "--contact",
    "contacts",
    multiple=True,
    metavar="ROLE:NAME[:PHONE[:EMAIL]]",
    help="Another contact, e.g. OWNER:JANE DOE:951-555-0100 (repeatable).",
)
@click.option("--fee", "fees", multiple=True, metavar="CODE AMOUNT", help="e.g. 'ELEC 95.00'.")
@click.option("--standard-fees", is_flag=True, help="Assess the fee schedule of the type.")
@click.option(
    "--status",
    type=click.Choice(["APPLIED", "IN REVIEW", "APPROVED", "ISSUED"], case_sensitive=False),
    default="APPLIED",
    show_default=True,
)
@click.option("--plan-check", is_flag=True, help="A plan check (numbered A...).")
@click.option("--subtype", default="")
@click.option("--description", default="")
@click.pass_context
def permit_create(
    ctx: click.Context,
    db_url: str | None,
    permit_type: str,
    apn: str,
    address: str,
    district: str,
    zoning: str,
    owner_name: str,
    companies: tuple[str, ...],
    contacts: tuple[str, ...],
    fees: tuple[str, ...],
    standard_fees: bool,
    status: str,
    plan_check: bool,
    subtype: str,
    description: str,
) -> None:
    """Create a permit with its parcel, contacts and fees; prints its number."""
    from etrakit_tui.domain.permits import fees as permits_fees
    from etrakit_tui.domain.permits import issue

    others = []
    for text in contacts:
        parts = [*text.split(":"), "", ""]
        if len(text.split(":")) < 2:
            raise click.BadParameter("use ROLE:NAME[:PHONE[:EMAIL]]", param_hint="--contact")
        others.append(issue.ContactInput(parts[0], parts[1], parts[2], parts[3]))
    charges = (
        permits_fees.standard_fees(permit_type, plan_check=plan_check) if standard_fees else []
    )
    for text in fees:
        charges.extend(permits_fees.parse_fee_lines(text))
    created = issue.create_permit(
        command_database(ctx, db_url, create=True),
        SYSTEM,
        permit_type=permit_type,
        parcel=issue.ParcelInput(apn, address, district, zoning, owner_name),
        companies=[issue.CompanyOnPermit(name) for name in companies],
        contacts=others,
        fees=charges,
        status=status,
        plan_check=plan_check,
        subtype=subtype,
        description=description,
    )
    from etrakit_tui.domain.permits.fees import format_cents

    click.echo(
        defuse(
            f"{created.number}: {created.permit_type} {created.status} at {created.address} "
            f"({created.apn}); fees {format_cents(created.fees_total_cents)}"
        )
    )


# --------------------------------------------------------------------------- review


@click.group()
def review() -> None:
    """Post and update plan reviews."""


@review.command("post")
@db_option
@click.argument("number")
@click.option("--type", "review_type", required=True, help="e.g. BUILDING.")
@click.option("--reviewer", required=True)
@click.option(
    "--status",
    type=click.Choice(
        ["SUBMITTED", "IN REVIEW", "APPROVED", "CORRECTIONS REQUIRED"], case_sensitive=False
    ),
    default="SUBMITTED",
    show_default=True,
)
@click.option("--submitted", default=None, help="Submitted date (default: today).")
@click.option("--due", default=None, help="Due date.")
@click.option("--notes", default="", help="The reviewer's notes.")
@click.option("--cycle", type=click.IntRange(1, 99), default=None, help="Default: the next one.")
@click.pass_context
def review_post(
    ctx: click.Context,
    db_url: str | None,
    number: str,
    review_type: str,
    reviewer: str,
    status: str,
    submitted: str | None,
    due: str | None,
    notes: str,
    cycle: int | None,
) -> None:
    """Post a plan review on permit NUMBER; prints the review's id."""
    from etrakit_tui.domain.inspections.calendar import local_today
    from etrakit_tui.domain.permits.reviews import post_review

    database = command_database(ctx, db_url)
    on = _day(submitted, "submitted") or local_today(database.jurisdiction, database.now())
    row = post_review(
        database,
        SYSTEM,
        number,
        review_type,
        reviewer,
        status.upper(),
        on,
        _day(due, "due"),
        notes,
        cycle,
    )
    click.echo(defuse(f"review {row.review_id}: {row.review_type} cycle {row.cycle} {row.status}"))


@review.command("update")
@db_option
@click.argument("review_id", type=int)
@click.option(
    "--status",
    type=click.Choice(
        ["SUBMITTED", "IN REVIEW", "APPROVED", "CORRECTIONS REQUIRED"], case_sensitive=False
    ),
    default=None,
)
@click.option("--completed", default=None, help="Completed date ('' clears it).")
@click.option("--notes", default=None, help="Replace the notes.")
@click.pass_context
def review_update(
    ctx: click.Context,
    db_url: str | None,
    review_id: int,
    status: str | None,
    completed: str | None,
    notes: str | None,
) -> None:
    """Update review REVIEW_ID: status, completed date, notes."""
    from etrakit_tui.domain.inspections.calendar import parse_day
    from etrakit_tui.domain.permits.reviews import update_review

    changes: dict[str, Any] = {}
    if status is not None:
        changes["status"] = status.upper()
    if completed is not None:
        changes["completed_on"] = parse_day(completed, "completed", required=False)
    if notes is not None:
        changes["notes"] = notes
    row = update_review(command_database(ctx, db_url), SYSTEM, review_id, **changes)
    done = f", completed {row.completed_on:%m/%d/%Y}" if row.completed_on else ""
    click.echo(defuse(f"review {row.review_id}: {row.review_type} {row.status}{done}"))


# --------------------------------------------------------------------------- payment


@click.group()
def payment() -> None:
    """Record fee payments; import the processor's settlement file."""


@payment.command("record")
@db_option
@click.argument("number")
@click.argument("amount")
@click.option("--method", default="CHECK", show_default=True, help="CHECK, CASH, CARD or ACH.")
@click.option("--reference", default="", help="Check number, receipt...")
@click.pass_context
def payment_record(
    ctx: click.Context, db_url: str | None, number: str, amount: str, method: str, reference: str
) -> None:
    """Record a payment of AMOUNT (e.g. 125.00) on permit NUMBER; prints what is still due."""
    from etrakit_tui.domain.permits.fees import format_cents, parse_cents, record_payment

    breakdown = record_payment(
        command_database(ctx, db_url), SYSTEM, number, parse_cents(amount), method, reference
    )
    click.echo(
        defuse(f"{breakdown.permit_number}: fees due {format_cents(breakdown.amount_due_cents)}")
    )


@payment.command("import")
@db_option
@config_option
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
def payment_import(
    ctx: click.Context, db_url: str | None, config_path: Path | None, file: Path
) -> None:
    """Apply the processor's settlement FILE (CSV): one line per row, then the counts.

    Exit status 0 when every row was applied (or already was), 1 when a row was not
    applied, 2 when the file cannot be read or has a problem as a whole (nothing applied)."""
    from etrakit_tui.domain.payments.settlement import NOT_APPLIED, import_settlement

    try:
        data = file.read_bytes()
    except OSError as exc:
        click.echo(defuse(f"{PROG}: error: cannot read {file}: {exc.strerror}"), err=True)
        sys.exit(2)
    report = import_settlement(command_database(ctx, db_url, config_path), SYSTEM, data)
    if report.problem is not None:
        click.echo(defuse(f"{PROG}: error: {file}: {report.problem}"), err=True)
        sys.exit(2)
    for line in report.lines:
        said = f"{line.outcome}: {line.reason}" if line.reason else line.outcome
        order = line.order or "-"
        transaction = line.transaction or "-"
        click.echo(defuse(f"line {line.line}  {order}  {transaction}  {said}"))
    already = len(report.lines) - report.applied - report.not_applied
    click.echo(
        f"{report.applied} applied, {already} already applied, {report.not_applied} not applied"
    )
    if any(line.outcome == NOT_APPLIED for line in report.lines):
        sys.exit(1)

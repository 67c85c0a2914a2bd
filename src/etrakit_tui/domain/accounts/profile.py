"""The company profile (SPEC §2.2): view and edit, with an optional password change.

Company name and state license number are read-only; address, city, state, zip, email
and phone are required; cell and fax optional; plus the "Failed inspection notification"
toggle. Every field is validated and *all* messages come back at once
(:class:`ValidationFailed` ``{field: message}``); nothing is saved unless everything is
valid; one transaction saves the profile, the new password (if any) and the audit line.

Every signed-in account (company, staff member, inspector) also keeps its colour theme
(:func:`save_theme`; the sign-in reads it back): a comfort kept in the database, never in a file.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Table, update

from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts import auth
from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.accounts.passwords import policy_for
from etrakit_tui.domain.accounts.views import ProfileView
from etrakit_tui.domain.errors import NotFound, ValidationFailed
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import Company
from etrakit_tui.domain.validation import (
    FormErrors,
    clean_text,
    validate_email,
    validate_state,
    validate_us_phone,
    validate_zip,
)

# The editable fields, in the order the form shows them (also the order of ``changed_fields``).
EDITABLE_FIELDS = (
    "address",
    "city",
    "state",
    "zip",
    "email",
    "phone",
    "cell",
    "fax",
    "notify_failed_inspection",
)


@dataclass(frozen=True, slots=True)
class ProfileUpdate:
    """The form as submitted. Leave the three password fields empty to keep the password."""

    address: str
    city: str
    state: str
    zip: str
    email: str
    phone: str
    cell: str = ""
    fax: str = ""
    notify_failed_inspection: bool = False
    current_password: str = ""
    password: str = ""
    confirm: str = ""

    @property
    def changes_password(self) -> bool:
        return bool(self.current_password or self.password or self.confirm)


def _view(db: Database, row: Company, changed: tuple[str, ...] = ()) -> ProfileView:
    assert row.id is not None
    return ProfileView(
        company_id=row.id,
        name=row.name,
        license_no=row.license_no,
        address=row.address,
        city=row.city,
        state=row.state,
        zip=row.zip,
        email=row.email,
        phone=row.phone,
        cell=row.cell,
        fax=row.fax,
        notify_failed_inspection=row.notify_failed_inspection,
        password_rule=policy_for(db.jurisdiction).describe(),
        changed_fields=changed,
    )


def _require_company(actor: Actor) -> int:
    if not actor.is_company or actor.id is None:
        raise NotFound("profile")
    return actor.id


def get_profile(db: Database, actor: Actor) -> ProfileView:
    """The signed-in company's own profile."""
    company_id = _require_company(actor)
    with db.read() as s:
        row = s.get(Company, company_id)
        if row is None:
            raise NotFound("profile")
        return _view(db, row)


def _validated(update: ProfileUpdate, form: FormErrors) -> dict[str, object]:
    """Every field of ``update`` cleaned, or its message recorded in ``form``."""
    return {
        "address": form.run(clean_text, update.address, "address", required=True, max_len=200),
        "city": form.run(clean_text, update.city, "city", required=True, max_len=80),
        "state": form.run(validate_state, update.state, "state"),
        "zip": form.run(validate_zip, update.zip, "zip"),
        "email": form.run(validate_email, update.email, "email"),
        "phone": form.run(validate_us_phone, update.phone, "phone"),
        "cell": form.run(
            validate_us_phone, update.cell, "cell", required=False, label="Cell phone"
        ),
        "fax": form.run(validate_us_phone, update.fax, "fax", required=False),
        "notify_failed_inspection": bool(update.notify_failed_inspection),
    }


def update_profile(db: Database, actor: Actor, update: ProfileUpdate) -> ProfileView:
    """Validate everything, then save it all in one transaction (or nothing).

    Raises :class:`ValidationFailed` with a message per bad field, including the password
    fields (``current_password``, ``password``, ``confirm``) when a new password is given."""
    company_id = _require_company(actor)
    form = FormErrors()
    values = _validated(update, form)
    if update.changes_password:
        form.merge(
            auth.password_form_errors(
                db.jurisdiction, update.current_password, update.password, update.confirm
            )
        )
    form.raise_if_any()
    change = None
    if update.changes_password:
        change = auth.prepare_password_change(
            db, actor, update.current_password, update.password, update.confirm
        )
    now = db.now()
    with db.write() as s:
        row = s.get(Company, company_id)
        if row is None:
            raise NotFound("profile")
        changed = [f for f in EDITABLE_FIELDS if getattr(row, f) != values[f]]
        for field in changed:
            setattr(row, field, values[field])
        s.add(row)
        s.flush()
        if change is not None:
            auth.apply_password_change(s, actor, change, now)
            changed.append("password")
        audit.record(
            s,
            actor,
            "update_profile",
            at=now,
            target=row.name,
            detail="changed: " + (", ".join(changed) or "nothing"),
        )
        return _view(db, row, tuple(changed))


# --------------------------------------------------------------------------- theme

THEME_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
"""What a theme's name may be: lower-case letters, digits and dashes, at most 40."""


def _theme_table(actor: Actor) -> Table:
    """The table that holds ``actor``'s account; an actor without one: ``NotFound``."""
    if actor.id is not None:
        if actor.kind is ActorKind.COMPANY:
            return auth.COMPANY
        if actor.kind in (ActorKind.STAFF, ActorKind.INSPECTOR):
            return auth.STAFF
    raise NotFound("account")


def save_theme(
    db: Database, actor: Actor, name: str, allowed: Collection[str] | None = None
) -> str:
    """Keep ``name`` as the colour theme of ``actor``'s own account (one transaction).

    ``allowed``: the themes the caller offers (a name outside it is refused). Returns the
    name saved. Not audited: a theme changes nothing anyone else sees."""
    if not THEME_NAME.fullmatch(name) or (allowed is not None and name not in allowed):
        raise ValidationFailed({"theme": "Choose one of the portal's themes."})
    table = _theme_table(actor)
    with db.write() as s:
        done = s.connection().execute(
            update(table).where(table.c.id == actor.id).values(theme=name)
        )
        if done.rowcount != 1:
            raise NotFound("account")
    return name

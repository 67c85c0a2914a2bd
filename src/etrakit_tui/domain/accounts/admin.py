"""Building-division administration (SPEC §3): companies, PINs, accounts.

Only staff (or the SYSTEM actor, for the CLI) may call these; anyone else is refused with
:class:`RuleViolation` and the refusal is audited. Every change is one transaction with its
audit line. A clear PIN is returned once, in :class:`IssuedPin`, and never stored or logged.
"""

from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts import auth
from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.accounts.hashing import hash_secret
from etrakit_tui.domain.accounts.passwords import policy_for
from etrakit_tui.domain.accounts.views import CompanySummary, IssuedPin, StaffSummary
from etrakit_tui.domain.errors import NotFound, RuleViolation, ValidationFailed
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import Company, StaffRole, StaffUser
from etrakit_tui.domain.validation import (
    FormErrors,
    clean_text,
    validate_email,
    validate_state,
    validate_us_phone,
    validate_zip,
)

_LICENSE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,29}")
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")


def _summary(row: Company) -> CompanySummary:
    assert row.id is not None
    return CompanySummary(
        id=row.id,
        name=row.name,
        license_no=row.license_no,
        city=row.city,
        email=row.email,
        phone=row.phone,
        disabled=row.disabled,
        has_password=row.password_hash is not None,
        pin_expires_at=row.pin_expires_at,
        locked_until=row.locked_until,
        last_login_at=row.last_login_at,
        created_at=row.created_at,
    )


def _staff_summary(row: StaffUser) -> StaffSummary:
    assert row.id is not None
    return StaffSummary(
        row.id,
        row.username,
        row.full_name,
        row.role,
        row.district,
        row.email,
        row.phone,
        row.disabled,
    )


def _require_staff(db: Database, actor: Actor, action: str, target: str) -> None:
    """Refuse (and audit) anyone but staff and the system."""
    if actor.is_staff:
        return
    audit.record_refusal(db, actor, action, target, "not building-division staff")
    raise RuleViolation(f"Only {db.jurisdiction.division} staff may do that.")


def _find_company(s: Session, name: str) -> Company | None:
    found = auth.find_company_row(s.connection(), name.strip())
    return None if found is None else s.get(Company, found.id)


def _company_name(value: str) -> str:
    return " ".join(
        clean_text(value, "name", required=True, max_len=120, label="Company name").split()
    )


def _license_no(value: str) -> str:
    text = clean_text(
        value, "license_no", required=True, max_len=30, label="State license number"
    ).upper()
    if not _LICENSE.fullmatch(text):
        raise ValidationFailed({"license_no": "Use letters, digits and '-' only."})
    return text


def register_company(
    db: Database,
    actor: Actor,
    name: str,
    license_no: str,
    *,
    email: str,
    phone: str,
    address: str = "",
    city: str = "",
    state: str = "CA",
    zip: str = "",
    cell: str = "",
    fax: str = "",
) -> IssuedPin:
    """Register a company and issue its first PIN (returned in clear, once).

    Every field is validated at once; a name (ignoring case) or license number already
    registered is refused at its field."""
    _require_staff(db, actor, "register_company", name)
    form = FormErrors()
    values = {
        "name": form.run(_company_name, name),
        "license_no": form.run(_license_no, license_no),
        "address": form.run(clean_text, address, "address", max_len=200),
        "city": form.run(clean_text, city, "city", max_len=80),
        "state": form.run(validate_state, state, "state"),
        "zip": form.run(validate_zip, zip, "zip", required=False),
        "email": form.run(validate_email, email, "email"),
        "phone": form.run(validate_us_phone, phone, "phone"),
        "cell": form.run(validate_us_phone, cell, "cell", required=False, label="Cell phone"),
        "fax": form.run(validate_us_phone, fax, "fax", required=False),
    }
    form.raise_if_any()
    now = db.now()
    pin = auth.new_pin(db.jurisdiction, now)
    clean = {k: str(v) for k, v in values.items()}
    try:
        with db.write() as s:
            if _find_company(s, clean["name"]) is not None:
                form.add("name", "A company with this name is already registered.")
            taken = select(Company.id).where(col(Company.license_no) == clean["license_no"])
            if s.exec(taken).first() is not None:
                form.add("license_no", "This license number is already registered.")
            form.raise_if_any()
            row = Company(
                name=clean["name"],
                license_no=clean["license_no"],
                pin_hash=pin.pin_hash,
                pin_expires_at=pin.expires_at,
                created_at=now,
            )
            for field in ("address", "city", "state", "zip", "email", "phone", "cell", "fax"):
                setattr(row, field, clean[field])
            s.add(row)
            s.flush()
            audit.record(
                s,
                actor,
                "register_company",
                at=now,
                target=row.name,
                detail=f"license {row.license_no}; PIN valid until {pin.expires_at.isoformat()}",
            )
            summary = _summary(row)
    except IntegrityError as exc:  # a concurrent registration won the race
        raise ValidationFailed(
            {"name": "A company with this name or license number is already registered."}
        ) from exc
    return IssuedPin(summary, pin.pin, pin.expires_at)


def issue_pin(db: Database, actor: Actor, company_name: str) -> IssuedPin:
    """A new PIN for a company: the old PIN and the password stop working, the lockout is
    cleared, and the company sets a new password at its next sign-in."""
    _require_staff(db, actor, "issue_pin", company_name)
    now = db.now()
    pin = auth.new_pin(db.jurisdiction, now)
    with db.write() as s:
        row = _find_company(s, company_name)
        if row is not None:
            row.pin_hash, row.pin_expires_at = pin.pin_hash, pin.expires_at
            row.password_hash, row.failed_logins, row.locked_until = None, 0, None
            s.add(row)
            s.flush()
            summary = _summary(row)
        audit.record(
            s,
            actor,
            "issue_pin",
            at=now,
            target=company_name[:120],
            outcome="ok" if row else "not_found",
            detail=f"PIN valid until {pin.expires_at.isoformat()}" if row else "",
        )
    if row is None:
        raise NotFound("company")
    return IssuedPin(summary, pin.pin, pin.expires_at)


def set_company_disabled(
    db: Database, actor: Actor, company_name: str, disabled: bool
) -> CompanySummary:
    """Disable (or enable again) a company; its open sessions end at their next check."""
    action = "disable_company" if disabled else "enable_company"
    _require_staff(db, actor, action, company_name)
    now = db.now()
    with db.write() as s:
        row = _find_company(s, company_name)
        if row is not None:
            row.disabled = disabled
            s.add(row)
            s.flush()
            summary = _summary(row)
        audit.record(
            s,
            actor,
            action,
            at=now,
            target=company_name[:120],
            outcome="ok" if row else "not_found",
        )
    if row is None:
        raise NotFound("company")
    return summary


def list_companies(
    db: Database, actor: Actor, prefix: str = "", limit: int = 100
) -> list[CompanySummary]:
    """Companies (enabled and disabled) whose name starts with ``prefix``, by name."""
    _require_staff(db, actor, "list_companies", prefix)
    limit = max(1, min(limit, 1000))
    query = (
        select(Company)
        .where(*auth.company_name_prefix(prefix))
        .order_by(col(Company.name_upper), col(Company.name))
        .limit(limit)
    )
    with db.read() as s:
        return [_summary(row) for row in s.exec(query)]


def _username(value: str) -> str:
    text = clean_text(value, "username", required=True, max_len=64, label="User name").lower()
    if not _USERNAME.fullmatch(text):
        raise ValidationFailed(
            {
                "username": "Use 2 to 64 letters, digits, '.', '_' or '-', starting with a "
                "letter or digit."
            }
        )
    return text


def add_staff(
    db: Database,
    actor: Actor,
    username: str,
    full_name: str,
    role: str,
    password: str,
    district: str | None = None,
    *,
    email: str = "",
    phone: str = "",
) -> StaffSummary:
    """Create a staff or inspector account (user names are stored in lower case)."""
    _require_staff(db, actor, "add_staff", username)
    form = FormErrors()
    user = form.run(_username, username)
    name = form.run(clean_text, full_name, "full_name", required=True, max_len=120)
    if role not in {r.value for r in StaffRole}:
        form.add("role", "Choose staff or inspector.")
    area = (district or "").strip().upper() or None
    if area is not None and area not in db.jurisdiction.districts:
        form.add("district", "Choose one of: " + ", ".join(db.jurisdiction.districts) + ".")
    problem = policy_for(db.jurisdiction).check(password)
    if problem:
        form.add("password", problem)
    mail = form.run(validate_email, email, "email", required=False)
    tel = form.run(validate_us_phone, phone, "phone", required=False)
    form.raise_if_any()
    now = db.now()
    hashed = hash_secret(password)
    try:
        with db.write() as s:
            if s.exec(select(StaffUser.id).where(col(StaffUser.username) == user)).first():
                raise ValidationFailed({"username": "This user name is taken."})
            row = StaffUser(
                username=str(user),
                full_name=str(name),
                role=role,
                district=area,
                email=mail or "",
                phone=tel or "",
                password_hash=hashed,
                created_at=now,
            )
            s.add(row)
            s.flush()
            audit.record(
                s,
                actor,
                "add_staff",
                at=now,
                target=row.username,
                detail=f"role {role}" + (f"; district {area}" if area else ""),
            )
            summary = _staff_summary(row)
    except IntegrityError as exc:
        raise ValidationFailed({"username": "This user name is taken."}) from exc
    return summary

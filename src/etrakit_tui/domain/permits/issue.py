"""Issuing permits (SPEC §3 "Staff"): a new permit with its parcel, companies, contacts and
fees, numbered from the city's sequence, in one transaction with its audit line.

Only staff (and the SYSTEM actor, for the CLI) may create permits; anyone else gets the
very ``NotFound`` a missing record gives, and the refusal is audited (``access_denied``).
A refused creation (a bad field) is audited too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts import auth
from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.audit import require_staff
from etrakit_tui.domain.errors import DatabaseError, ValidationFailed
from etrakit_tui.domain.inspections.calendar import local_today
from etrakit_tui.domain.permits import catalog
from etrakit_tui.domain.permits.fees import (
    FeeInput,
    format_cents,
)
from etrakit_tui.domain.permits.views import CreatedPermit
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import (
    Company,
    ContactRole,
    Fee,
    Parcel,
    Permit,
    PermitContact,
    PermitStatus,
)
from etrakit_tui.domain.validation import FormErrors, clean_text, validate_email, validate_us_phone

NEW_PERMIT_STATUSES = (
    PermitStatus.APPLIED,
    PermitStatus.IN_REVIEW,
    PermitStatus.APPROVED,
    PermitStatus.ISSUED,
)
"""The statuses a permit may be created with (later ones follow from inspections)."""
MAX_FEES = 20
MAX_CONTACTS = 10
NUMBER_ATTEMPTS = 5


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class ParcelInput:
    """The permit's site: an existing parcel by ``apn``, or a new one (address, district)."""

    apn: str
    address: str = ""
    district: str = ""
    zoning: str = ""
    owner_name: str = ""
    zip: str = ""


@dataclass(frozen=True, slots=True)
class CompanyOnPermit:
    """A registered company named on the permit (it then sees the permit's private parts)."""

    name: str
    role: ContactRole | str = ContactRole.CONTRACTOR


@dataclass(frozen=True, slots=True)
class ContactInput:
    """Another contact (owner, applicant...): a person, not a registered company."""

    role: ContactRole | str
    name: str
    phone: str = ""
    email: str = ""


# --------------------------------------------------------------------------- read models


# --------------------------------------------------------------------------- permits


def _role(value: ContactRole | str, field: str, form: FormErrors) -> str:
    text = str(value).strip().upper()
    if text not in {r.value for r in ContactRole}:
        form.add(field, "Choose one of: " + ", ".join(r.value for r in ContactRole) + ".")
    return text


def _clean_parcel(parcel: ParcelInput, districts: Sequence[str], form: FormErrors) -> ParcelInput:
    apn = parcel.apn.strip()
    if not catalog.is_apn(apn):
        form.add("apn", "Enter an APN like 448-123-017.")
    district = parcel.district.strip().upper()
    if district and district not in districts:
        form.add("district", "Choose one of: " + ", ".join(districts) + ".")
    return ParcelInput(
        apn=apn,
        address=" ".join((form.run(clean_text, parcel.address, "address") or "").upper().split()),
        district=district,
        zoning=(form.run(clean_text, parcel.zoning, "zoning", max_len=20) or "").upper(),
        owner_name=form.run(clean_text, parcel.owner_name, "owner_name", max_len=120) or "",
        zip=form.run(clean_text, parcel.zip, "zip", max_len=10) or "",
    )


def _clean_contacts(contacts: Sequence[ContactInput], form: FormErrors) -> list[ContactInput]:
    clean = []
    for contact in contacts[:MAX_CONTACTS]:
        clean.append(
            ContactInput(
                role=_role(contact.role, "contact_role", form),
                name=form.run(clean_text, contact.name, "contact_name", required=True, max_len=120)
                or "",
                phone=form.run(validate_us_phone, contact.phone, "contact_phone", required=False)
                or "",
                email=form.run(validate_email, contact.email, "contact_email", required=False)
                or "",
            )
        )
    return clean


def _clean_fees(fees: Sequence[FeeInput], form: FormErrors) -> list[FeeInput]:
    if len(fees) > MAX_FEES:
        form.add("fees", f"At most {MAX_FEES} fees at once.")
    clean = []
    for fee in fees[:MAX_FEES]:
        code = fee.code.strip().upper()
        if not re.fullmatch(r"[A-Z0-9]{1,20}", code):
            form.add("fees", f"Fee code {code[:20]!r}: use 1 to 20 letters or digits.")
            continue
        if isinstance(fee.amount_cents, bool) or fee.amount_cents < 0:
            form.add("fees", f"Fee {code}: the amount must not be negative.")
            continue
        known = catalog.FEE_SCHEDULE.get(code)
        words = fee.description or (known.description if known else code)
        description = form.run(clean_text, words, "fees", max_len=120) or code
        clean.append(FeeInput(code, fee.amount_cents, description))
    return clean


def _find_companies(
    s: Session, companies: Sequence[CompanyOnPermit], form: FormErrors
) -> list[tuple[Company, str]]:
    found: list[tuple[Company, str]] = []
    for entry in companies[:MAX_CONTACTS]:
        role = _role(entry.role, "company", form)
        row = auth.find_company_row(s.connection(), entry.name.strip())
        company = None if row is None else s.get(Company, row.id)
        if company is None:
            form.add("company", f"No registered company is called {entry.name.strip()[:120]!r}.")
        elif company.disabled:
            form.add("company", f"{company.name} is disabled; enable it first.")
        else:
            found.append((company, role))
    return found


def _next_number(s: Session, letter: str, today: date) -> str:
    """The next free number of ``letter`` this month (``B2611-001``...)."""
    prefix = catalog.permit_number(letter, today.year, today.month, 1)[:5]
    top = s.exec(
        select(func.max(Permit.number)).where(col(Permit.number).startswith(prefix + "-"))
    ).one()
    seq = catalog.parse_permit_number(top).seq + 1 if top else 1
    if seq > 999:
        raise ValidationFailed({"permit_type": f"No {prefix} numbers are left this month."})
    return catalog.permit_number(letter, today.year, today.month, seq)


def _parcel_for(s: Session, parcel: ParcelInput, form: FormErrors) -> tuple[Parcel | None, bool]:
    existing = s.exec(select(Parcel).where(Parcel.apn == parcel.apn)).first()
    if existing is not None:
        return existing, False
    if not parcel.address:
        form.add("address", "A new parcel needs its address.")
    if not parcel.district:
        form.add("district", "A new parcel needs its inspection district.")
    if not form.ok:
        return None, True
    row = Parcel(
        apn=parcel.apn,
        address=parcel.address,
        district=parcel.district,
        zoning=parcel.zoning,
        owner_name=parcel.owner_name,
        zip=parcel.zip,
    )
    s.add(row)
    s.flush()
    return row, True


def create_permit(
    db: Database,
    actor: Actor,
    *,
    permit_type: str,
    parcel: ParcelInput,
    companies: Sequence[CompanyOnPermit] = (),
    contacts: Sequence[ContactInput] = (),
    fees: Sequence[FeeInput] = (),
    status: PermitStatus | str = PermitStatus.APPLIED,
    plan_check: bool = False,
    subtype: str = "",
    description: str = "",
) -> CreatedPermit:
    """Create a permit (or plan check, numbered ``A``) on an existing parcel (by APN) or a
    new one, with its companies, other contacts and fees, numbered after the highest of its
    letter this month. ISSUED permits are issued today and expire ``expiry_days`` later.
    Every bad field is reported at once (:class:`ValidationFailed`)."""
    require_staff(db, actor, "permit", "create permit", "create permit")
    j = db.jurisdiction
    form = FormErrors()
    kind = permit_type.strip().upper()
    if kind not in catalog.PERMIT_TYPES:
        form.add("permit_type", "Choose one of: " + ", ".join(catalog.PERMIT_TYPES) + ".")
    wanted = str(status).strip().upper()
    if wanted not in {s.value for s in NEW_PERMIT_STATUSES}:
        form.add("status", "Choose one of: " + ", ".join(s.value for s in NEW_PERMIT_STATUSES))
    site = _clean_parcel(parcel, j.districts, form)
    others = _clean_contacts(contacts, form)
    charges = _clean_fees(fees, form)
    sub = form.run(clean_text, subtype, "subtype", max_len=60) or ""
    words = form.run(clean_text, description, "description", max_len=2000, multiline=True) or ""
    if not companies and not others:
        form.add("company", "Name at least one company or contact.")
    if not form.ok:
        audit.record_refusal(db, actor, "permit_created", kind, str(ValidationFailed(form.errors)))
        form.raise_if_any()
    for attempt in range(NUMBER_ATTEMPTS):
        try:
            return _insert_permit(
                db, actor, kind, wanted, plan_check, site, companies, others, charges, sub, words
            )
        except IntegrityError as exc:  # a concurrent creation took the number or the APN
            if attempt == NUMBER_ATTEMPTS - 1:
                raise DatabaseError("the permit could not be numbered; try again") from exc
        except ValidationFailed as refused:
            audit.record_refusal(db, actor, "permit_created", kind, str(refused))
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def _insert_permit(
    db: Database,
    actor: Actor,
    kind: str,
    status: str,
    plan_check: bool,
    site: ParcelInput,
    companies: Sequence[CompanyOnPermit],
    others: Sequence[ContactInput],
    charges: Sequence[FeeInput],
    subtype: str,
    description: str,
) -> CreatedPermit:
    j, now = db.jurisdiction, db.now()
    today = local_today(j, now)
    form = FormErrors()
    with db.write() as s:
        named = _find_companies(s, companies, form)
        parcel, is_new = _parcel_for(s, site, form)
        form.raise_if_any()
        assert parcel is not None and parcel.id is not None
        issued = status == PermitStatus.ISSUED.value
        permit = Permit(
            number=_next_number(s, catalog.letter_for(kind, plan_check=plan_check), today),
            permit_type=kind,
            subtype=subtype,
            description=description,
            status=status,
            parcel_id=parcel.id,
            applied_on=today,
            approved_on=today if status in ("APPROVED", "ISSUED") else None,
            issued_on=today if issued else None,
            expires_on=today + timedelta(days=j.expiry_days) if issued else None,
            created_at=now,
        )
        s.add(permit)
        s.flush()
        assert permit.id is not None
        names = []
        for company, role in named:
            s.add(
                PermitContact(
                    permit_id=permit.id,
                    company_id=company.id,
                    role=role,
                    name=company.name,
                    phone=company.phone,
                    email=company.email,
                )
            )
            names.append(f"{role} {company.name}")
        for c in others:
            s.add(
                PermitContact(
                    permit_id=permit.id, role=str(c.role), name=c.name, phone=c.phone, email=c.email
                )
            )
            names.append(f"{c.role} {c.name}")
        for fee in charges:
            s.add(
                Fee(
                    permit_id=permit.id,
                    code=fee.code,
                    description=fee.description,
                    amount_cents=fee.amount_cents,
                    assessed_on=today,
                )
            )
        total = sum(f.amount_cents for f in charges)
        audit.record(
            s,
            actor,
            "permit_created",
            at=now,
            target=permit.number,
            detail=f"{kind} {status} at {parcel.apn} {parcel.address}; "
            f"contacts: {', '.join(names) or 'none'}; fees {format_cents(total)}",
        )
        return CreatedPermit(
            permit.number, kind, status, parcel.apn, parcel.address, is_new, tuple(names), total
        )


"""``update_review(completed_on=...)`` not given (``None`` clears the date)."""

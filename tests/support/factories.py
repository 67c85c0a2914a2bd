"""Factories: set up a scene (parcel, company, permit, inspection types, staff, fees) in a
few lines. Each function takes an open Session (``with db.write() as s:``), adds its rows,
flushes so ids exist, and returns the ORM row. The caller's transaction commits them.

Defaults are chosen around the tests' clock (Wed 11/18/2026 in Hemet): an issued permit is
issued 10/1/2026 and expires 180 days later.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.store.models import (
    Company,
    ContactRole,
    Fee,
    InspectionPrerequisite,
    InspectionType,
    Parcel,
    Payment,
    Permit,
    PermitContact,
    PermitStatus,
    StaffRole,
    StaffUser,
)

CREATED = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)
ISSUED_ON = date(2026, 10, 1)
EXPIRY_DAYS = 180
PLACEHOLDER_HASH = "not-a-hash"  # sign-in is not what these scenes test

_seq = itertools.count(1)


def _next() -> int:
    return next(_seq)


def make_parcel(
    session: Session,
    *,
    address: str | None = None,
    district: str = "NORTH",
    apn: str | None = None,
    owner_name: str = "",
) -> Parcel:
    """A parcel in ``district`` (addresses are stored upper case, like the portal's)."""
    n = _next()
    parcel = Parcel(
        apn=apn or f"448-{n // 1000:03d}-{n % 1000:03d}",
        address=(address or f"{100 + n} E FLORIDA AVE").upper(),
        district=district,
        owner_name=owner_name,
    )
    session.add(parcel)
    session.flush()
    return parcel


def make_company(
    session: Session,
    name: str = "ACME ELECTRIC INC",
    *,
    license_no: str | None = None,
    email: str = "",
    phone: str = "(951) 555-0100",
    notify_failed_inspection: bool = False,
    password_hash: str | None = None,
    disabled: bool = False,
) -> Company:
    """A registered contractor company."""
    company = Company(
        name=name,
        license_no=license_no or f"L{_next():07d}",
        email=email,
        phone=phone,
        notify_failed_inspection=notify_failed_inspection,
        password_hash=password_hash,
        disabled=disabled,
        created_at=CREATED,
    )
    session.add(company)
    session.flush()
    return company


def make_contact(
    session: Session,
    permit: Permit,
    *,
    company: Company | None = None,
    role: ContactRole | str = ContactRole.CONTRACTOR,
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> PermitContact:
    """A contact on a permit; with ``company`` the company sees the permit's private parts."""
    assert permit.id is not None
    contact = PermitContact(
        permit_id=permit.id,
        company_id=company.id if company else None,
        role=str(role),
        name=name or (company.name if company else "JANE OWNER"),
        phone=phone if phone is not None else (company.phone if company else ""),
        email=email if email is not None else (company.email if company else ""),
    )
    session.add(contact)
    session.flush()
    return contact


def make_permit(
    session: Session,
    number: str | None = None,
    *,
    permit_type: str = "ELECTRICAL",
    status: PermitStatus | str = PermitStatus.ISSUED,
    company: Company | None = None,
    issued_on: date | None = None,
    expires_on: date | None = None,
    parcel: Parcel | None = None,
    district: str = "NORTH",
    address: str | None = None,
    finaled_on: date | None = None,
    on_hold: bool = False,
    description: str = "",
) -> Permit:
    """A permit on ``parcel`` (a new one in ``district`` if not given). ISSUED and ACTIVE
    permits default to issued 10/1/2026, expiring 180 days after issue. With ``company``,
    the company is its CONTRACTOR contact."""
    status = str(status)
    if issued_on is None and status in (PermitStatus.ISSUED, PermitStatus.ACTIVE):
        issued_on = ISSUED_ON
    if expires_on is None and issued_on is not None:
        expires_on = issued_on + timedelta(days=EXPIRY_DAYS)
    site = parcel or make_parcel(session, address=address, district=district)
    permit = Permit(
        number=number or f"B2610-{_next() % 1000:03d}",
        permit_type=permit_type,
        status=status,
        parcel_id=site.id,
        applied_on=(issued_on or ISSUED_ON) - timedelta(days=30),
        issued_on=issued_on,
        expires_on=expires_on,
        finaled_on=finaled_on,
        on_hold=on_hold,
        description=description,
        created_at=CREATED,
    )
    session.add(permit)
    session.flush()
    if company is not None:
        make_contact(session, permit, company=company)
    return permit


def make_inspection_types(
    session: Session,
    permit_type: str,
    types: Sequence[tuple[str, str]],
    *,
    prerequisites: Mapping[str, Iterable[str]] | None = None,
    finals: Iterable[str] = ("FINAL",),
) -> dict[str, InspectionType]:
    """Inspection types for ``permit_type``, by code, in the given order. ``prerequisites``
    maps a code to the codes that must pass first (``{"FINAL": ["ROUGH"]}``); codes in
    ``finals`` are final inspections. Existing types of the permit type are reused."""
    final_codes = set(finals)
    made: dict[str, InspectionType] = {}
    for order, (code, name) in enumerate(types):
        existing = session.exec(
            select(InspectionType).where(
                InspectionType.permit_type == permit_type, InspectionType.code == code
            )
        ).first()
        row = existing or InspectionType(
            permit_type=permit_type,
            code=code,
            name=name,
            sort_order=order,
            is_final=code in final_codes,
        )
        session.add(row)
        made[code] = row
    session.flush()
    for code, needs in (prerequisites or {}).items():
        for needed in needs:
            session.add(
                InspectionPrerequisite(
                    inspection_type_id=made[code].id, requires_id=made[needed].id
                )
            )
    session.flush()
    return made


def make_staff(
    session: Session,
    username: str,
    *,
    role: StaffRole | str = StaffRole.STAFF,
    full_name: str | None = None,
    district: str | None = None,
    disabled: bool = False,
    password_hash: str = PLACEHOLDER_HASH,
) -> StaffUser:
    """A staff or inspector account."""
    user = StaffUser(
        username=username,
        full_name=full_name or username.replace(".", " ").title(),
        role=str(role),
        district=district,
        disabled=disabled,
        password_hash=password_hash,
        created_at=CREATED,
    )
    session.add(user)
    session.flush()
    return user


def make_fee(
    session: Session,
    permit: Permit,
    amount_cents: int,
    *,
    code: str = "PLAN",
    description: str = "Plan check fee",
    assessed_on: date = ISSUED_ON,
) -> Fee:
    """A fee assessed on a permit."""
    assert permit.id is not None
    fee = Fee(
        permit_id=permit.id,
        code=code,
        description=description,
        amount_cents=amount_cents,
        assessed_on=assessed_on,
    )
    session.add(fee)
    session.flush()
    return fee


def make_payment(
    session: Session, permit: Permit, amount_cents: int, *, paid_at: datetime = CREATED
) -> Payment:
    """A payment received on a permit."""
    assert permit.id is not None
    payment = Payment(permit_id=permit.id, amount_cents=amount_cents, paid_at=paid_at)
    session.add(payment)
    session.flush()
    return payment


# --------------------------------------------------------------------------- actors


def company_actor(company: Company) -> Actor:
    assert company.id is not None
    return Actor(ActorKind.COMPANY, company.id, company.name)


def staff_actor(user: StaffUser) -> Actor:
    """The actor of a staff or inspector account (by its role)."""
    assert user.id is not None
    kind = ActorKind.INSPECTOR if user.role == StaffRole.INSPECTOR else ActorKind.STAFF
    return Actor(kind, user.id, user.username)

"""The demo city (SPEC §5): the guide's own records, fixed sign-ins, and a realistic city.

:func:`build_demo` fills an empty, migrated database. Every date is relative to
``db.now()`` seen in the jurisdiction's zone (except the guide's fixed dates), so the demo
is always "live": the plan check ``A1806-065`` has its FINAL inspection on the next
business day, the inspectors have a route today, and the dashboards of ``CITY OF HEMET``
and ``ACME ELECTRIC INC`` have rows in all three tables.

The guide's records:

* ``A1806-065`` — ACCESSIBILITY plan check, ACTIVE, applied 6/27/2018, attachments
  ``IMG_5427.JPG`` and ``IMG5427.JPG``, one contact (CITY OF HEMET), reviews in three
  cycles. The guide shows blank issued and expiration dates but also ``Request``; a permit
  may only be offered ``Request`` when issued and not expired, so here it was issued
  recently, its PATH OF TRAVEL and PARKING inspections have passed (FINAL requires them,
  and each pass restarted the expiry clock), and its FINAL is SCHEDULED for the next
  business day, AM, with the district's inspector. Fees due: $0.00.
* ``B1906-174`` — ELECTRICAL at 3800 THORNTON AVE, issued 6/25/2019, expired 12/22/2019
  (180 days later, no inspection passed). The guide's screenshot shows status ACTIVE under
  "My Expired Permits"; we store status **EXPIRED** with that expiry date, so it lands under
  "My Expired Permits" whether a screen goes by status or by date, and never offers
  ``Request``.

CITY OF HEMET also has an open payment order, ``PO-DEMO-0001``, for the fees of a newly issued
EV-charger permit; ``data/settlement-sample.csv`` pays it (see :mod:`.payorder`).

The first district's AM slot on the next business day is full (A1806-065's FINAL and
other permits), so the "slot full, the next free one is ..." refusal can be tried at once.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlmodel import Session

from etrakit_tui.democity.citybuilder import CityBuilder
from etrakit_tui.democity.citygen import (
    STATUS_WEIGHTS,
    TYPE_WEIGHTS,
    CityRandom,
    CompanyRef,
    Numberer,
    ParcelRef,
    PermitOutcome,
    PermitSpec,
    SlotBook,
    forget_conversions,
    person,
    status_window,
)
from etrakit_tui.democity.guide import GUIDE_NUMBERS, attach, write_guide_records
from etrakit_tui.democity.payorder import write_demo_order
from etrakit_tui.democity.rows import company_row, new_apn, parcel_row, staff_row
from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts.actors import SYSTEM
from etrakit_tui.domain.accounts.hashing import hash_secret
from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.domain.inspections.calendar import is_business_day, local_today, next_business_day
from etrakit_tui.domain.permits import catalog
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import InspectionStatus, PermitStatus, StaffRole, metadata
from etrakit_tui.settings import Jurisdiction

P = PermitStatus
I = InspectionStatus  # noqa: E741
DEMO_SEED = 5427
RANDOM_PERMITS = 400


class DemoCredential(NamedTuple):
    """One fixed demo sign-in: who it is, the name to sign in with, the secret."""

    who: str
    sign_in: str
    secret: str


DEMO_CREDENTIALS: tuple[DemoCredential, ...] = (
    DemoCredential("contractor", "CITY OF HEMET", "hemetdemo1"),
    DemoCredential("contractor", "ACME ELECTRIC INC", "acmedemo22"),
    DemoCredential("contractor, first login (PIN)", "SUNRISE SOLAR LLC", "24681357"),
    DemoCredential("inspector", "inspector", "inspect2026"),
    DemoCredential("staff", "admin", "staffdesk2026"),
)
"""The sign-ins shown on the demo login screen (SPEC §5)."""

OTHER_COMPANIES = """
VALLEY WIDE PLUMBING INC|PLUMBING; DIAMOND VALLEY POOLS|POOL; SAN JACINTO ROOFING CO|ROOFING;
HEMET HEATING & AIR|MECHANICAL; RAMONA BUILDERS INC|BUILDING; SOBOBA CONSTRUCTION LLC|BUILDING;
MT SAN JACINTO ELECTRIC|ELECTRICAL; INLAND EMPIRE SOLAR INC|SOLAR; PINNACLE FIRE PROTECTION|FIRE;
SIMPSON PARK GRADING INC|GRADING; DESERT SUN SIGNS|SIGN; CORNERSTONE DEMOLITION INC|DEMOLITION;
HERITAGE HOMES INC|BUILDING; GOLDEN STATE MECHANICAL|MECHANICAL; BLUE SKY ROOFING INC|ROOFING;
TRI-COUNTY PLUMBING & ROOTER|PLUMBING; SUNSHINE SOLAR ENERGY LLC|SOLAR;
KEYSTONE ACCESS SOLUTIONS|ACCESSIBILITY; LANDMARK CONSTRUCTION GROUP|BUILDING;
PRECISION ELECTRIC CO|ELECTRICAL; MERIDIAN FIRE SPRINKLER INC|FIRE; QUAIL RANCH POOLS|POOL;
ORANGE GROVE POOLS & SPAS|POOL; WINCHESTER EXCAVATION INC|GRADING; FRONTIER SIGN COMPANY|SIGN;
QUALITY AIR CONDITIONING|MECHANICAL; RELIABLE PLUMBING CO|PLUMBING; SUMMIT ROOF SYSTEMS|ROOFING;
EAGLE ELECTRICAL CONTRACTORS|ELECTRICAL; CITRUS BUILDERS LLC|BUILDING;
HOMELAND WRECKING & HAULING|DEMOLITION; MISSION CONCRETE & STRIPING|ACCESSIBILITY;
RED ROCK CONSTRUCTION INC|BUILDING; PACIFIC SOLAR POWER INC|SOLAR; NGUYEN ELECTRIC INC|ELECTRICAL;
GARCIA & SONS PLUMBING|PLUMBING; KOWALSKI HEATING & AIR|MECHANICAL; BRENNAN ROOFING CO|ROOFING;
DESERT VISTA ARCHITECTS|DESIGN; PINNACLE ENGINEERING GROUP|DESIGN;
HARTLEY & OLSEN ARCHITECTS|DESIGN; FOOTHILL CIVIL ENGINEERING INC|DESIGN
"""
"""``name|trade`` of the other companies; DESIGN firms are architects and engineers."""

INSPECTORS = (
    ("inspector", "RAY DELGADO"),
    ("jnguyen", "JULIE NGUYEN"),
    ("tbrennan", "TOM BRENNAN"),
    ("lwashington", "LEON WASHINGTON"),
)
"""Field inspectors; ``inspector`` (the demo sign-in) covers the first district."""

DESIGNED = ("BUILDING", "ACCESSIBILITY", "GRADING", "POOL", "FIRE")


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo holds, and the day it was built for."""

    today: date
    companies: int
    permits: int
    inspections: int
    open_inspections: int
    reviews: int
    fees: int
    attachments: int
    full_slot: tuple[str, date, str] | None


@dataclass(slots=True)
class _Plan:
    permit_type: str
    status: str
    applied_on: date
    contractor: CompanyRef
    plan_check: bool = False
    design: CompanyRef | None = None
    district: str | None = None
    open_inspection: bool | None = None
    open_at: tuple[date, str] | None = None
    fees_due: bool | None = None


# --------------------------------------------------------------------------- people


def _ref(builder: CityBuilder, rng: random.Random, row: dict[str, Any]) -> CompanyRef:
    company_id = builder.writer.add("company", row)
    return CompanyRef(company_id, row["name"], row["phone"], row["email"], person(rng))


def _companies(
    rng: random.Random, builder: CityBuilder, now: datetime, pin_days: int
) -> tuple[list[CompanyRef], dict[str, list[CompanyRef]]]:
    """CITY OF HEMET, ACME ELECTRIC INC and SUNRISE SOLAR LLC (with their sign-ins), and
    the other companies by trade."""
    secret = {c.sign_in: c.secret for c in DEMO_CREDENTIALS}
    city = company_row(
        rng,
        "CITY OF HEMET",
        "TEST",
        now,
        address="445 E FLORIDA AVE",
        city="HEMET",
        zip="92543",
        email="sretmier@cityofhemet.org",
        phone="(951) 765-2475",
        notify_failed_inspection=True,
        password_hash=hash_secret(secret["CITY OF HEMET"]),
        last_login_at=now - timedelta(days=2),
    )
    acme = company_row(
        rng,
        "ACME ELECTRIC INC",
        "1012345",
        now,
        notify_failed_inspection=True,
        password_hash=hash_secret(secret["ACME ELECTRIC INC"]),
        last_login_at=now - timedelta(days=1),
    )
    sunrise = company_row(
        rng,
        "SUNRISE SOLAR LLC",
        "1087654",
        now,
        notify_failed_inspection=False,
        pin_hash=hash_secret(secret["SUNRISE SOLAR LLC"]),
        pin_expires_at=now + timedelta(days=pin_days),
        created_at=now - timedelta(days=1),
    )
    featured = [_ref(builder, rng, row) for row in (city, acme, sunrise)]
    by_trade: dict[str, list[CompanyRef]] = {}
    licenses = {"TEST", "1012345", "1087654"}
    for entry in OTHER_COMPANIES.replace("\n", " ").split(";"):
        name, trade = (part.strip() for part in entry.split("|"))
        license_no = "TEST"
        while license_no in licenses:
            license_no = (
                f"C-{rng.randint(10000, 39999)}"
                if trade == "DESIGN"
                else str(rng.randint(400_000, 1_099_999))
            )
        licenses.add(license_no)
        by_trade.setdefault(trade, []).append(
            _ref(builder, rng, company_row(rng, name, license_no, now))
        )
    return featured, by_trade


@dataclass(frozen=True, slots=True)
class _Staff:
    admin: int
    inspectors: dict[str, list[int]]


def _staff(builder: CityBuilder, now: datetime, districts: tuple[str, ...]) -> _Staff:
    """``admin`` (staff) and four inspectors, one per district in turn; only ``inspector``
    and ``admin`` have known passwords (the others: staff reset them)."""
    known = {c.sign_in: c.secret for c in DEMO_CREDENTIALS}
    admin = builder.writer.add(
        "staff_user",
        staff_row(
            "admin", "BUILDING COUNTER ADMIN", StaffRole.STAFF, hash_secret(known["admin"]), now
        ),
    )
    unusable = hash_secret(secrets.token_urlsafe(24))
    inspectors: dict[str, list[int]] = {}
    for i, (username, full_name) in enumerate(INSPECTORS):
        password = hash_secret(known[username]) if username in known else unusable
        district = districts[i % len(districts)]
        row = staff_row(username, full_name, StaffRole.INSPECTOR, password, now, district=district)
        inspectors.setdefault(district, []).append(builder.writer.add("staff_user", row))
    return _Staff(admin, inspectors)


# --------------------------------------------------------------------------- the city


def _plans(
    rng: random.Random,
    j: Jurisdiction,
    today: date,
    featured: list[CompanyRef],
    by_trade: dict[str, list[CompanyRef]],
) -> list[_Plan]:
    """Every generated permit: the slot fillers and today's route first, then the
    featured companies' permits, then the city around them."""
    plans: list[_Plan] = []
    city, acme, sunrise = featured
    north = j.districts[0]
    contractors = [c for trade, refs in by_trade.items() if trade != "DESIGN" for c in refs]

    def add(ptype: str, status: str, contractor: CompanyRef, **more: Any) -> None:
        low, high = status_window(status, ptype, j.expiry_days)
        age = rng.randint(low, high if high is not None else max(low + 30, 1800))
        plans.append(_Plan(ptype, status, today - timedelta(days=age), contractor, **more))

    tomorrow = next_business_day(j, today)
    for _ in range(max(j.slot_capacity - 1, 0)):  # A1806-065's FINAL holds one place
        add(
            rng.choice(catalog.PERMIT_TYPES),
            P.ACTIVE,
            rng.choice(contractors),
            district=north,
            open_inspection=True,
            open_at=(tomorrow, "AM"),
        )
    if is_business_day(j, today):  # the inspectors' route today
        for district in j.districts:
            for period in ("AM", "AM", "PM"):
                add(
                    rng.choice(catalog.PERMIT_TYPES),
                    P.ACTIVE,
                    rng.choice(contractors),
                    district=district,
                    open_inspection=True,
                    open_at=(today, period),
                )
    featured_plans = (
        (city, "ROOFING", P.ACTIVE, True, None),
        (city, "BUILDING", P.ACTIVE, True, None),
        (city, "SOLAR", P.ISSUED, False, True),
        (city, "MECHANICAL", P.EXPIRED, None, None),
        (acme, "ELECTRICAL", P.ACTIVE, True, None),
        (acme, "ELECTRICAL", P.ACTIVE, True, None),
        (acme, "ELECTRICAL", P.ISSUED, True, None),
        (acme, "SOLAR", P.ACTIVE, True, None),
        (acme, "ELECTRICAL", P.ACTIVE, False, True),
        (acme, "ELECTRICAL", P.APPROVED, None, None),
        (acme, "ELECTRICAL", P.EXPIRED, None, None),
        (acme, "ELECTRICAL", P.EXPIRED, None, None),
        (acme, "SOLAR", P.EXPIRED, None, None),
        (acme, "ELECTRICAL", P.FINALED, None, None),
        (acme, "ELECTRICAL", P.FINALED, None, None),
        (sunrise, "SOLAR", P.ACTIVE, True, None),
        (sunrise, "SOLAR", P.ISSUED, False, None),
        (sunrise, "SOLAR", P.FINALED, None, None),
    )
    for contractor, ptype, status, open_, due in featured_plans:
        add(ptype, status, contractor, open_inspection=open_, fees_due=due)
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    types = list(TYPE_WEIGHTS)
    for i in range(RANDOM_PERMITS):
        ptype = (
            catalog.PERMIT_TYPES[i]
            if i < len(catalog.PERMIT_TYPES)
            else rng.choices(types, list(TYPE_WEIGHTS.values()))[0]
        )
        # every status and type at least four times over, then the usual mix
        mix = (
            statuses[i % len(statuses)]
            if i < 4 * len(statuses)
            else rng.choices(statuses, weights)[0]
        )
        pool = by_trade.get(ptype) if rng.random() < 0.8 else None
        design = (
            rng.choice(by_trade["DESIGN"]) if ptype in DESIGNED and rng.random() < 0.3 else None
        )
        plan_check = ptype in catalog.PLAN_CHECK_TYPES and rng.random() < 0.2
        add(ptype, mix, rng.choice(pool or contractors), design=design, plan_check=plan_check)
    return plans


def _write_plans(
    builder: CityBuilder, plans: list[_Plan], apns: set[str], numberer: Numberer
) -> tuple[list[PermitOutcome], list[int]]:
    """Number the plans in application order, then write them (fillers first). Returns
    the outcomes and the ids of plan checks in review."""
    rng, j = builder.rng, builder.j
    order = sorted(range(len(plans)), key=lambda i: (plans[i].applied_on, i))
    numbers: dict[int, str] = {}
    for i in order:
        plan = plans[i]
        letter = catalog.letter_for(plan.permit_type, plan_check=plan.plan_check)
        numbers[i] = numberer.next(letter, plan.applied_on)
    parcels: list[ParcelRef] = []
    outcomes: list[PermitOutcome] = []
    in_review: list[int] = []
    for i, plan in enumerate(plans):
        if plan.district is None and parcels and rng.random() < 0.3:
            parcel = rng.choice(parcels)
        else:
            parcel = builder.parcel(parcel_row(rng, new_apn(rng, apns), j.districts, plan.district))
            parcels.append(parcel)
        spec = PermitSpec(
            numbers[i],
            plan.permit_type,
            plan.status,
            plan.applied_on,
            parcel,
            plan.contractor,
            design=plan.design,
            open_inspection=plan.open_inspection,
            open_at=plan.open_at,
            fees_due=plan.fees_due,
            on_hold=False if plan.open_inspection else None,
        )
        outcome = builder.permit(spec)
        outcomes.append(outcome)
        if plan.plan_check and plan.status == P.IN_REVIEW:
            in_review.append(outcome.id)
    return outcomes, in_review


def build_demo(db: Database) -> DemoSummary:
    """Fill an empty migrated database with the demo city (see the module docstring)."""
    j = db.jurisdiction
    now = db.now()
    today = local_today(j, now)
    rng = CityRandom(DEMO_SEED)
    north = j.districts[0]
    with db.write() as s:
        _require_empty(s)
        slots = SlotBook(j.slot_capacity)
        builder = CityBuilder(
            j, now, rng, catalog.ensure_catalog(s), slots, {}, None, open_share=0.45
        )
        builder.begin(s)
        staff = _staff(builder, now, j.districts)
        builder.inspectors = staff.inspectors
        builder.all_inspectors = sorted(i for ids in staff.inspectors.values() for i in ids)
        builder.cashier_id = staff.admin
        featured, by_trade = _companies(rng, builder, now, j.pin_valid_days)
        apns: set[str] = set()
        write_guide_records(builder, featured[0], apns)
        numberer = Numberer()
        for number in GUIDE_NUMBERS:
            numberer.reserve(number)
        plans = _plans(rng, j, today, featured, by_trade)
        outcomes, in_review = _write_plans(builder, plans, apns, numberer)
        for permit_id in [o.id for o in outcomes if o.corrections][:15]:
            attach(
                builder,
                permit_id,
                "CORRECTION_NOTICE.txt",
                now - timedelta(days=rng.randint(2, 60)),
            )
        for permit_id in in_review[:10]:
            attach(
                builder,
                permit_id,
                "PLAN_CHECK_COMMENTS.txt",
                now - timedelta(days=rng.randint(1, 20)),
            )
        audit.record(
            s, SYSTEM, "demo.build", at=now, target=str(today), detail=f"{len(plans) + 2} permits"
        )
        builder.end()
    forget_conversions()
    write_demo_order(db)
    tomorrow = next_business_day(j, today)
    full = slots.booked(north, tomorrow, "AM") >= j.slot_capacity > 0
    return _summary(db, today, (north, tomorrow, "AM") if full else None)


def _require_empty(session: Session) -> None:
    for name in ("company", "permit", "staff_user"):
        table = metadata.tables[name]
        if session.execute(select(func.count()).select_from(table)).scalar_one():
            raise EtrakitError("the demo city needs an empty database (this one has data)")


def _summary(db: Database, today: date, full: tuple[str, date, str] | None) -> DemoSummary:
    with db.read() as s:

        def count(name: str, *where: Any) -> int:
            table = metadata.tables[name]
            query = select(func.count()).select_from(table)
            return int(s.execute(query.where(*where) if where else query).scalar_one())

        status = metadata.tables["inspection"].c.status
        return DemoSummary(
            today=today,
            companies=count("company"),
            permits=count("permit"),
            inspections=count("inspection"),
            open_inspections=count("inspection", status.in_(("REQUESTED", "SCHEDULED"))),
            reviews=count("review"),
            fees=count("fee"),
            attachments=count("attachment"),
            full_slot=full,
        )

"""The row makers the demo city and the bulk generator share: companies, parcels, staff.

Each returns a plain ``dict`` of column values (ids and numbers handed in), so the demo
writes its rows through the ORM and ``demo-data`` writes the same rows in batches.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from etrakit_tui.democity.citygen import Row, person, phone
from etrakit_tui.domain.permits import catalog

OFFICE_STREETS = ("MAIN ST", "COMMERCE WAY", "INDUSTRIAL AVE", "BUSINESS PARK DR",
                  "JEFFERSON AVE", "ENTERPRISE CIR", "CENTER ST", "ELM ST")  # fmt: skip
NAME_NOISE = {"INC", "LLC", "CO", "CORP", "GROUP", "&", "SONS", "OF"}


def _owner(rng: random.Random, commercial: bool) -> str:
    """Who owns a parcel: a person, a couple, a family trust, or a company."""
    last = rng.choice(catalog.LAST_NAMES)
    if commercial:
        kind = rng.choice(("PROPERTIES LLC", "PLAZA LP", "HOLDINGS LLC"))
        return f"{rng.choice(catalog.COMPANY_PREFIXES)} {kind}"
    first, second = rng.choice(catalog.FIRST_NAMES), rng.choice(catalog.FIRST_NAMES)
    return rng.choice((person(rng), f"{last} FAMILY TRUST", f"{first} & {second} {last}"))


# --------------------------------------------------------------------------- row makers


def company_row(rng: random.Random, name: str, license_no: str, now: datetime, **fixed: Any) -> Row:
    """A company with plausible contact data; ``fixed`` overrides any column."""
    city, zip_code = rng.choice(catalog.CITIES)
    street = rng.choice(catalog.HEMET_STREETS if city == "HEMET" else OFFICE_STREETS)
    domain = "".join(w for w in name.split() if w not in NAME_NOISE).lower()
    domain = "".join(ch for ch in domain if ch.isalnum())[:30] or "contractor"
    row: Row = {
        "name": name, "license_no": license_no, "address": f"{rng.randint(100, 42999)} {street}",
        "city": city, "state": "CA", "zip": zip_code,
        "email": f"{rng.choice(('office', 'permits', 'info', 'admin'))}@{domain}.com",
        "phone": phone(rng), "cell": phone(rng) if rng.random() < 0.6 else "",
        "fax": phone(rng) if rng.random() < 0.2 else "",
        "notify_failed_inspection": rng.random() < 0.35, "password_hash": None, "pin_hash": None,
        "pin_expires_at": None, "failed_logins": 0, "locked_until": None, "disabled": False,
        "created_at": now - timedelta(days=rng.randint(30, 3000)), "last_login_at": None,
    }  # fmt: skip
    row.update(fixed)
    return row


def parcel_row(
    rng: random.Random,
    apn: str,
    districts: tuple[str, ...],
    district: str | None = None,
    **fixed: Any,
) -> Row:
    """A Hemet parcel (in ``district`` if given); its district follows its street;
    ``fixed`` overrides any column."""
    streets: Sequence[int] = range(len(catalog.HEMET_STREETS))
    if district is not None:
        streets = [i for i in streets if districts[i % len(districts)] == district] or streets
    index = rng.choice(streets)
    commercial = rng.random() < 0.15
    zones = ("C-1", "C-2", "O-P", "M-1") if commercial else catalog.RESIDENTIAL_ZONING
    row: Row = {
        "apn": apn, "address": f"{rng.randint(100, 4999)} {catalog.HEMET_STREETS[index]}",
        "city": "HEMET", "zip": rng.choice(catalog.HEMET_ZIPS), "zoning": rng.choice(zones),
        "lot": str(rng.randint(1, 140)), "tract": f"TR {rng.randint(2000, 36999)}",
        "owner_name": _owner(rng, commercial), "district": districts[index % len(districts)],
    }  # fmt: skip
    row.update(fixed)
    return row


def staff_row(
    username: str, full_name: str, role: str, password_hash: str, now: datetime, **fixed: Any
) -> Row:
    """A building-division account (staff or inspector); ``fixed`` overrides any column."""
    row: Row = {
        "username": username, "full_name": full_name, "role": role,
        "email": f"{username.replace('.', '')}@cityofhemet.org", "phone": "(951) 765-2475",
        "district": None, "password_hash": password_hash, "failed_logins": 0,
        "locked_until": None, "disabled": False, "created_at": now - timedelta(days=400),
        "last_login_at": None,
    }  # fmt: skip
    row.update(fixed)
    return row


def new_apn(rng: random.Random, taken: set[str]) -> str:
    """A Hemet APN not in ``taken`` (which it joins)."""
    while True:
        candidate = catalog.apn(
            rng.choice(catalog.APN_BOOKS), rng.randint(1, 999), rng.randint(1, 99)
        )
        if candidate not in taken:
            taken.add(candidate)
            return candidate

"""The guide's own records in the demo city: plan check ``A1806-065`` and permit
``B1906-174`` (see :mod:`etrakit_tui.democity.demo` for why each looks as it does), and the
demo's attachment files (``data/demo/``: two small JPEG site photos, a correction notice
and plan-check comments).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from importlib.resources import files

from etrakit_tui.democity.citybuilder import CityBuilder
from etrakit_tui.democity.citygen import CompanyRef, on_or_before
from etrakit_tui.democity.rows import new_apn, parcel_row
from etrakit_tui.domain.inspections.calendar import next_business_day
from etrakit_tui.domain.permits import catalog
from etrakit_tui.domain.store.models import InspectionStatus, PermitStatus

I = InspectionStatus  # noqa: E741 - short alias
GUIDE_NUMBERS = ("A1806-065", "B1906-174")
APPLIED = date(2018, 6, 27)

# (cycle, discipline, status, submitted, completed, notes); None: relative to today
PLAN_CHECK_REVIEWS = (
    (1, "BUILDING", "CORRECTIONS REQUIRED", APPLIED, date(2018, 7, 18),
     "Provide the accessible route from the public way on sheet A1.1."),
    (1, "ACCESSIBILITY", "CORRECTIONS REQUIRED", APPLIED, date(2018, 7, 19),
     "Show door maneuvering clearances (CBC 11B-404.2.4). Detail the stall signage."),
    (1, "PLANNING", "APPROVED", APPLIED, date(2018, 7, 10), "Approved."),
    (2, "BUILDING", "APPROVED", date(2018, 8, 20), date(2018, 9, 5), "Approved as noted."),
    (2, "ACCESSIBILITY", "CORRECTIONS REQUIRED", date(2018, 8, 20), date(2018, 9, 7),
     "Ramp slope exceeds 1:12 at the east run; provide a landing at the top."),
    (3, "ACCESSIBILITY", "APPROVED", None, None, "Approved. CASp report required before final."),
)  # fmt: skip

# (inspection index, days ago, period, result, inspector's comments)
PLAN_CHECK_INSPECTIONS = (
    (0, 47, "AM", I.CORRECTION, "Correction notice left on site: handrails both sides of ramp."),
    (0, 40, "AM", I.PASSED, "Ramp, handrails and landings OK."),
    (1, 21, "PM", I.PASSED, "Van-accessible stall, signage and striping OK."),
)


def demo_file(name: str) -> bytes:
    """The bytes of one of the demo's attachment files."""
    return files("etrakit_tui.democity").joinpath("data", name).read_bytes()


def attach(builder: CityBuilder, permit_id: int, name: str, uploaded: datetime) -> None:
    """Attach a demo file (JPEG image or text) to a permit."""
    data = demo_file(name)
    builder.writer.add(
        "attachment",
        {
            "permit_id": permit_id,
            "filename": name,
            "content_type": "image/jpeg" if name.upper().endswith(".JPG") else "text/plain",
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "data": data,
            "uploaded_at": uploaded,
        },
    )


def _permit_row(
    number: str, permit_type: str, status: str, parcel_id: int, **dates: object
) -> dict[str, object]:
    row: dict[str, object] = {
        "number": number, "permit_type": permit_type, "subtype": "", "description": "",
        "status": status, "parcel_id": parcel_id, "finaled_on": None, "on_hold": False,
        "notes": "",
    }  # fmt: skip
    row.update(dates)
    return row


def write_guide_records(builder: CityBuilder, city: CompanyRef, apns: set[str]) -> None:
    """A1806-065 at City Hall (first district) and B1906-174 at 3800 THORNTON AVE."""
    j, rng, today = builder.j, builder.rng, builder.today
    expiry = timedelta(days=j.expiry_days)
    north = j.districts[0]
    hall = builder.parcel(parcel_row(
        rng, new_apn(rng, apns), j.districts, north, address="445 E FLORIDA AVE", zip="92543",
        zoning="C-2", lot="", tract="", owner_name="CITY OF HEMET",
    ))  # fmt: skip

    def day(days_ago: int) -> date:
        return on_or_before(j, today - timedelta(days=days_ago))

    approved, issued = today - timedelta(days=72), today - timedelta(days=63)
    last_pass = day(
        min(ago for _, ago, _, result, _ in PLAN_CHECK_INSPECTIONS if result == I.PASSED)
    )
    a_id = builder.writer.add("permit", _permit_row(
        "A1806-065", "ACCESSIBILITY", PermitStatus.ACTIVE, hall.id, applied_on=APPLIED,
        approved_on=approved, issued_on=issued, expires_on=last_pass + expiry,
        created_at=builder.at(APPLIED, 9, 12),
    ))  # fmt: skip
    builder.contact(a_id, "CONTRACTOR", city.name, city.id, city.phone, city.email)
    for index, ago, period, result, comments in PLAN_CHECK_INSPECTIONS:
        builder.inspection(a_id, "ACCESSIBILITY", index, day(ago), period, result, hall, city,
                           comments=comments)  # fmt: skip
    final = len(catalog.INSPECTION_TYPES["ACCESSIBILITY"]) - 1
    upcoming = (next_business_day(j, today), "AM")
    builder.open_inspection(a_id, "ACCESSIBILITY", final, hall, city, upcoming, I.SCHEDULED)
    for cycle, discipline, status, submitted, completed, notes in PLAN_CHECK_REVIEWS:
        submitted = submitted or today - timedelta(days=100)
        builder.review(a_id, cycle, discipline, status, submitted, completed or approved, notes)
    builder.payment(a_id, builder.fee(a_id, "PLANCHK", APPLIED, 48_600), APPLIED)
    fees = catalog.PERMIT_FEES["ACCESSIBILITY"]
    builder.payment(a_id, sum(builder.fee(a_id, code, approved) for code in fees), issued)
    condition = catalog.CONDITIONS_FOR["ACCESSIBILITY"][0]
    builder.writer.add("condition", {
        "permit_id": a_id, "name": condition.name, "description": condition.description,
        "status": "OPEN", "created_on": approved,
    })  # fmt: skip
    for name in ("IMG_5427.JPG", "IMG5427.JPG"):
        attach(builder, a_id, name, builder.at(day(40), 10, 41))

    thornton = builder.parcel(parcel_row(
        rng, new_apn(rng, apns), j.districts, address="3800 THORNTON AVE", zoning="O-P",
        owner_name="CITY OF HEMET",
    ))  # fmt: skip
    b_issued = date(2019, 6, 25)
    b_id = builder.writer.add("permit", _permit_row(
        "B1906-174", "ELECTRICAL", PermitStatus.EXPIRED, thornton.id,
        subtype="SERVICE UPGRADE", description="UPGRADE MAIN SERVICE PANEL TO 200A AT PUMP STATION",
        notes="EXPIRATION NOTICE MAILED TO OWNER AND CONTRACTOR", applied_on=date(2019, 6, 18),
        approved_on=b_issued, issued_on=b_issued, expires_on=b_issued + expiry,
        created_at=builder.at(date(2019, 6, 18), 10, 5),
    ))  # fmt: skip
    builder.contact(b_id, "CONTRACTOR", city.name, city.id, city.phone, city.email)
    builder.contact(b_id, "OWNER", "CITY OF HEMET")
    builder.inspection(b_id, "ELECTRICAL", 0, date(2019, 8, 14), "AM", I.NOT_READY, thornton,
                       city, comments="Not ready. Trench not open.")  # fmt: skip
    fees = catalog.PERMIT_FEES["ELECTRICAL"]
    builder.payment(b_id, sum(builder.fee(b_id, code, b_issued) for code in fees), b_issued)

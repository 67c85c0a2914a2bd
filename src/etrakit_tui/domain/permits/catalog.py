"""The city's reference data, in one place.

Permit types and their number letters, subtypes, the inspections of each permit type (in
order, with prerequisites), plan-review disciplines, the fee schedule, condition templates,
zoning codes and Hemet's streets. :func:`ensure_catalog` writes the inspection types and
their prerequisites to the database (idempotently); :func:`permit_number` and
:func:`parse_permit_number` are the one definition of the permit-number format.

Permit numbers (SPEC §4): a letter, two-digit year, two-digit month, ``-``, three-digit
sequence: ``B1906-174``. The letter scheme:

* ``A`` — a plan check, whatever the permit type ("A marks a plan check");
* ``B`` — a building-division permit: building and the trades (electrical, plumbing,
  mechanical, roofing, solar, pool, accessibility);
* ``D`` demolition, ``G`` grading, ``F`` fire, ``S`` sign.

The sequence restarts every month for every letter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists
from sqlmodel import Session, col, select

from etrakit_tui.domain.store.models import InspectionPrerequisite, InspectionType, Permit

# --------------------------------------------------------------------------- permit types


def _bar(text: str) -> tuple[str, ...]:
    """``"A|B C|D"`` -> ``("A", "B C", "D")``: keeps long lists of names compact."""
    return tuple(part.strip() for part in text.split("|") if part.strip())


PLAN_CHECK_LETTER = "A"

PERMIT_LETTERS: dict[str, str] = {
    "BUILDING": "B",
    "ELECTRICAL": "B",
    "PLUMBING": "B",
    "MECHANICAL": "B",
    "ROOFING": "B",
    "SOLAR": "B",
    "POOL": "B",
    "ACCESSIBILITY": "B",
    "DEMOLITION": "D",
    "GRADING": "G",
    "FIRE": "F",
    "SIGN": "S",
}
"""The number letter of each permit type (plan checks use :data:`PLAN_CHECK_LETTER`)."""

PERMIT_TYPES: tuple[str, ...] = tuple(PERMIT_LETTERS)

PLAN_CHECK_TYPES: tuple[str, ...] = _bar("BUILDING|ACCESSIBILITY|POOL|SOLAR|GRADING|FIRE|SIGN")
"""Permit types whose plans are checked before a permit is issued (numbered ``A...``)."""

SUBTYPES: dict[str, tuple[str, ...]] = {
    "BUILDING": _bar(
        "SFD - NEW|RESIDENTIAL ADDITION|RESIDENTIAL REMODEL|ADU|COMMERCIAL TI|PATIO COVER"
        "|BLOCK WALL"
    ),
    "ELECTRICAL": _bar("SERVICE UPGRADE|EV CHARGER|SUBPANEL|TEMPORARY POWER"),
    "PLUMBING": _bar("WATER HEATER|REPIPE|SEWER LATERAL|GAS LINE"),
    "MECHANICAL": _bar("HVAC CHANGE-OUT|NEW HVAC SYSTEM|DUCT REPLACEMENT"),
    "ROOFING": _bar("RE-ROOF - SHINGLE|RE-ROOF - TILE|RE-ROOF - LOW SLOPE"),
    "SOLAR": _bar("RESIDENTIAL PV|PV + BATTERY|COMMERCIAL PV"),
    "POOL": _bar("IN-GROUND POOL/SPA|SPA ONLY"),
    "ACCESSIBILITY": _bar("PATH OF TRAVEL|PARKING LOT RESTRIPING|RESTROOM UPGRADE"),
    "DEMOLITION": _bar("RESIDENTIAL|COMMERCIAL|POOL DEMO"),
    "GRADING": _bar("PRECISE GRADING|ROUGH GRADING"),
    "FIRE": _bar("FIRE SPRINKLER - NFPA 13D|FIRE ALARM|UNDERGROUND FIRE SERVICE"),
    "SIGN": _bar("WALL SIGN|MONUMENT SIGN"),
}
"""Subtypes of each permit type; :data:`DESCRIPTIONS` has one template per subtype."""

DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "BUILDING": _bar(
        "NEW {n} SQ FT SINGLE FAMILY DWELLING WITH ATTACHED GARAGE"
        "|{n} SQ FT ADDITION TO REAR OF EXISTING DWELLING"
        "|KITCHEN AND BATH REMODEL, NO STRUCTURAL CHANGES"
        "|CONVERT ATTACHED GARAGE TO {n} SQ FT ADU"
        "|TENANT IMPROVEMENT, {n} SQ FT RETAIL SUITE"
        "|ALUMINUM PATIO COVER {n} SQ FT, ATTACHED"
        "|6 FT BLOCK WALL, {n} LINEAR FT"
    ),
    "ELECTRICAL": _bar(
        "UPGRADE MAIN SERVICE PANEL TO 200A|INSTALL LEVEL 2 EV CHARGER IN GARAGE, 50A CIRCUIT"
        "|ADD 100A SUBPANEL IN DETACHED SHOP|TEMPORARY POWER POLE FOR CONSTRUCTION"
    ),
    "PLUMBING": _bar(
        "REPLACE 50 GAL WATER HEATER, SAME LOCATION|WHOLE-HOUSE REPIPE WITH PEX, {n} FIXTURES"
        "|REPLACE SEWER LATERAL TO PROPERTY LINE|NEW GAS LINE TO BBQ AND FIRE PIT"
    ),
    "MECHANICAL": _bar(
        "CHANGE OUT {n} TON A/C CONDENSER AND GAS FURNACE"
        "|NEW {n} TON HEAT PUMP SYSTEM WITH DUCTWORK|REPLACE DUCTWORK IN ATTIC, R-8 INSULATED"
    ),
    "ROOFING": _bar(
        "TEAR OFF AND RE-ROOF {n} SQUARES, CLASS A COMP SHINGLE"
        "|REMOVE AND REPLACE CONCRETE TILE, {n} SQUARES|LOW-SLOPE CAP SHEET OVER {n} SQUARES"
    ),
    "SOLAR": _bar(
        "ROOF-MOUNTED PV SYSTEM, {n} MODULES WITH MICROINVERTERS"
        "|ROOF-MOUNTED PV, {n} MODULES, WITH 13.5 KWH BATTERY"
        "|CARPORT-MOUNTED PV SYSTEM, {n} MODULES"
    ),
    "POOL": _bar("NEW IN-GROUND GUNITE POOL AND SPA, {n} SQ FT|NEW IN-GROUND SPA WITH GAS HEATER"),
    "ACCESSIBILITY": _bar(
        "ACCESSIBLE PATH OF TRAVEL UPGRADES PER CBC 11B-202.4"
        "|RESTRIPE PARKING LOT, {n} STALLS INCLUDING ACCESSIBLE STALLS"
        "|ACCESSIBLE RESTROOM UPGRADE, 2 RESTROOMS"
    ),
    "DEMOLITION": _bar(
        "DEMOLISH {n} SQ FT SINGLE FAMILY DWELLING|DEMOLISH {n} SQ FT COMMERCIAL BUILDING"
        "|REMOVE AND BACKFILL EXISTING POOL"
    ),
    "GRADING": _bar(
        "PRECISE GRADING FOR NEW DWELLING, {n} CU YD|ROUGH GRADING, {n} CU YD CUT/FILL"
    ),
    "FIRE": _bar(
        "NFPA 13D FIRE SPRINKLER SYSTEM, {n} HEADS|FIRE ALARM SYSTEM, {n} DEVICES"
        "|UNDERGROUND FIRE SERVICE AND DOUBLE CHECK ASSEMBLY"
    ),
    "SIGN": _bar("ILLUMINATED WALL SIGN, {n} SQ FT|MONUMENT SIGN, {n} SQ FT PER FACE"),
}
"""Description templates per permit type and subtype (``{n}``: see :data:`SIZE_RANGES`)."""

# fmt: off
SIZE_RANGES: dict[str, tuple[int, int]] = {
    "BUILDING": (120, 3200), "ELECTRICAL": (1, 1), "PLUMBING": (8, 24), "MECHANICAL": (2, 5),
    "ROOFING": (12, 48), "SOLAR": (8, 42), "POOL": (300, 800), "ACCESSIBILITY": (12, 140),
    "DEMOLITION": (600, 4800), "GRADING": (50, 4000), "FIRE": (12, 180), "SIGN": (12, 96),
}
# fmt: on
"""Plausible values of ``{n}`` in :data:`DESCRIPTIONS`."""

# --------------------------------------------------------------------------- inspections


@dataclass(frozen=True, slots=True)
class InspectionTypeSpec:
    """One inspection of a permit type; ``requires`` names the codes that must pass first."""

    code: str
    name: str
    requires: tuple[str, ...] = ()
    is_final: bool = False


def _final(*requires: str) -> InspectionTypeSpec:
    return InspectionTypeSpec("FINAL", "FINAL", requires, is_final=True)


def _spec(code: str, name: str, *requires: str) -> InspectionTypeSpec:
    return InspectionTypeSpec(code, name, requires)


INSPECTION_TYPES: dict[str, tuple[InspectionTypeSpec, ...]] = {
    "BUILDING": (
        _spec("FOUNDATION", "FOUNDATION"),
        _spec("FRAME", "FRAME", "FOUNDATION"),
        _spec("INSULATION", "INSULATION", "FRAME"),
        _spec("DRYWALL", "DRYWALL", "INSULATION"),
        _final("DRYWALL"),
    ),
    "ELECTRICAL": (
        _spec("UNDERGROUND", "UNDERGROUND"),
        _spec("ROUGH_ELECTRICAL", "ROUGH ELECTRICAL"),
        _spec("SERVICE_RELEASE", "SERVICE RELEASE", "ROUGH_ELECTRICAL"),
        _final("UNDERGROUND", "ROUGH_ELECTRICAL"),
    ),
    "PLUMBING": (
        _spec("UNDERGROUND_PLUMBING", "UNDERGROUND PLUMBING"),
        _spec("ROUGH_PLUMBING", "ROUGH PLUMBING"),
        _spec("GAS_TEST", "GAS TEST", "ROUGH_PLUMBING"),
        _final("UNDERGROUND_PLUMBING", "ROUGH_PLUMBING"),
    ),
    "MECHANICAL": (
        _spec("ROUGH_MECHANICAL", "ROUGH MECHANICAL"),
        _spec("DUCT_TEST", "DUCT LEAKAGE TEST", "ROUGH_MECHANICAL"),
        _final("ROUGH_MECHANICAL"),
    ),
    "ROOFING": (
        _spec("SHEATHING", "SHEATHING / TEAR-OFF"),
        _spec("IN_PROGRESS", "IN-PROGRESS", "SHEATHING"),
        _final("IN_PROGRESS"),
    ),
    "SOLAR": (
        _spec("ATTACHMENT", "RACKING / ATTACHMENT"),
        _spec("ROUGH_ELECTRICAL", "ROUGH ELECTRICAL"),
        _final("ATTACHMENT", "ROUGH_ELECTRICAL"),
    ),
    "POOL": (
        _spec("PRE_GUNITE", "PRE-GUNITE (STEEL/BONDING)"),
        _spec("PRE_DECK", "PRE-DECK", "PRE_GUNITE"),
        _spec("BARRIER", "POOL BARRIER / FENCE"),
        _final("PRE_DECK", "BARRIER"),
    ),
    "ACCESSIBILITY": (
        _spec("PATH_OF_TRAVEL", "PATH OF TRAVEL"),
        _spec("PARKING", "PARKING AND STRIPING"),
        _spec("RESTROOM", "RESTROOM"),
        _final("PATH_OF_TRAVEL", "PARKING"),
    ),
    "DEMOLITION": (
        _spec("UTILITY_DISCONNECT", "UTILITY DISCONNECT"),
        _final("UTILITY_DISCONNECT"),
    ),
    "GRADING": (
        _spec("PRE_GRADE", "PRE-GRADE MEETING"),
        _spec("ROUGH_GRADE", "ROUGH GRADE", "PRE_GRADE"),
        _final("ROUGH_GRADE"),
    ),
    "FIRE": (
        _spec("UNDERGROUND_FIRE", "UNDERGROUND FIRE LINE"),
        _spec("HYDRO", "OVERHEAD HYDROSTATIC TEST"),
        _spec("ALARM", "FIRE ALARM ACCEPTANCE"),
        _final("HYDRO"),
    ),
    "SIGN": (
        _spec("FOOTING", "FOOTING"),
        _spec("SIGN_ELECTRICAL", "SIGN ELECTRICAL"),
        _final("SIGN_ELECTRICAL"),
    ),
}
"""Each permit type's inspections in the order they are normally done; the last is FINAL."""


def ensure_catalog(session: Session) -> dict[tuple[str, str], int]:
    """Insert the missing inspection types and prerequisites; return ``(permit_type, code)
    -> inspection_type.id`` for the whole catalog. Running it again changes nothing."""
    existing = {(t.permit_type, t.code): t for t in session.exec(select(InspectionType)).all()}
    for permit_type, specs in INSPECTION_TYPES.items():
        for order, spec in enumerate(specs, start=1):
            if (permit_type, spec.code) not in existing:
                row = InspectionType(
                    permit_type=permit_type,
                    code=spec.code,
                    name=spec.name,
                    sort_order=order * 10,
                    is_final=spec.is_final,
                )
                session.add(row)
                existing[(permit_type, spec.code)] = row
    session.flush()
    ids: dict[tuple[str, str], int] = {}
    for key, row in existing.items():
        assert row.id is not None
        ids[key] = row.id
    pairs = {
        (p.inspection_type_id, p.requires_id)
        for p in session.exec(select(InspectionPrerequisite)).all()
    }
    for permit_type, specs in INSPECTION_TYPES.items():
        for spec in specs:
            for needed in spec.requires:
                pair = (ids[(permit_type, spec.code)], ids[(permit_type, needed)])
                if pair not in pairs:
                    session.add(
                        InspectionPrerequisite(inspection_type_id=pair[0], requires_id=pair[1])
                    )
                    pairs.add(pair)
    session.flush()
    return ids


# --------------------------------------------------------------------------- numbers

_NUMBER = re.compile(r"^([A-Z])(\d{2})(0[1-9]|1[0-2])-(\d{3})$")


@dataclass(frozen=True, slots=True)
class PermitNumber:
    """A parsed permit number: ``B1906-174`` is letter B, year 19, month 6, sequence 174."""

    letter: str
    year: int
    month: int
    seq: int

    @property
    def is_plan_check(self) -> bool:
        return self.letter == PLAN_CHECK_LETTER

    def __str__(self) -> str:
        return permit_number(self.letter, self.year, self.month, self.seq)


def permit_number(letter: str, year: int, month: int, seq: int) -> str:
    """Format a permit number; ``year`` may be four digits (2019) or two (19)."""
    if len(letter) != 1 or not ("A" <= letter <= "Z"):
        raise ValueError(f"permit letter must be one capital letter, not {letter!r}")
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1-12, not {month}")
    if not 1 <= seq <= 999:
        raise ValueError(f"sequence must be 1-999, not {seq}")
    if year < 0:
        raise ValueError(f"year must not be negative, not {year}")
    return f"{letter}{year % 100:02d}{month:02d}-{seq:03d}"


def parse_permit_number(text: str) -> PermitNumber:
    """Parse ``B1906-174`` (surrounding blanks and lower case accepted); ValueError if not
    a permit number."""
    match = _NUMBER.match(text.strip().upper())
    if match is None:
        raise ValueError(f"not a permit number: {text!r} (expected e.g. B1906-174)")
    letter, year, month, seq = match.groups()
    if seq == "000":
        raise ValueError(f"not a permit number: {text!r} (sequence starts at 001)")
    return PermitNumber(letter, int(year), int(month), int(seq))


def is_permit_number(text: str) -> bool:
    """Whether ``text`` is a well-formed permit number."""
    try:
        parse_permit_number(text)
    except ValueError:
        return False
    return True


def letter_for(permit_type: str, *, plan_check: bool = False) -> str:
    """The number letter for a new permit (or plan check) of ``permit_type``."""
    return PLAN_CHECK_LETTER if plan_check else PERMIT_LETTERS.get(permit_type, "B")


# --------------------------------------------------------------------------- reviews

REVIEW_TYPES: tuple[str, ...] = (
    "BUILDING",
    "PLANNING",
    "FIRE",
    "ENGINEERING",
    "ACCESSIBILITY",
    "LANDSCAPE",
)

REVIEWS_FOR: dict[str, tuple[str, ...]] = {
    "BUILDING": ("BUILDING", "PLANNING", "FIRE", "ENGINEERING"),
    "ACCESSIBILITY": ("BUILDING", "ACCESSIBILITY", "PLANNING"),
    "POOL": ("BUILDING", "PLANNING"),
    "SOLAR": ("BUILDING", "FIRE"),
    "GRADING": ("ENGINEERING", "PLANNING", "LANDSCAPE"),
    "FIRE": ("FIRE", "BUILDING"),
    "SIGN": ("PLANNING", "BUILDING"),
    "DEMOLITION": ("BUILDING",),
}
"""The plan-review disciplines for each permit type that goes through plan review."""

REVIEWERS: dict[str, tuple[str, ...]] = {
    "BUILDING": ("M. OKAFOR", "D. CHEN"),
    "PLANNING": ("L. MARTINEZ", "K. SULLIVAN"),
    "FIRE": ("CAPT. R. IBARRA",),
    "ENGINEERING": ("S. PATEL, PE",),
    "ACCESSIBILITY": ("J. HOLLOWAY, CASp",),
    "LANDSCAPE": ("T. NAKAMURA",),
}

REVIEW_NOTES: dict[str, tuple[str, ...]] = {
    "BUILDING": (
        "Provide structural calculations for the beam over the garage opening.",
        "Show smoke and CO alarm locations on the floor plan.",
        "Provide Title 24 energy compliance forms signed by the designer.",
    ),
    "PLANNING": (
        "Setbacks comply with the zone. Show the trash enclosure screening.",
        "Provide a landscape plan for the parkway.",
    ),
    "FIRE": (
        "Show fire department access road and Knox box location.",
        "Provide hydrant flow test dated within 12 months.",
    ),
    "ENGINEERING": (
        "Provide a drainage plan; lot must drain to the street.",
        "Show the water quality BMPs per the WQMP.",
    ),
    "ACCESSIBILITY": (
        "Dimension the accessible route from the public way (CBC 11B-206.2.1).",
        "Show door maneuvering clearances on both sides (CBC 11B-404.2.4).",
        "Provide accessible stall signage detail (CBC 11B-502.6).",
    ),
    "LANDSCAPE": ("Provide MWELO water budget calculations.",),
}

# --------------------------------------------------------------------------- fees


@dataclass(frozen=True, slots=True)
class FeeSpec:
    """A line of the fee schedule; amounts vary with valuation between ``low`` and ``high``."""

    code: str
    description: str
    low_cents: int
    high_cents: int


FEE_SCHEDULE: dict[str, FeeSpec] = {
    f.code: f
    for f in (
        FeeSpec("BLDG", "Building permit fee", 18_000, 320_000),
        FeeSpec("PLANCHK", "Plan check fee", 12_000, 210_000),
        FeeSpec("ELEC", "Electrical permit fee", 9_500, 38_000),
        FeeSpec("PLMB", "Plumbing permit fee", 8_500, 32_000),
        FeeSpec("MECH", "Mechanical permit fee", 8_500, 29_000),
        FeeSpec("ROOF", "Re-roof permit fee", 21_000, 68_000),
        FeeSpec("SOLAR", "Solar PV permit fee", 45_000, 45_000),
        FeeSpec("POOL", "Pool/spa permit fee", 62_000, 125_000),
        FeeSpec("ACCESS", "Accessibility permit fee", 24_000, 88_000),
        FeeSpec("DEMO", "Demolition permit fee", 19_000, 56_000),
        FeeSpec("GRADE", "Grading permit fee", 85_000, 410_000),
        FeeSpec("FIRE", "Fire protection permit fee", 38_000, 190_000),
        FeeSpec("SIGN", "Sign permit fee", 15_500, 42_000),
        FeeSpec("ISSUE", "Permit issuance fee", 5_500, 5_500),
        FeeSpec("TECH", "Technology fee", 2_500, 2_500),
        FeeSpec("SMIP", "Strong motion (SMIP) fee", 50, 3_900),
        FeeSpec("SB1473", "CA Building Standards (SB 1473) fee", 100, 1_200),
        FeeSpec("CASP", "CASp fee (SB 1186)", 400, 400),
        FeeSpec("REINSP", "Re-inspection fee", 11_600, 11_600),
    )
}

PERMIT_FEES: dict[str, tuple[str, ...]] = {
    "BUILDING": ("BLDG", "ISSUE", "SMIP", "SB1473", "TECH"),
    "ELECTRICAL": ("ELEC", "ISSUE", "TECH"),
    "PLUMBING": ("PLMB", "ISSUE", "TECH"),
    "MECHANICAL": ("MECH", "ISSUE", "TECH"),
    "ROOFING": ("ROOF", "ISSUE", "SB1473", "TECH"),
    "SOLAR": ("SOLAR", "ISSUE", "TECH"),
    "POOL": ("POOL", "ISSUE", "SMIP", "SB1473", "TECH"),
    "ACCESSIBILITY": ("ACCESS", "ISSUE", "CASP", "TECH"),
    "DEMOLITION": ("DEMO", "ISSUE", "TECH"),
    "GRADING": ("GRADE", "ISSUE", "TECH"),
    "FIRE": ("FIRE", "ISSUE", "TECH"),
    "SIGN": ("SIGN", "ISSUE", "CASP", "TECH"),
}
"""The fees assessed on each permit type; plan checks are assessed ``PLANCHK``."""

# --------------------------------------------------------------------------- conditions


@dataclass(frozen=True, slots=True)
class ConditionTemplate:
    name: str
    description: str


CONDITIONS_ANY: tuple[ConditionTemplate, ...] = (
    ConditionTemplate(
        "HOURS OF CONSTRUCTION",
        "Construction is limited to 7:00am-6:00pm Monday-Saturday; none on Sundays or "
        "federal holidays.",
    ),
    ConditionTemplate("JOB CARD ON SITE", "Keep the approved plans and job card on site."),
    ConditionTemplate("DUST CONTROL", "Control dust at all times per SCAQMD Rule 403."),
)

CONDITIONS_FOR: dict[str, tuple[ConditionTemplate, ...]] = {
    "BUILDING": (
        ConditionTemplate("SPECIAL INSPECTION", "Special inspection required for epoxy anchors."),
        ConditionTemplate("SMOKE/CO ALARMS", "Install smoke and CO alarms before final."),
    ),
    "SOLAR": (
        ConditionTemplate("FIRE SETBACKS", "Maintain 36 in. fire access pathways at ridge."),
    ),
    "POOL": (
        ConditionTemplate("POOL BARRIER", "Pool barrier and alarms required before filling."),
    ),
    "ROOFING": (
        ConditionTemplate("COOL ROOF", "Roofing must meet Title 24 cool-roof requirements."),
    ),
    "GRADING": (
        ConditionTemplate("EROSION CONTROL", "Install erosion control BMPs Oct 1 - Apr 30."),
    ),
    "ACCESSIBILITY": (
        ConditionTemplate("CASP REPORT", "Provide CASp inspection report before final."),
    ),
    "DEMOLITION": (
        ConditionTemplate("AQMD NOTIFICATION", "Provide SCAQMD asbestos notification."),
    ),
}

# --------------------------------------------------------------------------- places

ZONING_CODES: dict[str, str] = {
    "R-1-6": "Single family residential, 6,000 sq ft lots",
    "R-1-7.2": "Single family residential, 7,200 sq ft lots",
    "R-A": "Residential agricultural",
    "R-2": "Multiple family residential, low density",
    "R-3": "Multiple family residential",
    "C-1": "Neighborhood commercial",
    "C-2": "General commercial",
    "O-P": "Office professional",
    "M-1": "Light manufacturing",
    "SP": "Specific plan",
}

RESIDENTIAL_ZONING: tuple[str, ...] = ("R-1-6", "R-1-7.2", "R-A", "R-2", "R-3")

# fmt: off

HEMET_STREETS: tuple[str, ...] = (
    "E FLORIDA AVE", "W FLORIDA AVE", "E STETSON AVE", "W STETSON AVE", "E DEVONSHIRE AVE",
    "W DEVONSHIRE AVE", "E MENLO AVE", "W MENLO AVE", "E ACACIA AVE", "W ACACIA AVE",
    "E OAKLAND AVE", "W OAKLAND AVE", "E JOHNSTON AVE", "THORNTON AVE", "E MAYBERRY AVE",
    "W MAYBERRY AVE", "E LATHAM AVE", "W LATHAM AVE", "E ESPLANADE AVE", "W ESPLANADE AVE",
    "DOMENIGONI PKWY", "N SANDERSON AVE", "S SANDERSON AVE", "N STATE ST", "S STATE ST",
    "N PALM AVE", "S PALM AVE", "N HARVARD ST", "S HARVARD ST", "N GILBERT ST",
    "S GILBERT ST", "N SANTA FE ST", "S SANTA FE ST", "N BUENA VISTA ST", "S BUENA VISTA ST",
    "N CARMALITA ST", "S CARMALITA ST", "N SAN JACINTO ST", "S SAN JACINTO ST", "N LYON AVE",
    "S LYON AVE", "N CAWSTON AVE", "S CAWSTON AVE", "WARREN RD", "N KIRBY ST", "S KIRBY ST",
    "N SOBOBA ST", "N GIRARD ST", "S GIRARD ST", "N ELK ST", "S JUANITA ST", "N FRUITVALE AVE",
    "N ALESSANDRO ST", "COLUMBIA ST", "MEADOWLARK LN", "CHAMBERS AVE", "GIBBEL RD",
    "WHITTIER AVE", "EL CERRITO DR", "MOUNTAIN VIEW DR",
)
# fmt: on
"""Streets of Hemet, CA (used for demo and bulk addresses)."""

HEMET_ZIPS: tuple[str, ...] = ("92543", "92544", "92545")

APN_BOOKS: tuple[int, ...] = tuple(range(439, 467))
"""Riverside County assessor book numbers that cover Hemet (APN ``448-123-017``)."""

_APN = re.compile(r"^\d{3}-\d{3}-\d{3}$")


def apn(book: int, page: int, parcel: int) -> str:
    """Format an assessor's parcel number: ``448-123-017``."""
    return f"{book:03d}-{page:03d}-{parcel:03d}"


def is_apn(text: str) -> bool:
    """Whether ``text`` is a well-formed APN."""
    return _APN.match(text.strip()) is not None


# --------------------------------------------------------------------------- people

# fmt: off

FIRST_NAMES: tuple[str, ...] = (
    "JAMES", "MARIA", "ROBERT", "LINDA", "MICHAEL", "PATRICIA", "DAVID", "JENNIFER", "JOSE",
    "ELIZABETH", "DANIEL", "SUSAN", "CARLOS", "KAREN", "MARK", "NANCY", "STEVEN", "LISA",
    "PAUL", "BETTY", "KEVIN", "SANDRA", "BRIAN", "ASHLEY", "LUIS", "DOROTHY", "ERIC", "ANGELA",
    "RYAN", "ROSA", "JASON", "TERESA", "GARY", "DIANA", "TIMOTHY", "GLORIA", "FRANK", "EMILY",
    "RAYMOND", "VICTORIA",
)

LAST_NAMES: tuple[str, ...] = (
    "GARCIA", "SMITH", "MARTINEZ", "JOHNSON", "HERNANDEZ", "WILLIAMS", "LOPEZ", "BROWN",
    "GONZALEZ", "JONES", "RODRIGUEZ", "MILLER", "PEREZ", "DAVIS", "SANCHEZ", "WILSON",
    "RAMIREZ", "ANDERSON", "TORRES", "THOMAS", "FLORES", "TAYLOR", "RIVERA", "MOORE", "GOMEZ",
    "JACKSON", "DIAZ", "WHITE", "REYES", "HARRIS", "MORALES", "CLARK", "NGUYEN", "LEWIS",
    "CRUZ", "WALKER", "ORTIZ", "HALL", "GUTIERREZ", "YOUNG", "CHAVEZ", "KING", "RAMOS",
    "WRIGHT", "VASQUEZ", "SCOTT", "CASTILLO", "GREEN", "MENDOZA", "BAKER",
)

COMPANY_PREFIXES: tuple[str, ...] = (
    "HEMET", "VALLEY WIDE", "DIAMOND VALLEY", "SAN JACINTO", "RAMONA", "SOBOBA", "SIMPSON",
    "MT SAN JACINTO", "INLAND EMPIRE", "INLAND", "RIVERSIDE", "TEMECULA", "MENIFEE", "PERRIS",
    "WINCHESTER", "HOMELAND", "LAKEVIEW", "IDYLLWILD", "ANZA", "CANYON LAKE", "SUNSHINE",
    "DESERT", "PACIFIC", "GOLDEN STATE", "SIERRA", "SUMMIT", "PINNACLE", "CORNERSTONE",
    "KEYSTONE", "LANDMARK", "HERITAGE", "PIONEER", "FRONTIER", "MERIDIAN", "PREMIER",
    "RELIABLE", "ALLSTAR", "BLUE SKY", "RED ROCK", "OAK TREE", "PALM", "CITRUS", "ORANGE GROVE",
    "MISSION", "RANCHO", "EL CAMINO", "VISTA", "HORIZON", "PRECISION", "QUALITY", "TRI-COUNTY",
    "SOCAL", "WESTERN", "EAGLE", "FALCON", "COYOTE", "QUAIL", "ROADRUNNER", "MESA", "ARROYO",
    "GARCIA", "MARTINEZ", "NGUYEN", "JOHNSON", "MILLER", "ANDERSON", "RAMIREZ", "TORRES",
    "WALKER", "BAKER", "REYES", "MORALES", "CASTILLO", "MENDOZA", "OLSEN", "DUTCH", "SWANSON",
    "HARTLEY", "BRENNAN", "KOWALSKI",
)

TRADE_WORDS: dict[str, tuple[str, ...]] = {
    "BUILDING": ("BUILDERS", "CONSTRUCTION", "CONTRACTORS", "HOMES", "DEVELOPMENT"),
    "ELECTRICAL": ("ELECTRIC", "ELECTRICAL", "POWER & LIGHTING"),
    "PLUMBING": ("PLUMBING", "ROOTER & PLUMBING", "PIPING"),
    "MECHANICAL": ("HEATING & AIR", "MECHANICAL", "AIR CONDITIONING"),
    "ROOFING": ("ROOFING", "ROOF SYSTEMS"),
    "SOLAR": ("SOLAR", "SOLAR ENERGY", "SUN POWER SYSTEMS"),
    "POOL": ("POOLS", "POOLS & SPAS"),
    "ACCESSIBILITY": ("ACCESS SOLUTIONS", "CONCRETE & STRIPING"),
    "DEMOLITION": ("DEMOLITION", "WRECKING & HAULING"),
    "GRADING": ("GRADING", "EXCAVATION", "EARTHWORK"),
    "FIRE": ("FIRE PROTECTION", "FIRE SPRINKLER", "FIRE & SAFETY"),
    "SIGN": ("SIGNS", "SIGN COMPANY"),
}

COMPANY_SUFFIXES: tuple[str, ...] = ("INC", "INC", "CO", "LLC", "LLC", "CORP", "& SONS", "GROUP")

CITIES: tuple[tuple[str, str], ...] = (
    ("HEMET", "92543"), ("HEMET", "92544"), ("HEMET", "92545"), ("SAN JACINTO", "92583"),
    ("MENIFEE", "92584"), ("PERRIS", "92570"), ("TEMECULA", "92590"), ("MURRIETA", "92562"),
    ("RIVERSIDE", "92507"), ("MORENO VALLEY", "92553"), ("BEAUMONT", "92223"),
    ("WINCHESTER", "92596"), ("LAKE ELSINORE", "92530"), ("CORONA", "92879"),
)
"""Where contractors keep their offices (city, zip)."""

AREA_CODES: tuple[str, ...] = ("951", "951", "951", "909", "760", "714")


def has_inspection_types_expr() -> ColumnElement[bool]:
    """SQL: the enclosing query's permit type has inspection types."""
    return exists().where(col(InspectionType.permit_type) == col(Permit.permit_type))

"""The city's reference data: permit numbers and the inspection catalog."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from etrakit_tui.domain.permits import catalog
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import InspectionPrerequisite, InspectionType


def test_permit_numbers_look_like_the_guides() -> None:
    assert catalog.permit_number("B", 2019, 6, 174) == "B1906-174"
    assert catalog.permit_number("A", 18, 6, 65) == "A1806-065"
    parsed = catalog.parse_permit_number(" b1906-174 ")
    assert (parsed.letter, parsed.year, parsed.month, parsed.seq) == ("B", 19, 6, 174)
    assert str(parsed) == "B1906-174" and not parsed.is_plan_check
    assert catalog.parse_permit_number("A1806-065").is_plan_check


@pytest.mark.parametrize(
    "text", ["B1906-1745", "B1913-174", "B1900-174", "1906-174", "BB906-174", "B1906-000", ""]
)
def test_malformed_permit_numbers_are_refused(text: str) -> None:
    assert not catalog.is_permit_number(text)
    with pytest.raises(ValueError, match="permit number"):
        catalog.parse_permit_number(text)


def test_plan_checks_get_letter_a_and_permits_their_types_letter() -> None:
    assert catalog.letter_for("ACCESSIBILITY", plan_check=True) == "A"
    assert catalog.letter_for("ELECTRICAL") == "B"
    assert catalog.letter_for("GRADING") == "G"


def test_the_catalog_is_written_once_whatever_the_number_of_runs(db: Database) -> None:
    with db.write() as s:
        first = catalog.ensure_catalog(s)
    with db.write() as s:
        second = catalog.ensure_catalog(s)
        types = s.execute(select(func.count()).select_from(InspectionType)).scalar_one()
        pairs = s.execute(select(func.count()).select_from(InspectionPrerequisite)).scalar_one()
    assert first == second
    assert types == sum(len(specs) for specs in catalog.INSPECTION_TYPES.values())
    assert pairs == sum(
        len(t.requires) for specs in catalog.INSPECTION_TYPES.values() for t in specs
    )
    final = first[("ELECTRICAL", "FINAL")]
    with db.read() as s:
        needs = set(
            s.execute(
                select(InspectionPrerequisite.requires_id).where(
                    InspectionPrerequisite.inspection_type_id == final
                )
            ).scalars()
        )
    assert needs == {
        first[("ELECTRICAL", "UNDERGROUND")],
        first[("ELECTRICAL", "ROUGH_ELECTRICAL")],
    }

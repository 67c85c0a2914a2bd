"""Whether and why a permit can get an inspection request, and which of a company's permits
can: the domain answers each in one call (the schedule screen's list, the dashboard's and
the permit's "Request is not offered ..." and the schedule screen's typed number).

The clock stands at Wed 11/18/2026 10:00 in Hemet (see ``tests/support/inspection_scene``).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.errors import NotFound
from etrakit_tui.domain.inspections.requestable import requestable_permits
from etrakit_tui.domain.inspections.requests import request_refusal
from etrakit_tui.domain.permits.dashboard import active_permits_page
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import Company, Permit, PermitStatus
from tests.support.factories import make_fee, make_permit
from tests.support.inspection_scene import (
    PERMIT,
    THU,
    Scene,
    audit_lines,
    build_scene,
    hemet,
    request,
)

BLOCKED: dict[str, tuple[dict[str, object], str]] = {
    "B2610-101": (
        {"status": PermitStatus.APPLIED},
        "Inspections can be requested only on issued or active permits (this one is APPLIED).",
    ),
    "B2610-102": ({"expires_on": date(2026, 11, 17)}, "This permit expired on Tue 11/17/2026."),
    "B2610-103": ({"on_hold": True}, "This permit is on hold; contact the Building Division."),
    "B2610-104": (
        {"status": PermitStatus.FINALED, "finaled_on": date(2026, 11, 2)},
        "Inspections can be requested only on issued or active permits (this one is FINALED).",
    ),
    "B2610-105": ({"finaled_on": date(2026, 11, 2)}, "This permit has been finaled."),
    "B2610-106": (
        {"permit_type": "FENCE"},
        "No inspections can be requested online for this type of permit.",
    ),
}
"""ACME's permits that do not offer *Request*, each with the reason the portal gives."""


def _add_permits(db: Database, scene: Scene, *numbers: str, **state: object) -> None:
    with db.write() as s:
        acme = s.get(Company, scene.acme.id)
        for number in numbers:
            make_permit(s, number, company=acme, **state)  # type: ignore[arg-type]


def _city(db: Database) -> Scene:
    """ACME with its live permit B2610-001, one expiring today, the blocked ones, and one
    live permit of another company."""
    scene = build_scene(db)
    _add_permits(db, scene, "B2610-107", expires_on=date(2026, 11, 18))
    for number, (state, _) in BLOCKED.items():
        _add_permits(db, scene, number, **state)
    with db.write() as s:
        other = s.get(Company, scene.other.id)
        make_permit(s, "B2610-900", company=other)
        make_fee(s, s.exec(select(Permit).where(Permit.number == PERMIT)).one(), 12_500)
    return scene


def _numbers(db: Database, actor: Actor, after: str | None = None) -> list[str]:
    return [row.number for row in requestable_permits(db, actor, after=after).items]


# --------------------------------------------------------------------------- which permits


def test_a_company_sees_exactly_its_permits_that_offer_request(any_db: Database) -> None:
    scene = _city(any_db)
    page = requestable_permits(any_db, scene.acme)
    assert [row.number for row in page.items] == [PERMIT, "B2610-107"]
    assert page.next_key is None
    first = page.items[0]
    assert (first.address, first.permit_type, first.status) == (
        "123 E FLORIDA AVE",
        "ELECTRICAL",
        "ISSUED",
    )
    assert first.can_request and first.fees_due_cents == 12_500
    # The other company sees its own permit only; staff see every one.
    assert _numbers(any_db, scene.other) == ["B2610-900"]
    assert _numbers(any_db, scene.clerk) == [PERMIT, "B2610-107", "B2610-900"]


def test_the_list_is_my_active_permits_that_show_request(any_db: Database) -> None:
    scene = _city(any_db)
    active = active_permits_page(any_db, scene.acme, limit=100)
    assert len(active.items) > 2  # the on-hold, not-issued and fence permits are active too
    offering = tuple(row for row in active.items if row.can_request)
    assert requestable_permits(any_db, scene.acme).items == offering


def test_a_permit_expiring_today_leaves_the_list_tomorrow(db: Database, clock: FixedClock) -> None:
    scene = _city(db)
    clock.set(hemet(2026, 11, 19, 10))
    assert _numbers(db, scene.acme) == [PERMIT]
    assert request_refusal(db, scene.acme, "B2610-107") == "This permit expired on Wed 11/18/2026."


def test_pages_follow_the_permit_number(db: Database) -> None:
    scene = build_scene(db)
    live = [f"B2611-{i:03d}" for i in range(1, 8)]
    _add_permits(db, scene, *live)
    _add_permits(db, scene, "B2611-0015", "B2611-0045", on_hold=True)  # between them: left out
    everything = [PERMIT, *live]

    seen: list[str] = []
    after: str | None = None
    while True:
        page = requestable_permits(db, scene.acme, after=after, limit=3)
        seen.extend(row.number for row in page.items)
        if page.next_key is None:
            break
        assert page.next_key == page.items[-1].number and len(page.items) == 3
        after = page.next_key
    assert seen == everything
    assert _numbers(db, scene.acme, after="B2611-005") == ["B2611-006", "B2611-007"]
    assert requestable_permits(db, scene.acme, after="B2611-007").items == ()


# --------------------------------------------------------------------------- why not


@pytest.mark.parametrize("number", sorted(BLOCKED))
def test_a_permit_without_request_says_why(db: Database, number: str) -> None:
    scene = _city(db)
    assert request_refusal(db, scene.acme, number.lower()) == BLOCKED[number][1]


def test_a_live_permit_is_refused_only_when_no_type_can_be_requested(db: Database) -> None:
    scene = build_scene(db)
    # ROUGH can be requested (FINAL waits for it): nothing to refuse.
    assert request_refusal(db, scene.acme, PERMIT) is None
    request(db, scene.acme, PERMIT, ("ROUGH", THU, "AM"))
    # Now neither can: the first type's reason.
    assert request_refusal(db, scene.acme, PERMIT) == (
        "A Rough electrical inspection is already requested for Thu 11/19/2026 AM."
    )


def test_another_companys_permit_reads_as_missing_and_is_audited(db: Database) -> None:
    scene = build_scene(db)
    with pytest.raises(NotFound, match="permit not found") as refused:
        request_refusal(db, scene.other, PERMIT)
    with pytest.raises(NotFound) as missing:
        request_refusal(db, scene.other, "B9999-999")
    assert str(refused.value) == str(missing.value)
    (line,) = audit_lines(db, "access_denied")
    assert line.actor_id == scene.other.id and line.target == PERMIT

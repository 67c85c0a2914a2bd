"""Field mode, checkout (issue 16): the inspector's day is copied into a field file (0600,
no password or PIN hash in it), the existing read services work on it unchanged, and the
city keeps only the sync token's sha256. Also the scene the other field tests share."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from etrakit_tui.domain.accounts.hashing import hash_secret
from etrakit_tui.domain.errors import AuthenticationFailed, RuleViolation
from etrakit_tui.domain.field import (
    FieldFileError,
    FieldSession,
    checkout,
    checkout_signed_in,
    field_status,
    open_field,
    record_offline,
)
from etrakit_tui.domain.inspections.assignment import route_for
from etrakit_tui.domain.permits.detail import permit_detail
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import (
    Attachment,
    Company,
    FieldCheckout,
    Inspection,
    InspectionRequest,
    InspectionStatus,
    InspectionType,
    StaffUser,
)
from tests.support.factories import make_permit
from tests.support.inspection_scene import THU, Scene, build_scene, hemet

PASSWORD = "Field-Work-2026!"
ANA_PIN = "123456"


@dataclass(frozen=True)
class FieldScene:
    scene: Scene
    ids: list[int]
    """Ana's inspections on Thursday, one permit each, in the order made."""


def build_field_scene(db: Database, n: int = 5, *, day: date = THU) -> FieldScene:
    """The inspection scene, Ana with a real password, and ``n`` inspections of Ana's on
    ``day`` (one permit each, all SCHEDULED, each with its request's contact)."""
    scene = build_scene(db)
    ids = []
    with db.write() as s:
        ana = s.get(StaffUser, scene.ana.id)
        assert ana is not None
        ana.password_hash = hash_secret(PASSWORD)
        s.add(ana)
        acme = s.exec(select(Company).where(Company.name == "ACME ELECTRIC INC")).one()
        rough = s.exec(select(InspectionType).where(InspectionType.code == "ROUGH")).one()
        for i in range(n):
            address = f"{100 + i} N MAIN ST"
            permit = make_permit(s, f"B2611-{i + 1:03d}", company=acme, address=address)
            request = InspectionRequest(
                permit_id=permit.id,
                company_id=acme.id,
                contact_name=f"Site lead {i}",
                contact_phone="951-555-0100",
                contact_email="site@acme.test",
                site_address=address,
                notes=f"gate {i}",
                created_at=db.now(),
            )
            s.add(request)
            s.flush()
            inspection = Inspection(
                permit_id=permit.id,
                request_id=request.id,
                inspection_type_id=rough.id,
                requested_date=day,
                period="AM" if i % 2 == 0 else "PM",
                status=InspectionStatus.SCHEDULED.value,
                inspector_id=scene.ana.id,
                requested_at=db.now(),
                scheduled_at=db.now(),
            )
            s.add(inspection)
            s.flush()
            assert inspection.id is not None
            ids.append(inspection.id)
    return FieldScene(scene, ids)


def at(clock: FixedClock, day: date, hh: int, mm: int = 0) -> None:
    clock.set(hemet(day.year, day.month, day.day, hh, mm))


def check_out(db: Database, path: Path, laptop: FixedClock, *, day: date = THU) -> FieldSession:
    summary = checkout(db, "ana", PASSWORD, day=day, field_file=path, laptop_clock=laptop)
    assert summary.field_file == path.absolute()
    return open_field(path, jurisdiction=db.jurisdiction, clock=laptop)


@pytest.fixture
def laptop(clock: FixedClock) -> FixedClock:
    """The laptop's own clock (the city's is ``clock``)."""
    return FixedClock(clock.now())


# --------------------------------------------------------------------------- tests


def test_checkout_copies_the_day_and_the_read_services_work_on_it(
    any_db: Database, clock: FixedClock, laptop: FixedClock, tmp_path: Path
) -> None:
    fs = build_field_scene(any_db)
    at(clock, THU, 6)
    at(laptop, THU, 6)
    path = tmp_path / "field" / "ana.db"
    summary = checkout(any_db, "ana", PASSWORD, field_file=path, laptop_clock=laptop)
    assert (summary.username, summary.day, summary.inspections) == ("ana", THU, 5)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600

    field = open_field(path, jurisdiction=any_db.jurisdiction, clock=laptop)
    try:
        online = route_for(any_db, fs.scene.ana, THU)
        offline = route_for(field.db, field.actor, field.day)
        assert offline == online and len(offline) == 5
        assert offline[0].contact_name.startswith("Site lead") and offline[0].notes
        number = offline[0].permit_number
        assert permit_detail(field.db, field.actor, number) == permit_detail(
            any_db, fs.scene.ana, number
        )
        status = field_status(field)
        assert (status.waiting, status.applied, status.conflicts, status.too_old) == (
            0,
            0,
            0,
            False,
        )
    finally:
        field.close()


def test_the_field_file_holds_no_password_or_pin_hash_and_the_city_no_token(
    any_db: Database, clock: FixedClock, laptop: FixedClock, tmp_path: Path
) -> None:
    fs = build_field_scene(any_db)
    secret_bytes = b"PLAN-SHEET-BYTES-" * 64
    with any_db.write() as s:  # a company with a PIN and a password, on the permits
        acme = s.exec(select(Company).where(Company.name == "ACME ELECTRIC INC")).one()
        acme.password_hash = hash_secret("Company-Pass-1!")
        acme.pin_hash = hash_secret(ANA_PIN)
        s.add(acme)
        first = s.get(Inspection, fs.ids[0])
        assert first is not None
        s.add(
            Attachment(
                permit_id=first.permit_id,
                filename="plans.pdf",
                size=len(secret_bytes),
                sha256=hashlib.sha256(secret_bytes).hexdigest(),
                data=secret_bytes,
                uploaded_at=any_db.now(),
            )
        )
    at(clock, THU, 6)
    path = tmp_path / "ana.db"
    field = check_out(any_db, path, laptop)
    try:
        with field.db.read() as s:
            hashes = s.exec(select(StaffUser.password_hash)).all()
            companies = s.exec(select(Company.password_hash, Company.pin_hash)).all()
            token = s.connection().execute(text("SELECT sync_token FROM field_checkout_info"))
            raw_token = token.scalar_one()
        assert hashes and set(hashes) == {"!"}
        assert companies and set(companies) == {("!", None)}
        stop = route_for(field.db, field.actor, THU)
        number = next(x.permit_number for x in stop if x.inspection_id == fs.ids[0])
        listed = permit_detail(field.db, field.actor, number).attachments
        assert [a.filename for a in listed] == ["plans.pdf"]  # listed; its bytes stay home
    finally:
        field.close()
    raw = path.read_bytes()
    assert b"$argon2" not in raw
    assert b"PLAN-SHEET-BYTES-" not in raw
    with any_db.read() as s:
        rows = s.exec(select(FieldCheckout)).all()
    assert len(rows) == 1
    assert rows[0].token_hash == hashlib.sha256(raw_token.encode()).hexdigest()
    assert rows[0].token_hash != raw_token


def test_checkout_refuses_a_wrong_password_staff_and_a_file_with_waiting_results(
    any_db: Database, clock: FixedClock, laptop: FixedClock, tmp_path: Path
) -> None:
    fs = build_field_scene(any_db)
    at(clock, THU, 6)
    at(laptop, THU, 9)
    path = tmp_path / "ana.db"
    with pytest.raises(AuthenticationFailed):
        checkout(any_db, "ana", "wrong", field_file=path)
    assert not path.exists()
    with any_db.write() as s:
        clerk = s.get(StaffUser, fs.scene.clerk.id)
        assert clerk is not None
        clerk.password_hash = hash_secret(PASSWORD)
        s.add(clerk)
    with pytest.raises(RuleViolation, match="for inspectors"):
        checkout(any_db, "clerk", PASSWORD, field_file=path)
    with pytest.raises(RuleViolation, match="for inspectors"):
        checkout_signed_in(any_db, fs.scene.clerk, PASSWORD, field_file=path)

    field = check_out(any_db, path, laptop)
    record_offline(field, fs.ids[0], "PASSED", "ok")
    field.close()
    with pytest.raises(RuleViolation, match="1 result\\(s\\) waiting to be sent"):
        checkout_signed_in(any_db, fs.scene.ana, PASSWORD, field_file=path, laptop_clock=laptop)
    field = open_field(path, jurisdiction=any_db.jurisdiction, clock=laptop)
    assert field_status(field).waiting == 1  # the file and its result are untouched
    field.close()


def test_a_missing_or_foreign_file_is_refused_clearly(tmp_path: Path, db: Database) -> None:
    with pytest.raises(FieldFileError, match=r"no field file at .*check out first"):
        open_field(tmp_path / "nothing.db")
    assert not (tmp_path / "nothing.db").exists()
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(FieldFileError, match="cannot be read as a field file"):
        open_field(garbage)
    city_file = Path(str(db.engine.url.database))
    with pytest.raises(FieldFileError, match="not a field file"):
        open_field(city_file)

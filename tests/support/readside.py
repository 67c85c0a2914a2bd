"""Small builders for the read-side tests (dashboard, detail, reviews, search, fees, access).

Private to those tests; ``tests/support/factories.py`` is the team's shared one. Each call
is one write transaction, so tests read what a user would read after it was saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from hashlib import sha256

from sqlmodel import select

from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import (
    Attachment,
    Company,
    Condition,
    Fee,
    Inspection,
    InspectionType,
    Parcel,
    Payment,
    Permit,
    PermitContact,
    Review,
    StaffUser,
)

CREATED = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)


@dataclass
class Builder:
    """Creates rows in ``db``; every method commits its own transaction."""

    db: Database

    def company(self, name: str) -> Actor:
        with self.db.write() as s:
            row = Company(name=name, license_no=f"L-{name[:20]}", created_at=CREATED)
            s.add(row)
            s.flush()
            assert row.id is not None
            return Actor(ActorKind.COMPANY, row.id, name)

    def staff(self, username: str, *, role: str = "staff", full_name: str = "") -> Actor:
        with self.db.write() as s:
            row = StaffUser(
                username=username,
                full_name=full_name or username.title(),
                role=role,
                password_hash="x",
                created_at=CREATED,
            )
            s.add(row)
            s.flush()
            assert row.id is not None
            kind = ActorKind.STAFF if role == "staff" else ActorKind.INSPECTOR
            return Actor(kind, row.id, row.full_name)

    def inspection_type(
        self, permit_type: str, code: str, name: str | None = None, *, is_final: bool = False
    ) -> int:
        with self.db.write() as s:
            row = InspectionType(
                permit_type=permit_type, code=code, name=name or code, is_final=is_final
            )
            s.add(row)
            s.flush()
            assert row.id is not None
            return row.id

    def permit(
        self,
        number: str,
        *,
        companies: tuple[Actor, ...] = (),
        permit_type: str = "ELECTRICAL",
        status: str = "ISSUED",
        address: str | None = None,
        apn: str | None = None,
        district: str = "NORTH",
        applied_on: date | None = date(2026, 6, 1),
        issued_on: date | None = None,
        expires_on: date | None = None,
        finaled_on: date | None = None,
        on_hold: bool = False,
        subtype: str = "",
        description: str = "",
        notes: str = "",
    ) -> int:
        """A permit, on a parcel (created or reused by APN) when ``address`` is given."""
        with self.db.write() as s:
            parcel_id = None
            if address is not None:
                key = apn or "X" + sha256(address.encode()).hexdigest()[:12]
                parcel = s.exec(select(Parcel).where(Parcel.apn == key)).first()
                if parcel is None:
                    parcel = Parcel(
                        apn=key,
                        address=address,
                        district=district,
                        zoning="R-1",
                        lot="12",
                        tract="TR 1234",
                        owner_name="OWNER OF " + address,
                        zip="92543",
                    )
                    s.add(parcel)
                    s.flush()
                parcel_id = parcel.id
            row = Permit(
                number=number,
                permit_type=permit_type,
                subtype=subtype,
                description=description,
                status=status,
                parcel_id=parcel_id,
                applied_on=applied_on,
                issued_on=issued_on,
                expires_on=expires_on,
                finaled_on=finaled_on,
                on_hold=on_hold,
                notes=notes,
                created_at=CREATED,
            )
            s.add(row)
            s.flush()
            assert row.id is not None
            for company in companies:
                s.add(
                    PermitContact(
                        permit_id=row.id,
                        company_id=company.id,
                        role="CONTRACTOR",
                        name=company.name,
                        phone="(951) 555-0100",
                        email="office@example.com",
                    )
                )
            return row.id

    def many_permits(self, prefix: str, count: int, *, company: Actor, **fields: object) -> None:
        """``count`` permits ``<prefix>-001``... for ``company``, in one transaction."""
        with self.db.write() as s:
            for n in range(1, count + 1):
                row = Permit(
                    number=f"{prefix}-{n:03d}",
                    permit_type=str(fields.get("permit_type", "ELECTRICAL")),
                    status=str(fields.get("status", "ISSUED")),
                    created_at=CREATED,
                )
                s.add(row)
                s.flush()
                assert row.id is not None
                s.add(
                    PermitContact(
                        permit_id=row.id, company_id=company.id, role="CONTRACTOR", name="X"
                    )
                )

    def inspection(
        self,
        permit_id: int,
        type_id: int,
        day: date,
        period: str = "AM",
        *,
        status: str = "REQUESTED",
        inspector_id: int | None = None,
        comments: str = "",
    ) -> int:
        with self.db.write() as s:
            row = Inspection(
                permit_id=permit_id,
                inspection_type_id=type_id,
                requested_date=day,
                period=period,
                status=status,
                inspector_id=inspector_id,
                comments=comments,
                requested_at=CREATED,
            )
            s.add(row)
            s.flush()
            assert row.id is not None
            return row.id

    def review(
        self,
        permit_id: int,
        review_type: str,
        *,
        reviewer: str = "Pat Reviewer",
        status: str = "SUBMITTED",
        submitted_on: date = date(2026, 11, 1),
        due_on: date | None = None,
        completed_on: date | None = None,
        cycle: int = 1,
        notes: str = "",
    ) -> int:
        with self.db.write() as s:
            row = Review(
                permit_id=permit_id,
                review_type=review_type,
                reviewer=reviewer,
                status=status,
                submitted_on=submitted_on,
                due_on=due_on,
                completed_on=completed_on,
                cycle=cycle,
                notes=notes,
            )
            s.add(row)
            s.flush()
            assert row.id is not None
            return row.id

    def attachment(
        self, permit_id: int, filename: str, data: bytes, content_type: str = "text/plain"
    ) -> int:
        with self.db.write() as s:
            row = Attachment(
                permit_id=permit_id,
                filename=filename,
                content_type=content_type,
                size=len(data),
                sha256=sha256(data).hexdigest(),
                data=data,
                uploaded_at=CREATED,
            )
            s.add(row)
            s.flush()
            assert row.id is not None
            return row.id

    def condition(self, permit_id: int, name: str, description: str = "") -> None:
        with self.db.write() as s:
            s.add(
                Condition(
                    permit_id=permit_id,
                    name=name,
                    description=description,
                    created_on=date(2026, 6, 2),
                )
            )

    def fee(self, permit_id: int, code: str, amount_cents: int, description: str = "") -> None:
        with self.db.write() as s:
            s.add(
                Fee(
                    permit_id=permit_id,
                    code=code,
                    description=description or code,
                    amount_cents=amount_cents,
                    assessed_on=date(2026, 6, 1),
                )
            )

    def payment(self, permit_id: int, amount_cents: int) -> None:
        with self.db.write() as s:
            s.add(Payment(permit_id=permit_id, amount_cents=amount_cents, paid_at=CREATED))


def account_theme(db: Database, actor: Actor) -> str | None:
    """The theme ``actor``'s account keeps in the database (``None``: none kept)."""
    model = Company if actor.kind is ActorKind.COMPANY else StaffUser
    with db.read() as s:
        row = s.get(model, actor.id)
        return row.theme if row is not None else None

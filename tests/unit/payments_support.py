"""The payments tests' scene: two companies, their permits with fees, a FINAL inspection type.

Company A (ACME ELECTRIC INC, email pm@acme.example) holds B2611-001 ($116.00 due),
B2611-002 ($50.00 due) and B2611-003 (nothing due); company B holds B2611-009 ($70.00 due).
The tests' clock stands at Wed 11/18/2026 10:00 in Hemet, so orders are ``PO-2611-...``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import func, select

from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import Company, Outbox, Payment, PaymentOrder
from etrakit_tui.settings import Jurisdiction
from tests.support.readside import Builder

PAY_URL = "https://pay.example.gov/hemet?ref={order}&amount={amount}"
HEADER = "Order Number,Amount,Paid At,Transaction ID\n"


@dataclass
class Scene:
    db: Database
    a: Actor
    b: Actor
    staff: Actor


def with_payment_url(db: Database, url: str = PAY_URL, **more: object) -> Database:
    """The same database under a jurisdiction with a payment URL (and ``more`` rules)."""
    j = Jurisdiction.model_validate({**db.jurisdiction.model_dump(), "payment_url": url, **more})
    return Database(db.engine, j, db.clock)


def scene(db: Database, *, email: str = "pm@acme.example") -> Scene:
    build = Builder(db)
    a = build.company("ACME ELECTRIC INC")
    b = build.company("B COMPANY")
    staff = build.staff("counter")
    with db.write() as s:
        row = s.get(Company, a.id)
        assert row is not None
        row.email = email
        s.add(row)
    build.inspection_type("ELECTRICAL", "FINAL", "FINAL ELECTRICAL", is_final=True)
    issued = {"issued_on": date(2026, 10, 1), "expires_on": date(2027, 3, 30)}
    one = build.permit("B2611-001", companies=(a,), address="3800 THORN ST", **issued)
    two = build.permit("B2611-002", companies=(a,), address="12 ELM ST", **issued)
    three = build.permit("B2611-003", companies=(a,), address="14 ELM ST", **issued)
    nine = build.permit("B2611-009", companies=(b,), address="1 B STREET", **issued)
    build.fee(one, "ELEC", 9_600)
    build.fee(one, "ISSUE", 2_000)
    build.fee(two, "ELEC", 5_000)
    build.fee(three, "ELEC", 1_000)
    build.payment(three, 1_000)
    build.fee(nine, "ELEC", 7_000)
    return Scene(db, a, b, staff)


def count(db: Database, model: type[PaymentOrder] | type[Payment] | type[Outbox]) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(model)).one())

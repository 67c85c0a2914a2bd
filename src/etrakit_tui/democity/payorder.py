"""The demo city's online payment (issue 15): a payment URL for the demo jurisdiction, and
one OPEN payment order of CITY OF HEMET that the sample settlement file
(``data/settlement-sample.csv``) pays.

The order is :data:`DEMO_ORDER_NUMBER` (fixed, so the sample file can name it) for the
standard fees ($175.00) of a newly issued ELECTRICAL permit at City Hall. Import the sample
with ``etrakit-tui --db sqlite:///DEMO.db payment import .../settlement-sample.csv``: the
fees are paid and the receipt email is queued.
"""

from __future__ import annotations

from datetime import timedelta
from importlib.resources import files

from sqlmodel import select

from etrakit_tui.democity.citygen import Numberer, on_or_before
from etrakit_tui.domain import audit
from etrakit_tui.domain.accounts.actors import SYSTEM
from etrakit_tui.domain.inspections.calendar import local_today
from etrakit_tui.domain.permits.fees import format_cents, standard_fees
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import (
    Company,
    Fee,
    OrderStatus,
    Parcel,
    PaymentOrder,
    PaymentOrderItem,
    Permit,
    PermitContact,
    PermitStatus,
)
from etrakit_tui.settings import Jurisdiction

DEMO_PAYMENT_URL = "https://pay.example.gov/hemet?ref={order}&amount={amount}"
DEMO_ORDER_NUMBER = "PO-DEMO-0001"
DEMO_ORDER_COMPANY = "CITY OF HEMET"
SETTLEMENT_SAMPLE = "settlement-sample.csv"


def demo_jurisdiction(j: Jurisdiction) -> Jurisdiction:
    """The demo's rules: ``j`` with the demo payment URL, unless ``j`` names its own."""
    if j.payment_url:
        return j
    return Jurisdiction.model_validate({**j.model_dump(), "payment_url": DEMO_PAYMENT_URL})


def settlement_sample() -> bytes:
    """The sample settlement file that pays the demo order."""
    return files("etrakit_tui.democity").joinpath("data", SETTLEMENT_SAMPLE).read_bytes()


def write_demo_order(db: Database) -> str:
    """CITY OF HEMET's newly issued EV-charger permit at City Hall, its standard fees due, and
    the open order for them; returns the permit's number."""
    j, now = db.jurisdiction, db.now()
    today = local_today(j, now)
    applied = on_or_before(j, today - timedelta(days=21))
    issued = on_or_before(j, today - timedelta(days=7))
    with db.write() as s:
        city = s.exec(select(Company).where(Company.name == DEMO_ORDER_COMPANY)).one()
        hall = s.exec(select(Parcel).where(Parcel.address == "445 E FLORIDA AVE")).first()
        assert city.id is not None
        permit = Permit(
            number=Numberer.load(s).next("B", applied),
            permit_type="ELECTRICAL",
            subtype="EV CHARGER",
            description="TWO LEVEL 2 EV CHARGERS IN THE CITY HALL PARKING LOT",
            status=PermitStatus.ISSUED.value,
            parcel_id=hall.id if hall is not None else None,
            applied_on=applied,
            approved_on=issued,
            issued_on=issued,
            expires_on=issued + timedelta(days=j.expiry_days),
            created_at=now - timedelta(days=21),
        )
        s.add(permit)
        s.flush()
        assert permit.id is not None
        s.add(
            PermitContact(
                permit_id=permit.id,
                company_id=city.id,
                role="CONTRACTOR",
                name=city.name,
                phone=city.phone,
                email=city.email,
            )
        )
        fees = standard_fees("ELECTRICAL")
        for fee in fees:
            s.add(
                Fee(
                    permit_id=permit.id,
                    code=fee.code,
                    description=fee.description,
                    amount_cents=fee.amount_cents,
                    assessed_on=issued,
                )
            )
        total = sum(fee.amount_cents for fee in fees)
        order = PaymentOrder(
            number=DEMO_ORDER_NUMBER,
            company_id=city.id,
            created_at=now,
            expires_at=now + timedelta(days=j.payment_order_days),
            total_cents=total,
            status=OrderStatus.OPEN.value,
            created_by=city.name,
        )
        s.add(order)
        s.flush()
        assert order.id is not None
        s.add(PaymentOrderItem(order_id=order.id, permit_id=permit.id, amount_cents=total))
        audit.record(
            s,
            SYSTEM,
            "payment_order_created",
            at=now,
            target=DEMO_ORDER_NUMBER,
            detail=f"{format_cents(total)} for {permit.number} (demo)",
        )
        return permit.number

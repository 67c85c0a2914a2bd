"""The demo city's online payment: a payment URL, one open order of CITY OF HEMET, and the
sample settlement file that pays it (on SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlmodel import select

from etrakit_tui.democity.demo import build_demo
from etrakit_tui.democity.payorder import (
    DEMO_ORDER_NUMBER,
    demo_jurisdiction,
    settlement_sample,
)
from etrakit_tui.domain.accounts.actors import SYSTEM, Actor, ActorKind
from etrakit_tui.domain.payments.orders import orders_for_permit, payable_permits
from etrakit_tui.domain.payments.settlement import import_settlement
from etrakit_tui.domain.payments.views import OrderState
from etrakit_tui.domain.permits.fees import fee_breakdown
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import Company, Outbox
from etrakit_tui.settings import Jurisdiction


def test_the_sample_settlement_pays_the_demo_order(any_db: Database) -> None:
    db = Database(any_db.engine, demo_jurisdiction(any_db.jurisdiction), any_db.clock)
    build_demo(db)
    with db.read() as s:
        city = s.exec(select(Company).where(Company.name == "CITY OF HEMET")).one()
    hemet = Actor(ActorKind.COMPANY, city.id, city.name)
    held = [p for p in payable_permits(db, hemet) if p.open_order == DEMO_ORDER_NUMBER]
    assert len(held) == 1 and held[0].amount_due_cents == 17_500
    order = orders_for_permit(db, hemet, held[0].number)[0]
    assert (order.number, order.state, order.total_cents) == (
        DEMO_ORDER_NUMBER,
        OrderState.OPEN,
        17_500,
    )
    assert order.pay_url == "https://pay.example.gov/hemet?ref=PO-DEMO-0001&amount=175.00"

    report = import_settlement(db, SYSTEM, settlement_sample())

    assert [(r.order, r.outcome) for r in report.lines] == [(DEMO_ORDER_NUMBER, "applied")]
    assert fee_breakdown(db, hemet, held[0].number).amount_due_cents == 0
    assert orders_for_permit(db, hemet, held[0].number)[0].state is OrderState.PAID
    with db.read() as s:
        mails = s.exec(select(Outbox).where(Outbox.to_addr == city.email)).all()
    assert [m.subject for m in mails] == ["Receipt: payment order PO-DEMO-0001, $175.00"]


def test_a_configured_payment_url_wins_over_the_demos() -> None:
    mine = "https://pay.elsewhere.example/?o={order}"
    assert demo_jurisdiction(Jurisdiction(payment_url=mine)).payment_url == mine

"""Payment orders: a company picks its permits' due fees and gets an order to pay; every
refusal says why (and is audited); an order expires, or is cancelled, and frees its permits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from etrakit_tui.domain.errors import NotFound, RuleViolation, ValidationFailed
from etrakit_tui.domain.payments.orders import (
    cancel_order,
    create_order,
    orders_for_permit,
    pay_url,
    payable_permits,
)
from etrakit_tui.domain.payments.views import OrderItem, OrderState, PayablePermit
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import AuditEvent, PaymentOrder
from etrakit_tui.settings import DEFAULT_JURISDICTION
from tests.unit.payments_support import count, scene, with_payment_url


def audit_lines(db: Database, action: str) -> list[tuple[str, str, str]]:
    with db.read() as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.action == action)).all()
        return [(r.actor_name, r.target, r.outcome) for r in rows]


def test_a_company_sees_its_own_permits_with_fees_due(any_db: Database) -> None:
    sc = scene(any_db)
    assert payable_permits(any_db, sc.a) == [
        PayablePermit("B2611-001", "3800 THORN ST", 11_600, None),
        PayablePermit("B2611-002", "12 ELM ST", 5_000, None),
    ]
    assert [p.number for p in payable_permits(any_db, sc.b)] == ["B2611-009"]
    assert payable_permits(any_db, sc.staff) == []


def test_an_order_holds_each_permits_amount_due_and_says_how_to_pay(
    any_db: Database, clock: FixedClock
) -> None:
    db = with_payment_url(any_db)
    sc = scene(db)

    order = create_order(db, sc.a, ["b2611-002", " B2611-001 "])

    assert order.number == "PO-2611-0001"
    assert order.state is OrderState.OPEN
    assert order.total_cents == 16_600
    assert order.items == (
        OrderItem("B2611-001", "3800 THORN ST", 11_600),
        OrderItem("B2611-002", "12 ELM ST", 5_000),
    )
    assert order.created_at == clock.now()
    assert order.expires_at == clock.now() + timedelta(days=7)
    assert order.pay_url == "https://pay.example.gov/hemet?ref=PO-2611-0001&amount=166.00"
    assert "payable to the City of Hemet" in order.instructions
    assert (order.paid_at, order.transaction_id) == (None, None)
    assert [p.open_order for p in payable_permits(db, sc.a)] == ["PO-2611-0001"] * 2
    assert audit_lines(db, "payment_order_created") == [("ACME ELECTRIC INC", order.number, "ok")]
    # the next order of the month takes the next number
    assert create_order(db, sc.b, ["B2611-009"]).number == "PO-2611-0002"


def test_no_payment_url_means_no_link(db: Database) -> None:
    sc = scene(db)
    assert create_order(db, sc.a, ["B2611-001"]).pay_url is None
    assert pay_url(DEFAULT_JURISDICTION, "PO-2611-0001", 11_600) is None


@pytest.mark.parametrize(
    ("who", "numbers", "error", "message"),
    [
        ("a", [], ValidationFailed, "Pick at least one permit to pay."),
        ("a", ["  "], ValidationFailed, "Pick at least one permit to pay."),
        ("a", ["B2611-003"], RuleViolation, "B2611-003 has no fees due."),
        ("a", ["B2611-001", "B2611-009"], NotFound, "permit not found"),
        ("a", ["B2611-404"], NotFound, "permit not found"),
        ("staff", ["B2611-001"], RuleViolation, "Only a contractor company"),
    ],
)
def test_order_refusals_say_why_and_change_nothing(
    db: Database, who: str, numbers: list[str], error: type[Exception], message: str
) -> None:
    sc = scene(db)
    actor = sc.a if who == "a" else sc.staff
    with pytest.raises(error, match=message):
        create_order(db, actor, numbers)
    assert count(db, PaymentOrder) == 0
    refused = audit_lines(db, "payment_order_created") + audit_lines(db, "access_denied")
    assert len(refused) == 1 and refused[0][2] in ("refused", "denied", "not_found")


def test_another_companys_permit_reads_like_a_missing_one_and_is_audited(db: Database) -> None:
    sc = scene(db)
    with pytest.raises(NotFound) as theirs:
        create_order(db, sc.a, ["B2611-009"])
    with pytest.raises(NotFound) as missing:
        create_order(db, sc.a, ["B2611-404"])
    assert str(theirs.value) == str(missing.value)
    assert audit_lines(db, "access_denied") == [("ACME ELECTRIC INC", "B2611-009", "denied")]


def test_a_permit_is_on_one_open_order_until_it_expires(db: Database, clock: FixedClock) -> None:
    sc = scene(db)
    first = create_order(db, sc.a, ["B2611-001"])
    with pytest.raises(RuleViolation, match="B2611-001 is already on order PO-2611-0001"):
        create_order(db, sc.a, ["B2611-002", "B2611-001"])

    clock.set(first.expires_at)  # valid up to and including its last moment
    assert orders_for_permit(db, sc.a, "B2611-001")[0].state is OrderState.OPEN
    with pytest.raises(RuleViolation, match="already on order"):
        create_order(db, sc.a, ["B2611-001"])

    clock.set(first.expires_at + timedelta(seconds=1))
    assert orders_for_permit(db, sc.a, "B2611-001")[0].state is OrderState.EXPIRED
    assert payable_permits(db, sc.a)[0].open_order is None
    second = create_order(db, sc.a, ["B2611-001"])
    assert second.number == "PO-2611-0002"
    listed = orders_for_permit(db, sc.a, "B2611-001")
    assert [(o.number, o.state) for o in listed] == [
        ("PO-2611-0002", OrderState.OPEN),
        ("PO-2611-0001", OrderState.EXPIRED),
    ]


def test_cancelling_frees_the_permits_and_only_the_maker_or_staff_may(any_db: Database) -> None:
    sc = scene(any_db)
    order = create_order(any_db, sc.a, ["B2611-001", "B2611-002"])

    with pytest.raises(NotFound, match="payment order not found"):
        cancel_order(any_db, sc.b, order.number)
    assert audit_lines(any_db, "access_denied") == [("B COMPANY", order.number, "denied")]

    cancelled = cancel_order(any_db, sc.a, order.number.lower())
    assert cancelled.state is OrderState.CANCELLED
    with pytest.raises(RuleViolation, match="already cancelled"):
        cancel_order(any_db, sc.staff, order.number)
    assert [o.state for o in orders_for_permit(any_db, sc.a, "B2611-002")] == [OrderState.CANCELLED]
    again = create_order(any_db, sc.a, ["B2611-002"])
    assert again.state is OrderState.OPEN
    assert cancel_order(any_db, sc.staff, again.number).state is OrderState.CANCELLED
    assert [t for _, t, o in audit_lines(any_db, "payment_order_cancelled") if o == "ok"] == [
        order.number,
        again.number,
    ]


def test_orders_of_a_permit_are_the_fees_tabs_to_see(db: Database) -> None:
    sc = scene(db)
    create_order(db, sc.a, ["B2611-001"])
    with pytest.raises(NotFound):
        orders_for_permit(db, sc.b, "B2611-001")
    staff_view = orders_for_permit(db, sc.staff, "B2611-001")
    assert [o.number for o in staff_view] == ["PO-2611-0001"]
    assert orders_for_permit(db, sc.a, "B2611-002") == []

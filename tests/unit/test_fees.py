"""Fees: the breakdown adds up, staff payments lower what is due, and nobody else records."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.errors import NotFound, RuleViolation, ValidationFailed
from etrakit_tui.domain.permits.dashboard import active_permits_page
from etrakit_tui.domain.permits.fees import fee_breakdown, format_cents, record_payment
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import AuditEvent, Payment
from tests.support.readside import Builder


def _permit_with_fees(db: Database) -> tuple[Actor, Actor, Actor, Actor]:
    b = Builder(db)
    owner = b.company("ACME ELECTRIC INC")
    other = b.company("OTHER BUILDERS")
    staff = b.staff("cashier", full_name="Casey Cashier")
    inspector = b.staff("inspector", role="inspector")
    pid = b.permit("B2611-001", companies=(owner,))
    b.fee(pid, "PERMIT", 10_000, "Electrical permit")
    b.fee(pid, "PLAN", 2_345, "Plan check")
    b.payment(pid, 5_000)
    return owner, other, staff, inspector


def _payments(db: Database) -> int:
    with db.read() as s:
        return s.exec(select(func.count()).select_from(Payment)).one()


def _audit(db: Database, action: str) -> list[tuple[str, str]]:
    with db.read() as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.action == action)).all()
        return [(r.outcome, r.detail) for r in rows]


def test_breakdown_lists_each_fee_and_payment_and_what_is_due(any_db: Database) -> None:
    owner, _, _, _ = _permit_with_fees(any_db)
    breakdown = fee_breakdown(any_db, owner, "B2611-001")
    assert [(f.code, f.amount_cents) for f in breakdown.fees] == [
        ("PERMIT", 10_000),
        ("PLAN", 2_345),
    ]
    assert [p.amount_cents for p in breakdown.payments] == [5_000]
    assert (breakdown.total_fees_cents, breakdown.total_paid_cents) == (12_345, 5_000)
    assert breakdown.amount_due_cents == 7_345
    # The dashboard's column comes from the same rule.
    [row] = active_permits_page(any_db, owner).items
    assert row.fees_due_cents == 7_345


def test_a_staff_payment_lowers_the_amount_due(any_db: Database) -> None:
    owner, _, staff, _ = _permit_with_fees(any_db)
    after = record_payment(any_db, staff, "b2611-001", 7_000, "check", "CK 1042")
    assert after.amount_due_cents == 345
    assert after.payments[-1].method == "CHECK"
    assert after.payments[-1].reference == "CK 1042"
    assert after.payments[-1].paid_at == any_db.now()
    assert fee_breakdown(any_db, owner, "B2611-001").amount_due_cents == 345
    assert _audit(any_db, "payment_recorded") == [("ok", "$70.00 CHECK CK 1042")]

    paid_off = record_payment(any_db, staff, "B2611-001", 345, "CASH")
    assert paid_off.amount_due_cents == 0


def test_an_overpayment_is_refused_and_nothing_is_recorded(any_db: Database) -> None:
    _, _, staff, _ = _permit_with_fees(any_db)
    with pytest.raises(RuleViolation, match=r"exceeds the amount due \(\$73\.45\)") as refused:
        record_payment(any_db, staff, "B2611-001", 7_346)
    assert refused.value.field == "amount"
    assert _payments(any_db) == 1
    assert [outcome for outcome, _ in _audit(any_db, "payment_recorded")] == ["refused"]


@pytest.mark.parametrize("amount", [0, -100])
def test_a_payment_must_be_positive(db: Database, amount: int) -> None:
    _, _, staff, _ = _permit_with_fees(db)
    with pytest.raises(ValidationFailed) as refused:
        record_payment(db, staff, "B2611-001", amount)
    assert set(refused.value.errors) == {"amount"}
    assert _payments(db) == 1


def test_a_payment_needs_a_known_method_and_a_clean_reference(db: Database) -> None:
    _, _, staff, _ = _permit_with_fees(db)
    with pytest.raises(ValidationFailed) as refused:
        record_payment(db, staff, "B2611-001", 100, "BITCOIN", "ref\x1b[31m")
    assert set(refused.value.errors) == {"method", "reference"}


def test_companies_and_inspectors_cannot_record_payments(db: Database) -> None:
    owner, other, _, inspector = _permit_with_fees(db)
    with pytest.raises(RuleViolation, match="staff"):
        record_payment(db, owner, "B2611-001", 100)
    with pytest.raises(NotFound):
        record_payment(db, other, "B2611-001", 100)
    with pytest.raises(NotFound):
        record_payment(db, inspector, "B2611-001", 100)
    assert _payments(db) == 1
    with db.read() as s:
        denied = s.exec(select(AuditEvent).where(AuditEvent.action == "access_denied")).all()
    assert sorted(e.actor_id or 0 for e in denied) == sorted([other.id or 0, inspector.id or 0])


def test_money_reads_the_portals_way() -> None:
    assert format_cents(0) == "$0.00"
    assert format_cents(123_456_78) == "$123,456.78"
    assert format_cents(-5) == "-$0.05"


def test_two_cashiers_paying_the_balance_at_once_collect_it_once(any_db: Database) -> None:
    import threading

    _, _, staff, _ = _permit_with_fees(any_db)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def pay() -> None:
        barrier.wait()
        try:
            record_payment(any_db, staff, "B2611-001", 7_345)
            outcomes.append("paid")
        except RuleViolation:
            outcomes.append("refused")

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["paid", "refused"]
    assert _payments(any_db) == 2

"""The processor's settlement file, on SQLite and PostgreSQL: each row pays its order once
(fees paid, order PAID, one receipt email over real SMTP, a FINAL inspection now requestable),
or is not applied with its reason; a bad row never blocks the good ones."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from etrakit_tui.domain.errors import NotFound
from etrakit_tui.domain.inspections.requests import inspection_types_for, request_refusal
from etrakit_tui.domain.notify.smtp import deliver_pending
from etrakit_tui.domain.payments.orders import create_order, orders_for_permit
from etrakit_tui.domain.payments.settlement import import_settlement
from etrakit_tui.domain.payments.views import OrderState, SettlementLine, SettlementReport
from etrakit_tui.domain.permits.fees import fee_breakdown, record_payment
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import Outbox, Payment, PaymentOrder
from etrakit_tui.settings import SettlementColumns, SmtpSettings
from tests.unit.payments_support import HEADER, Scene, count, scene, with_payment_url
from tests.unit.test_mailer import Inbox, free_port


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[SmtpSettings, Inbox]]:
    port = free_port()
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield SmtpSettings(host="127.0.0.1", port=port, sender="permits@hemet.example"), handler
    controller.stop()


def due(db: Database, sc: Scene, number: str) -> int:
    return fee_breakdown(db, sc.a, number).amount_due_cents


def state(db: Database, sc: Scene, number: str) -> OrderState:
    return orders_for_permit(db, sc.a, number)[0].state


def settle(db: Database, sc: Scene, body: str) -> SettlementReport:
    return import_settlement(db, sc.staff, (HEADER + body).encode())


def outcomes(report: SettlementReport) -> list[tuple[int, str, str]]:
    return [(line.line, line.outcome, line.reason) for line in report.lines]


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def test_a_paid_order_pays_its_fees_once_with_one_receipt(
    any_db: Database, smtp_inbox: tuple[SmtpSettings, Inbox]
) -> None:
    smtp, inbox = smtp_inbox
    db = with_payment_url(any_db)
    sc = scene(db)
    order = create_order(db, sc.a, ["B2611-001", "B2611-002"])
    final = "A final inspection cannot be requested while fees are due ($116.00)"
    assert request_refusal(db, sc.a, "B2611-001") == final + "; please pay them first."
    data = HEADER + f"{order.number},166.00,2026-11-18T10:15:00-08:00,T-884213\n"

    report = import_settlement(db, sc.staff, data.encode())

    assert report == SettlementReport(
        (SettlementLine(2, order.number, "T-884213", 16_600, "applied", ""),), 1, 0, None
    )
    assert (due(db, sc, "B2611-001"), due(db, sc, "B2611-002")) == (0, 0)
    paid = orders_for_permit(db, sc.a, "B2611-001")[0]
    assert (paid.state, paid.transaction_id) == (OrderState.PAID, "T-884213")
    assert paid.paid_at is not None and paid.paid_at.isoformat() == "2026-11-18T18:15:00+00:00"
    payments = fee_breakdown(db, sc.a, "B2611-001").payments
    assert [(p.amount_cents, p.method, p.reference) for p in payments] == [
        (11_600, "ONLINE", "T-884213")
    ]
    assert request_refusal(db, sc.a, "B2611-001") is None
    assert [(t.code, t.requestable) for t in inspection_types_for(db, sc.a, "B2611-001")] == [
        ("FINAL", True)
    ]

    # the same file again: nothing applied, no second payment, no second email
    again = import_settlement(db, sc.staff, data.encode())
    assert outcomes(again) == [(2, "already applied", "")]
    assert (again.applied, again.not_applied) == (0, 0)
    assert count(db, Payment) == 3  # two online + the counter payment of the scene
    assert deliver_pending(db, smtp).sent == 1
    assert deliver_pending(db, smtp).sent == 0
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == "pm@acme.example"
    assert order.number in mail["Subject"] and "$166.00" in mail["Subject"]
    text = body_of(mail)
    for needle in ("T-884213", "B2611-001", "3800 THORN ST", "$116.00", "$50.00", "10:15am"):
        assert needle in text


def test_a_transaction_twice_in_one_file_is_not_applied(any_db: Database) -> None:
    sc = scene(any_db)
    order = create_order(any_db, sc.a, ["B2611-001"])
    row = f"{order.number},116.00,2026-11-18T10:15:00-08:00,T-1\n"
    report = settle(any_db, sc, row + row)
    reason = "transaction T-1 appears twice in this file"
    assert outcomes(report) == [(2, "not applied", reason), (3, "not applied", reason)]
    assert due(any_db, sc, "B2611-001") == 11_600
    assert state(any_db, sc, "B2611-001") is OrderState.OPEN
    assert count(any_db, Outbox) == 0


def test_rows_that_do_not_match_their_order_are_listed_with_the_reason(
    any_db: Database, clock: FixedClock
) -> None:
    sc = scene(any_db)
    mismatch = create_order(any_db, sc.a, ["B2611-001"])
    cancelled = create_order(any_db, sc.a, ["B2611-002"])
    from etrakit_tui.domain.payments.orders import cancel_order

    cancel_order(any_db, sc.a, cancelled.number)
    late = create_order(any_db, sc.b, ["B2611-009"])
    expiry = late.expires_at.astimezone(any_db.jurisdiction.zone)
    after = (expiry + timedelta(seconds=1)).isoformat()
    report = settle(
        any_db,
        sc,
        f"{mismatch.number},100.00,2026-11-18T10:15:00-08:00,T-1\n"
        "PO-2611-0099,116.00,2026-11-18T10:15:00-08:00,T-2\n"
        f"{cancelled.number},50.00,2026-11-18T10:15:00-08:00,T-3\n"
        f"{late.number},70.00,{after},T-4\n",
    )
    assert outcomes(report) == [
        (2, "not applied", "the amount 100.00 differs from the order's total 116.00"),
        (3, "not applied", "there is no order PO-2611-0099"),
        (4, "not applied", f"order {cancelled.number} was cancelled"),
        (5, "not applied", f"order {late.number} expired (2026-11-25 10:00) before it was paid"),
    ]
    assert (report.applied, report.not_applied) == (0, 4)
    assert count(any_db, Payment) == 1 and count(any_db, Outbox) == 0
    assert due(any_db, sc, "B2611-001") == 11_600


def test_an_order_paid_at_its_last_valid_moment_is_applied_even_if_imported_later(
    any_db: Database, clock: FixedClock
) -> None:
    sc = scene(any_db)
    order = create_order(any_db, sc.a, ["B2611-001"])
    clock.set(order.expires_at + timedelta(days=2))  # the import runs after it expired
    last = order.expires_at.isoformat()
    report = settle(any_db, sc, f"{order.number},116.00,{last},T-9\n")
    assert outcomes(report) == [(2, "applied", "")]
    assert state(any_db, sc, "B2611-001") is OrderState.PAID


def test_fees_paid_at_the_counter_meanwhile_are_not_paid_twice(any_db: Database) -> None:
    sc = scene(any_db)
    order = create_order(any_db, sc.a, ["B2611-001", "B2611-002"])
    record_payment(any_db, sc.staff, "B2611-002", 5_000, "CASH")
    report = settle(any_db, sc, f"{order.number},166.00,2026-11-18T11:00:00Z,T-7\n")
    assert outcomes(report) == [
        (
            2,
            "not applied",
            "fees already paid at the counter: B2611-002 now owes $0.00, the order $50.00",
        )
    ]
    assert due(any_db, sc, "B2611-001") == 11_600
    assert state(any_db, sc, "B2611-001") is OrderState.OPEN
    assert count(any_db, Outbox) == 0


def test_bad_rows_are_one_line_each_and_the_good_row_is_still_applied(any_db: Database) -> None:
    sc = scene(any_db)
    good = create_order(any_db, sc.a, ["B2611-001"])
    other = create_order(any_db, sc.b, ["B2611-009"])
    n = other.number
    report = settle(
        any_db,
        sc,
        f"{n},-70.00,2026-11-18T10:15:00-08:00,T-10\n"
        f"{n},seventy,2026-11-18T10:15:00-08:00,T-11\n"
        f"{n},70.00,18/11/2026 10:15,T-12\n"
        f"{n},70.00\n"
        f'"{n}"x,70.00,2026-11-18T10:15:00-08:00,T-13\n'
        "\n"
        f"{good.number},$116.00,2026-11-18 10:15,T-14\n",
    )
    assert outcomes(report) == [
        (2, "not applied", "the amount -70.00 is negative"),
        (3, "not applied", "the amount 'seventy' is not a number like 116.00"),
        (
            4,
            "not applied",
            "the paid-at time '18/11/2026 10:15' is not a time like 2026-11-18T10:15:00-08:00",
        ),
        (5, "not applied", "malformed CSV: the row has 2 fields, the header 4"),
        (6, "not applied", "malformed CSV (',' expected after '\"')"),
        (8, "applied", ""),
    ]
    assert (report.applied, report.not_applied) == (1, 5)
    assert report.lines[-1].amount_cents == 11_600
    assert state(any_db, sc, "B2611-001") is OrderState.PAID
    assert orders_for_permit(any_db, sc.b, "B2611-009")[0].state is OrderState.OPEN
    # a naive time is Hemet's: 10:15 PST is 18:15 UTC
    paid_at = orders_for_permit(any_db, sc.a, "B2611-001")[0].paid_at
    assert paid_at is not None and paid_at.isoformat() == "2026-11-18T18:15:00+00:00"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (
            "Order Number,Amount\n".encode("utf-16"),
            "The file is not UTF-8 text (byte 1 cannot be read)",
        ),
        (
            HEADER.encode() + "PO-2611-0001,116.00,2026-11-18,Café\n".encode("latin-1"),
            "The file is not UTF-8 text",
        ),
        (b"", "The file is empty"),
        (b"Order,Amount,Paid At,Transaction ID\n", 'The file has no "Order Number" column'),
    ],
)
def test_a_whole_file_problem_applies_nothing(db: Database, data: bytes, problem: str) -> None:
    sc = scene(db)
    create_order(db, sc.a, ["B2611-001"])
    report = import_settlement(db, sc.staff, data)
    assert report.problem is not None and report.problem.startswith(problem)
    assert report.lines == () and count(db, Payment) == 1


def test_a_byte_order_mark_and_mapped_columns_are_fine(db: Database) -> None:
    columns = SettlementColumns(order="ref", amount="amt", paid_at="when", transaction="txn")
    mapped = with_payment_url(db, settlement_columns=columns.model_dump())
    sc = scene(mapped)
    order = create_order(mapped, sc.a, ["B2611-001"])
    data = "\ufeffTXN,ref,extra,amt,when\nT-5,{},x,116.00,2026-11-18T10:15:00Z\n"
    report = import_settlement(mapped, sc.staff, data.format(order.number).encode())
    assert outcomes(report) == [(2, "applied", "")]


def test_no_email_on_the_profile_still_applies_and_says_so(db: Database) -> None:
    sc = scene(db, email="")
    order = create_order(db, sc.a, ["B2611-001"])
    report = settle(db, sc, f"{order.number},116.00,2026-11-18T10:15:00Z,T-6\n")
    assert outcomes(report) == [
        (2, "applied", "no receipt email: the company has no email address")
    ]
    assert count(db, Outbox) == 0


def test_only_staff_import_settlements(db: Database) -> None:
    sc = scene(db)
    order = create_order(db, sc.a, ["B2611-001"])
    data = (HEADER + f"{order.number},116.00,2026-11-18T10:15:00Z,T-8\n").encode()
    with pytest.raises(NotFound):
        import_settlement(db, sc.a, data)
    with db.read() as s:
        assert s.exec(select(PaymentOrder.status)).all() == ["OPEN"]

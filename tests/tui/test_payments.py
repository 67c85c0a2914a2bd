"""Paying fees from the portal (issue 15), by keys only: a contractor opens a permit's Fees,
presses P, picks, Enter — and sees the payment order with its number, total, the payment
page and its QR code; cancels it; the Fees popup lists it with its state. Staff import the
processor's settlement file from the desk (locally), and the contractor sees the receipt;
over SSH the desk says to use the command line instead."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from etrakit_tui.democity.payorder import DEMO_PAYMENT_URL, demo_jurisdiction
from etrakit_tui.domain.accounts.actors import ActorKind
from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.domain.payments import orders
from etrakit_tui.domain.payments.views import (
    OrderItem,
    OrderState,
    PayablePermit,
    PaymentOrderView,
)
from etrakit_tui.domain.permits.fees import format_cents
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.settings import DEFAULT_JURISDICTION
from etrakit_tui.tui.app import EtrakitApp, make_app
from etrakit_tui.tui.screens.fees import FeesScreen
from etrakit_tui.tui.screens.payments import OrderScreen, PayScreen
from etrakit_tui.tui.widgets.qr import QrCode, qr_lines
from tests.support.injection import (
    SHORT_CORPUS,
    assert_inert_output,
    injected_links,
    screen_text,
    shown_form,
)
from tests.tui.conftest import copy_demo, demo_template_path, type_text, until
from tests.tui.forms_support import flat, on_screen, signed_in
from tests.tui.test_dashboard import dashboard_ready, hemet_actor, table
from tests.tui.test_navigation import sign_in_as


def pay_app(tmp_path: Path, clock: FixedClock, *, remote: bool = False) -> EtrakitApp:
    """The demo city (a fresh copy) under the demo's rules (its payment page), as ``--demo``
    runs it."""
    jurisdiction = demo_jurisdiction(DEFAULT_JURISDICTION)
    url = f"sqlite:///{copy_demo(demo_template_path(), tmp_path)}"
    database = Database.open(url, jurisdiction=jurisdiction, clock=clock)
    return make_app(database, demo=True, remote=remote)


def free_permit(database: Database) -> PayablePermit:
    """A CITY OF HEMET permit with fees due and on no open order, shown on its dashboard."""
    return next(
        p for p in orders.payable_permits(database, hemet_actor(database)) if p.open_order is None
    )


async def open_fees(app: EtrakitApp, pilot: object, number: str) -> FeesScreen:
    """From the dashboard: the permit's row, then F (its Fees popup)."""
    rows = table(app, "active-permits")
    index = next(i for i, item in enumerate(rows.items) if item.number == number)
    await pilot.press(*["down"] * index, "f")  # type: ignore[attr-defined]
    await until(pilot, lambda: isinstance(app.screen, FeesScreen), "the fees")  # type: ignore[arg-type]
    screen = app.screen
    assert isinstance(screen, FeesScreen)
    await until(pilot, lambda: "AMOUNT DUE" in flat(pilot), "the breakdown")  # type: ignore[arg-type]
    return screen


async def test_a_contractor_pays_from_the_fees_popup_and_cancels_the_order(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = pay_app(tmp_path, clock)
    permit = free_permit(app.database)
    due = format_cents(permit.amount_due_cents)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in_as(pilot, ActorKind.COMPANY)
        await dashboard_ready(pilot)
        fees = await open_fees(app, pilot, permit.number)

        # P: the Pay screen, this permit picked; Space unpicks and picks it again.
        await pilot.press("p")
        await on_screen(pilot, "PayScreen")
        pay = app.screen
        assert isinstance(pay, PayScreen)
        await until(pilot, lambda: f"Picked: 1 permit, {due}" in flat(pilot), "the pick")
        assert "[x]" in flat(pilot) and permit.number in flat(pilot)
        await pilot.press("space")
        await until(pilot, lambda: "Nothing picked yet." in flat(pilot), "unpicked")
        await pilot.press("space")
        await until(pilot, lambda: f"Picked: 1 permit, {due}" in flat(pilot), "picked again")

        # Enter: the order — its number, the permit, the total, the page and its QR code.
        await pilot.press("enter")
        await on_screen(pilot, "OrderScreen")
        screen = app.screen
        assert isinstance(screen, OrderScreen)
        view = screen.view
        assert re.fullmatch(r"PO-\d{4}-\d{4}", view.number)
        assert view.state is OrderState.OPEN and view.total_cents == permit.amount_due_cents
        text = flat(pilot)
        assert f"Payment order {view.number}" in text
        assert f"TOTAL {due}" in text and permit.number in text
        assert "Valid until" in text
        amount = due.removeprefix("$").replace(",", "")
        url = DEMO_PAYMENT_URL.format(order=view.number, amount=amount)
        assert view.pay_url == url
        qr = screen.query_one(QrCode)
        assert qr.lines == qr_lines(url) and qr.region.height == len(qr.lines)
        shown = app.screen.query_one("#order-body")
        assert shown.virtual_size.height >= len(qr.lines)
        await pilot.press("down", "down", "down", "down", "down", "down", "down", "down")
        await until(pilot, lambda: url in flat(pilot).replace(" ", ""), "the URL as text")
        assert "c Cancel order" in flat(pilot)

        # C, Y: cancelled; the order says so and C is gone.
        await pilot.press("c")
        await on_screen(pilot, "ConfirmScreen")
        assert f"Cancel payment order {view.number}?" in flat(pilot)
        await pilot.press("y")
        await until(pilot, lambda: f"Order {view.number} is cancelled." in flat(pilot))
        assert isinstance(app.screen, OrderScreen) and app.screen.view.state is OrderState.CANCELLED
        assert "CANCELLED" in flat(pilot) and "Cancel order" not in flat(pilot)

        # Esc: the Pay screen (the permit payable again); Esc: the Fees popup lists the order.
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is pay, "the Pay screen")
        await until(pilot, lambda: "[ ]" in flat(pilot), "the permit, not picked, no order")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is fees, "the fees")
        await until(pilot, lambda: view.number in flat(pilot), "the order on the Fees popup")
        assert re.search(rf"{view.number} +CANCELLED +{re.escape(due)}", flat(pilot))

        # Enter on the Fees popup: the (cancelled) order again.
        await pilot.press("enter")
        await on_screen(pilot, "OrderScreen")
        assert app.screen.view.number == view.number  # type: ignore[attr-defined]


async def test_p_on_a_permit_already_on_an_order_says_so_and_o_opens_it(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = pay_app(tmp_path, clock)
    permit = free_permit(app.database)
    made = orders.create_order(app.database, hemet_actor(app.database), [permit.number])
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in_as(pilot, ActorKind.COMPANY)
        await dashboard_ready(pilot)
        await open_fees(app, pilot, permit.number)
        await until(pilot, lambda: made.number in flat(pilot), "the open order")
        await pilot.press("p")
        await until(pilot, lambda: "already on order" in flat(pilot), "why not")
        assert f"{permit.number} is already on order {made.number}: press O" in flat(pilot)
        assert isinstance(app.screen, FeesScreen)
        await pilot.press("o")
        await on_screen(pilot, "OrderScreen")
        assert app.screen.view.number == made.number  # type: ignore[attr-defined]
        assert "Valid until" in flat(pilot)


async def test_staff_import_a_settlement_and_the_contractor_sees_the_receipt(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = pay_app(tmp_path, clock)
    permit = free_permit(app.database)
    made = orders.create_order(app.database, hemet_actor(app.database), [permit.number])
    amount = format_cents(made.total_cents).removeprefix("$").replace(",", "")
    csv = tmp_path / "settlement.csv"
    csv.write_text(
        "Order Number,Amount,Paid At,Transaction ID\n"
        f"{made.number},{amount},2026-11-18T10:15:00-08:00,T-884213\n"
        f"PO-2611-9999,{amount},2026-11-18T10:16:00-08:00,T-884214\n",
        encoding="utf-8",
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in_as(pilot, ActorKind.STAFF)
        await pilot.press("t")
        await on_screen(pilot, "SettlementScreen")
        await type_text(pilot, str(csv))
        await pilot.press("enter")
        await until(pilot, lambda: "1 applied" in flat(pilot), "the report")
        text = flat(pilot)
        assert "2 rows: 1 applied, 0 already applied, 1 not applied." in text
        assert made.number in text and "T-884213" in text and "PO-2611-9999" in text
        await pilot.press("enter")  # again: nothing applied twice
        await until(pilot, lambda: "0 applied, 1 already applied" in flat(pilot), "again")

        await pilot.press("f10")
        await on_screen(pilot, "LoginScreen")
        await sign_in_as(pilot, ActorKind.COMPANY)
        await dashboard_ready(pilot)
        await open_fees(app, pilot, permit.number)
        await until(pilot, lambda: made.number in flat(pilot), "the paid order")
        assert re.search(rf"{made.number} +PAID", flat(pilot))
        assert re.search(r"AMOUNT DUE +\$0\.00", flat(pilot))
        await pilot.press("enter")
        await on_screen(pilot, "OrderScreen")
        text = flat(pilot)
        assert f"Receipt for payment order {made.number}" in text
        assert "Transaction: T-884213" in text and "PAID 11/18/2026 10:15am" in text
        assert f"TOTAL PAID {format_cents(made.total_cents)}" in text
        assert not app.screen.query(QrCode)


async def test_over_ssh_the_settlement_import_says_to_use_the_command_line(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = pay_app(tmp_path, clock, remote=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in_as(pilot, ActorKind.STAFF)
        await pilot.press("t")
        await on_screen(pilot, "SettlementScreen")
        await until(pilot, lambda: "etrakit-tui payment import FILE" in flat(pilot))
        assert "served over SSH" in flat(pilot)
        assert not app.screen.query("#field-path") and "Import" not in flat(pilot).split()[-6:]
        await pilot.press("escape")
        await on_screen(pilot, "StaffHomeScreen")


async def test_the_pay_screen_is_f12_for_a_contractor(tmp_path: Path, clock: FixedClock) -> None:
    app = pay_app(tmp_path, clock)
    expected = orders.payable_permits(app.database, hemet_actor(app.database))
    with pytest.raises(EtrakitError) as refused:
        orders.create_order(app.database, hemet_actor(app.database), [])
    refusal = " ".join(str(refused.value).split())
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in_as(pilot, ActorKind.COMPANY)
        await pilot.press("f12")
        await on_screen(pilot, "PayScreen")
        count = len(expected)
        await until(pilot, lambda: f"{count} permit" in flat(pilot), "the permits")
        assert "Nothing picked yet." in flat(pilot)
        await pilot.press("enter")  # nothing picked: the domain says why, on the screen
        await until(pilot, lambda: refusal in flat(pilot), "the refusal")
        assert isinstance(app.screen, PayScreen)


async def test_an_order_shows_hostile_text_inert(tmp_path: Path, clock: FixedClock) -> None:
    """Addresses, the instructions and the URL (data and settings) are shown as text: no
    markup runs, no escape reaches the terminal; the QR code is blocks only."""
    now = clock.now()
    view = PaymentOrderView(
        number="PO-2611-0007",
        state=OrderState.OPEN,
        total_cents=200,
        created_at=now,
        expires_at=now + timedelta(days=7),
        items=tuple(OrderItem(f"B2611-{i:03d}", v, 1) for i, v in enumerate(SHORT_CORPUS[:2])),
        pay_url="https://pay.example.gov/[@click=app.quit]x[/]?ref=PO-2611-0007",
        instructions="\n".join(SHORT_CORPUS),
        paid_at=None,
        transaction_id=None,
    )
    app = pay_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, "CITY OF HEMET", "hemetdemo1")
        app.push_screen(OrderScreen(view))
        await on_screen(pilot, "OrderScreen")
        await until(pilot, lambda: app.screen.query(QrCode), "the QR code")
        seen = ""
        for _ in range(6):
            assert_inert_output(screen_text(app))
            assert injected_links(app) == []
            seen += flat(pilot)
            await pilot.press("pagedown")
            await pilot.pause()
        assert shown_form(SHORT_CORPUS[0]) in seen and "[@click=app.quit]x[/]" in seen
        assert app.is_running

"""The fee breakdown of a permit (dashboard ``f``, permit screen ``f``): each fee, each
payment, and the amount due — ``fees.fee_breakdown`` shown as plain text — then the permit's
payment orders with their state (issue 15): ``p`` pays the fees (:class:`PayScreen` with
this permit picked), Enter or ``o`` opens an order (a paid one shows its receipt)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Static

from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.domain.inspections.calendar import format_date, format_moment
from etrakit_tui.domain.payments import orders
from etrakit_tui.domain.payments.views import OrderState, PaymentOrderView
from etrakit_tui.domain.permits import fees
from etrakit_tui.domain.permits.fees import format_cents
from etrakit_tui.domain.permits.views import FeeBreakdown
from etrakit_tui.text import defuse
from etrakit_tui.tui.safe import inert, inert_text
from etrakit_tui.tui.screens.modal import PortalModal
from etrakit_tui.tui.screens.payments import OrderScreen, PayScreen
from etrakit_tui.tui.workers import run_service

if TYPE_CHECKING:
    from etrakit_tui.tui.app import EtrakitApp

WIDTH = 66
"""Characters per line of the breakdown (fits an 80-column terminal with the frame)."""


def _cell(value: object, width: int) -> str:
    """``value`` made safe and cut/padded to ``width`` characters."""
    text = defuse(value)
    if len(text) > width:
        text = text[: max(width - 1, 0)] + "\N{HORIZONTAL ELLIPSIS}"
    return text.ljust(width)


def _money_line(label: str, cents: int) -> str:
    amount = format_cents(cents)
    return f"{_cell(label, WIDTH - len(amount) - 1)} {amount}"


def breakdown_text(breakdown: FeeBreakdown, app: EtrakitApp) -> str:
    """The breakdown as lines of text (columns padded; every value defused)."""
    zone = app.database.jurisdiction.zone
    lines = ["FEES"]
    if not breakdown.fees:
        lines.append("  No fees assessed.")
    for fee in breakdown.fees:
        amount = format_cents(fee.amount_cents)
        lines.append(
            f"  {_cell(fee.code, 8)} {_cell(fee.description, 30)} "
            f"{_cell(format_date(fee.assessed_on), 10)} {amount.rjust(WIDTH - 53)}"
        )
    lines += [_money_line("  Total fees", breakdown.total_fees_cents), "", "PAYMENTS"]
    if not breakdown.payments:
        lines.append("  No payments received.")
    for payment in breakdown.payments:
        amount = format_cents(payment.amount_cents)
        paid_on = payment.paid_at.astimezone(zone).date()
        lines.append(
            f"  {_cell(format_date(paid_on), 10)} {_cell(payment.method, 6)} "
            f"{_cell(payment.reference, 31)} {amount.rjust(WIDTH - 52)}"
        )
    lines += [
        _money_line("  Total paid", breakdown.total_paid_cents),
        "",
        _money_line("AMOUNT DUE", breakdown.amount_due_cents),
    ]
    return "\n".join(lines)


def order_when(app: EtrakitApp, view: PaymentOrderView) -> str:
    """The date that matters for an order: paid on, valid until, expired or made on."""
    j = app.database.jurisdiction
    if view.state is OrderState.PAID and view.paid_at is not None:
        return f"paid {format_moment(j, view.paid_at)}"
    if view.state is OrderState.OPEN:
        return f"until {format_moment(j, view.expires_at)}"
    if view.state is OrderState.EXPIRED:
        return f"expired {format_moment(j, view.expires_at)}"
    return f"made {format_moment(j, view.created_at)}"


class FeesScreen(PortalModal[None]):
    """Fee breakdown of permit ``number``: fees, payments, amount due, payment orders."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "pay", "Pay", id="fees.pay", tooltip="Pay these fees (a payment order)"),
        Binding("o,enter", "open_order", "Open order", id="fees.order", tooltip="Its receipt"),
        Binding("escape,f", "close", "Close", id="fees.close", tooltip="Close the fees"),
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.breakdown: FeeBreakdown | None = None
        self.orders: list[PaymentOrderView] = []

    @property
    def portal(self) -> EtrakitApp:
        app: Any = self.app
        return app  # type: ignore[no-any-return]

    def compose(self) -> ComposeResult:
        with Vertical(id="fees-dialog", classes="dialog"):
            yield Static(inert(f"Fees — Permit #{self.number}"), id="fees-title", classes="title")
            with VerticalScroll(id="fees-body", can_focus=True):
                yield Static("Loading fees...", id="fees-text")
            yield Static("PAYMENT ORDERS", id="fees-orders-title")
            table = DataTable[object](id="fees-orders", cursor_type="row")
            table.add_column("ORDER NO.", width=13)
            table.add_column("STATE", width=9)
            table.add_column("TOTAL", width=11)
            table.add_column("WHEN", width=27)
            yield table
            yield Static("", id="fees-message", classes="empty")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#fees-body").focus()
        self.load()

    def load(self) -> None:
        """Read the breakdown and the permit's payment orders (again)."""
        actor = self.portal.actor
        if actor is None:
            return
        database, number = self.portal.database, self.number
        run_service(
            self,
            lambda: fees.fee_breakdown(database, actor, number),
            on_done=self._show,
            on_error=self._failed,
            group="fees",
        )
        run_service(
            self,
            lambda: orders.orders_for_permit(database, actor, number),
            on_done=self._show_orders,
            on_error=self._failed,
            group="fees-orders",
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pay":
            actor = self.portal.actor
            return actor is not None and actor.is_company
        if action == "open_order":
            return bool(self.orders)
        return True

    def _show(self, breakdown: FeeBreakdown) -> None:
        self.breakdown = breakdown
        self.query_one("#fees-text", Static).update(
            inert(breakdown_text(breakdown, self.portal), multiline=True)
        )
        self._amount_due_in_view()

    def _amount_due_in_view(self) -> None:
        """With orders listed the breakdown has less room: scroll it to its end, so the
        amount due shows beside the orders (the fees are a scroll up)."""
        if self.orders and self.breakdown is not None:
            body = self.query_one("#fees-body", VerticalScroll)
            self.call_after_refresh(body.scroll_end, animate=False)

    def _show_orders(self, views: list[PaymentOrderView]) -> None:
        self.orders = views
        table = self.query_one("#fees-orders", DataTable)
        row = table.cursor_row
        table.clear()
        for view in views:
            total = inert_text(format_cents(view.total_cents), justify="right")
            table.add_row(
                inert_text(view.number),
                inert_text(view.state.value),
                total,
                inert_text(order_when(self.portal, view)),
            )
        if views:
            table.move_cursor(row=min(max(row, 0), len(views) - 1))
        self.query_one("#fees-dialog").set_class(bool(views), "-orders")
        self.refresh_bindings()
        self._amount_due_in_view()

    def say(self, words: str) -> None:
        line = self.query_one("#fees-message", Static)
        line.update(inert(words))
        line.set_class(not words, "empty")

    def _failed(self, exc: EtrakitError) -> None:
        message = self.app.message_for(exc)  # type: ignore[attr-defined]
        self.query_one("#fees-text", Static).update(inert(message))

    def action_pay(self) -> None:
        """``p``: pay this permit's fees — or say why not (nothing due, already on an order)."""
        breakdown = self.breakdown
        if breakdown is None:
            return
        open_orders = [v for v in self.orders if v.state is OrderState.OPEN]
        if open_orders:
            self.say(
                f"{self.number} is already on order {open_orders[0].number}: press O to open it."
            )
            self.query_one("#fees-orders", DataTable).move_cursor(
                row=self.orders.index(open_orders[0])
            )
            return
        if breakdown.amount_due_cents <= 0:
            self.say(f"Nothing is due on {self.number}: nothing to pay.")
            return
        self.say("")
        self.app.push_screen(PayScreen(picked=(self.number,)), lambda _: self.load())

    def action_open_order(self) -> None:
        """Enter or ``o``: the highlighted order (a paid one: its receipt)."""
        table = self.query_one("#fees-orders", DataTable)
        if not self.orders or not 0 <= table.cursor_row < len(self.orders):
            return
        self.app.push_screen(OrderScreen(self.orders[table.cursor_row]), lambda _: self.load())

    @on(DataTable.RowSelected, "#fees-orders")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_order()

"""Paying fees (issue 15): :class:`PayScreen` picks the company's permits with fees due and
makes a payment order of them; :class:`OrderScreen` shows an order — its number, permits,
total and validity, how to pay it (the city's payment page as text and as a QR code, and the
division's words on paying in person, by phone or by mail) — or, once paid, its receipt.

The rules (what may be picked, what an order holds, who may cancel it) are the domain's
(``domain/payments/orders.py``); these screens keep only the words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Static

from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.domain.inspections.calendar import (
    format_moment,
)
from etrakit_tui.domain.payments import orders
from etrakit_tui.domain.payments.views import OrderState, PayablePermit, PaymentOrderView
from etrakit_tui.domain.permits.fees import format_cents
from etrakit_tui.settings import Jurisdiction
from etrakit_tui.tui.safe import inert, inert_text
from etrakit_tui.tui.screens.base import PortalScreen
from etrakit_tui.tui.screens.modal import ConfirmScreen, PortalModal
from etrakit_tui.tui.widgets.form_field import FormFooter
from etrakit_tui.tui.widgets.qr import QrCode
from etrakit_tui.tui.workers import run_service

if TYPE_CHECKING:
    from etrakit_tui.tui.app import EtrakitApp

SUMMARY_WIDTH = 30
"""Characters per line of an order's summary beside its QR code (80 columns in all)."""


def _money_line(label: str, cents: int, width: int) -> str:
    amount = format_cents(cents)
    room = max(width - len(amount) - 1, 1)
    label = label if len(label) <= room else label[: room - 1] + "\N{HORIZONTAL ELLIPSIS}"
    return f"{label.ljust(room)} {amount}"


def state_lines(j: Jurisdiction, view: PaymentOrderView) -> list[str]:
    """What the order is now, in words (lines of at most 30 characters)."""
    match view.state:
        case OrderState.OPEN:
            return ["OPEN", f"Valid until {format_moment(j, view.expires_at)}"]
        case OrderState.PAID:
            paid = format_moment(j, view.paid_at) if view.paid_at is not None else ""
            return [f"PAID {paid}".rstrip()]
        case OrderState.EXPIRED:
            return [f"EXPIRED {format_moment(j, view.expires_at)}", "(not paid in time)"]
        case _:
            return ["CANCELLED"]


def summary_lines(j: Jurisdiction, view: PaymentOrderView, width: int) -> list[str]:
    """The order (or, paid, its receipt) as lines of at most ``width`` characters: state,
    each permit with its address and amount, the total; a receipt adds the transaction."""
    lines = [*state_lines(j, view), f"Made {format_moment(j, view.created_at)}", ""]
    if view.state is OrderState.PAID:
        lines[:0] = ["RECEIPT", f"Order:       {view.number}"]
        lines.insert(3, f"Transaction: {view.transaction_id or ''}")
    for item in view.items:
        lines.append(_money_line(item.permit_number, item.amount_cents, width))
        lines.append(f"  {item.address}"[:width])
    paid = view.state is OrderState.PAID
    lines.append(_money_line("TOTAL PAID" if paid else "TOTAL", view.total_cents, width))
    return lines


def how_to_pay(view: PaymentOrderView) -> list[str]:
    """For an open order: the payment page (if the city has one), then the other ways."""
    if view.state is not OrderState.OPEN:
        return []
    lines = []
    if view.pay_url:
        lines += ["Pay online: scan the code with a phone, or go to", view.pay_url, ""]
    lines += [f"Other ways to pay (quote order {view.number}):", view.instructions]
    return lines


class OrderScreen(PortalModal[None]):
    """A payment order: what it pays and how to pay it, or its receipt. ``c`` cancels an
    open order (asks first)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "cancel_order", "Cancel order", id="order.cancel", tooltip="Cancel it"),
        Binding("escape", "close", "Close", id="order.close", tooltip="Back"),
    ]

    def __init__(self, view: PaymentOrderView) -> None:
        super().__init__()
        self.view = view
        self.message = ""
        self.busy = False

    @property
    def portal(self) -> EtrakitApp:
        return cast("EtrakitApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="order-dialog", classes="dialog"):
            yield Static(inert(self.title_words()), id="order-title", classes="title")
            with VerticalScroll(id="order-body", can_focus=True):
                yield from self.compose_body()
            yield Static(inert(self.message), id="order-message")
        yield Footer()

    def title_words(self) -> str:
        if self.view.state is OrderState.PAID:
            return f"Receipt for payment order {self.view.number}"
        return f"Payment order {self.view.number}"

    def compose_body(self) -> ComposeResult:
        j = self.portal.database.jurisdiction
        view = self.view
        qr = view.state is OrderState.OPEN and bool(view.pay_url)
        width = SUMMARY_WIDTH if qr else 70
        with Horizontal(id="order-top"):
            if qr and view.pay_url:
                yield QrCode(view.pay_url, id="order-qr")
            summary = "\n".join(summary_lines(j, view, width))
            yield Static(inert(summary, multiline=True), id="order-summary")
        pay = how_to_pay(view)
        if pay:
            yield Static(inert("\n".join(pay), multiline=True), id="order-pay")

    def on_mount(self) -> None:
        self.query_one("#order-body").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_order":
            return self.view.state is OrderState.OPEN
        return True

    async def show(self, view: PaymentOrderView, message: str = "") -> None:
        """Show ``view`` (the order as it is now) in place of the one shown."""
        self.view = view
        self.message = message
        await self.recompose()
        self.query_one("#order-body").focus()
        self.refresh_bindings()

    def say(self, words: str) -> None:
        self.query_one("#order-message", Static).update(inert(words))

    def action_cancel_order(self) -> None:
        """``c``: cancel this open order, after a yes/no question."""
        if self.busy or self.view.state is not OrderState.OPEN:
            return
        view = self.view

        def answered(yes: bool | None) -> None:
            if yes:
                self._cancel()

        total = format_cents(view.total_cents)
        self.app.push_screen(
            ConfirmScreen(
                f"Cancel payment order {view.number}?",
                f"It pays {total} of fees; they stay due until paid another way.",
                "Do not pay it afterwards: a payment of a cancelled order is not applied.",
                yes="Yes, cancel it",
            ),
            answered,
        )

    def _cancel(self) -> None:
        self.busy = True
        app, number = self.portal, self.view.number
        actor = app.actor
        if actor is None:
            return
        run_service(
            self,
            lambda: orders.cancel_order(app.database, actor, number),
            on_done=self._cancelled,
            on_error=self._failed,
            group="order-cancel",
        )

    async def _cancelled(self, view: PaymentOrderView) -> None:
        self.busy = False
        await self.show(view, f"Order {view.number} is cancelled.")

    def _failed(self, exc: EtrakitError) -> None:
        self.busy = False
        self.say(self.portal.message_for(exc))


# ---------------------------------------------------------------------------- pick and pay


class PayableTable(DataTable[object]):
    """The permits with fees due; its keys show first in the footer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "screen.pick", "Pick", id="pay.pick", tooltip="Pick or unpick"),
        Binding("p,enter", "screen.pay", "Pay", id="pay.pay", tooltip="Pay the picked permits"),
        Binding("o", "screen.open_order", "Open order", id="pay.order", tooltip="Its order"),
        Binding("r", "screen.reload", "Refresh", id="pay.reload", tooltip="Read again"),
    ]


class PayScreen(PortalScreen):
    """Pay fees: the company's permits with fees due; Space picks, Enter (or P) makes a
    payment order of the picked ones and shows it."""

    AUTO_FOCUS = "#payable"

    def __init__(self, picked: Sequence[str] = ()) -> None:
        super().__init__()
        self.picked: list[str] = list(picked)
        """The numbers picked, in the order they were picked."""
        self.permits: list[PayablePermit] = []
        self.busy = False

    def compose_footer(self) -> ComposeResult:
        yield FormFooter()

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Vertical(id="pay"):
            yield Static("Pay fees", classes="title")
            yield Static(
                "Space picks a permit; Enter (or P) makes a payment order of the picked "
                "permits and shows how to pay it: online, in person, by phone or by mail.",
                classes="note",
            )
            yield Static("Loading your permits with fees due...", id="pay-count")
            table = PayableTable(id="payable", cursor_type="row")
            table.add_column("PICK", key="pick", width=4)
            table.add_column("PERMIT NO.", key="number", width=10)
            table.add_column("ADDRESS", key="address", width=28)
            table.add_column("DUE", key="due", width=11)
            table.add_column("ON ORDER", key="order", width=13)
            yield table
            yield Static("", id="pay-total")
            yield Static("", id="pay-message")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        """Read the permits with fees due again."""
        self.call_service(
            orders.payable_permits, self.database, self.actor, on_done=self._show, group="pay"
        )

    def _show(self, permits: list[PayablePermit]) -> None:
        self.permits = permits
        pickable = {p.number for p in permits if p.open_order is None}
        self.picked = [n for n in self.picked if n in pickable]
        table = self.query_one("#payable", DataTable)
        row = table.cursor_row
        table.clear()
        for permit in permits:
            due = inert_text(format_cents(permit.amount_due_cents), justify="right")
            table.add_row(
                Text(self._mark(permit)),
                inert_text(permit.number),
                inert_text(permit.address),
                due,
                inert_text(permit.open_order or ""),
                key=permit.number,
            )
        if permits:
            first = next((i for i, p in enumerate(permits) if p.number in self.picked), row)
            table.move_cursor(row=min(max(first, 0), len(permits) - 1))
        count = len(permits)
        self.query_one("#pay-count", Static).update(
            inert(
                f"{count} permit{'s' if count != 1 else ''} with fees due."
                if count
                else "No fees are due on your permits: nothing to pay."
            )
        )
        self._show_total()

    def _mark(self, permit: PayablePermit) -> str:
        if permit.open_order is not None:
            return " - "
        return "[x]" if permit.number in self.picked else "[ ]"

    def _show_total(self) -> None:
        chosen = [p for p in self.permits if p.number in self.picked]
        total = sum(p.amount_due_cents for p in chosen)
        words = (
            f"Picked: {len(chosen)} permit{'s' if len(chosen) != 1 else ''}, "
            f"{format_cents(total)}. Enter pays them."
            if chosen
            else "Nothing picked yet."
        )
        self.query_one("#pay-total", Static).update(inert(words))

    def _current(self) -> PayablePermit | None:
        table = self.query_one("#payable", DataTable)
        if not self.permits or not 0 <= table.cursor_row < len(self.permits):
            return None
        return self.permits[table.cursor_row]

    def say(self, words: str) -> None:
        self.query_one("#pay-message", Static).update(inert(words))

    def show_failure(self, message: str) -> None:
        """Where the app's one error path shows a domain error on this screen."""
        self.busy = False
        self.say(message)

    def action_pick(self) -> None:
        """Space: pick or unpick the highlighted permit (one already on an order: say so)."""
        permit = self._current()
        if permit is None:
            return
        if permit.open_order is not None:
            self.say(
                f"{permit.number} is already on order {permit.open_order}: "
                "press O to open that order."
            )
            return
        if permit.number in self.picked:
            self.picked.remove(permit.number)
        else:
            self.picked.append(permit.number)
        table = self.query_one("#payable", DataTable)
        table.update_cell(permit.number, "pick", Text(self._mark(permit)))
        self.say("")
        self._show_total()

    def action_pay(self) -> None:
        """Enter or P: a payment order of the picked permits (the domain says if it can't)."""
        if self.busy:
            return
        self.busy = True
        self.say("")
        self.call_service(
            orders.create_order,
            self.database,
            self.actor,
            list(self.picked),
            on_done=self._made,
            on_error=self._refused,
            group="pay-order",
        )

    @on(DataTable.RowSelected, "#payable")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_pay()

    def _made(self, view: PaymentOrderView) -> None:
        self.busy = False
        self.picked = []
        self.app.push_screen(OrderScreen(view), lambda _: self.action_reload())
        self.action_reload()

    def _refused(self, exc: Exception) -> None:
        self.busy = False
        self.say(self.portal.message_for(exc))

    def action_open_order(self) -> None:
        """``o``: the open order the highlighted permit is on."""
        permit = self._current()
        if permit is None:
            return
        if permit.open_order is None:
            self.say(f"{permit.number} is on no open order.")
            return
        open_order(self, permit.number, permit.open_order, self.action_reload)


def open_order(
    screen: PortalScreen, permit_number: str, order_number: str, then: Callable[[], None]
) -> None:
    """Show order ``order_number`` (one of ``permit_number``'s orders) over ``screen``;
    ``then()`` when it closes."""

    def found(views: list[PaymentOrderView]) -> None:
        view = next((v for v in views if v.number == order_number), None)
        if view is not None:
            screen.app.push_screen(OrderScreen(view), lambda _: then())

    screen.call_service(
        orders.orders_for_permit,
        screen.database,
        screen.actor,
        permit_number,
        on_done=found,
        group="pay-open",
    )

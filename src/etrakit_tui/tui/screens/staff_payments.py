"""Staff desk — record a fee payment: type the permit number (Enter shows its fees,
payments and the amount due), then the amount, method and reference; Ctrl+S records it
and shows what is still due. The domain refuses a payment above the amount due."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.domain.permits import fees
from etrakit_tui.domain.permits.fees import format_cents
from etrakit_tui.domain.permits.views import FeeBreakdown
from etrakit_tui.domain.store.db import Database
from etrakit_tui.text import sentence
from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.screens.fees import breakdown_text
from etrakit_tui.tui.screens.staff_common import DESK_BINDINGS, DeskScreen
from etrakit_tui.tui.widgets.form_field import FormField, choice, text_input


def pay_from_form(
    db: Database, actor: Actor, number: str, amount: str, method: str, reference: str
) -> FeeBreakdown:
    """Read the amount as typed, then :func:`fees.record_payment`."""
    cents = fees.parse_cents(amount, "amount")
    return fees.record_payment(db, actor, number, cents, method, reference)


class PaymentScreen(DeskScreen, inherit_bindings=False):
    """Record a payment against a permit's fees."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s", "save", "Record payment", id="payment.save", tooltip="Record the payment"
        ),
        *DESK_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.number = ""
        self.saving = False
        self.prefilled = ""
        """The amount this screen last put in the Amount field (replaced by the next amount
        due only while it is still there as put)."""

    def compose(self) -> ComposeResult:
        methods = [(m, m) for m in fees.PAYMENT_METHODS]
        yield from self.compose_header()
        yield from self.compose_title("Record a fee payment")
        with VerticalScroll(classes="desk-body"):
            yield FormField(
                "Permit number", text_input(max_length=12), field="number", required=True
            )
            yield FormField(
                "Amount",
                text_input(max_length=20),
                field="amount",
                required=True,
            )
            yield FormField(
                "Method",
                choice(methods, value="CHECK", allow_blank=False),
                field="method",
                required=True,
            )
            yield FormField(
                "Reference", text_input(max_length=fees.MAX_REFERENCE), field="reference"
            )
            yield Static(
                "Type the permit number and press Enter to see its fees.", id="payment-due"
            )
            yield Static("", id="payment-breakdown")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.field("number").focus_control()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input is self.field("number").control:
            self._load(event.value.strip().upper())
            self.field("amount").focus_control()

    def _load(self, number: str) -> None:
        self.clear_form()
        self.call_service(
            fees.fee_breakdown,
            self.database,
            self.actor,
            number,
            on_done=self._show,
            on_error=self._not_found,
            group="payment-load",
        )

    def _show(self, breakdown: FeeBreakdown) -> None:
        self.number = breakdown.permit_number
        self._prefill(breakdown.amount_due_cents)
        self.query_one("#payment-due", Static).update(
            inert(f"{breakdown.permit_number}: fees due {format_cents(breakdown.amount_due_cents)}")
        )
        self.query_one("#payment-breakdown", Static).update(
            inert(breakdown_text(breakdown, self.portal), multiline=True)
        )

    def _prefill(self, due_cents: int) -> None:
        """The Amount field holds the amount due (what is paid most often), unless the user
        has typed an amount of their own."""
        amount = self.field("amount").control
        assert isinstance(amount, Input)
        if amount.value.strip() not in ("", self.prefilled):
            return
        self.prefilled = format_cents(due_cents).removeprefix("$") if due_cents > 0 else ""
        amount.value = self.prefilled

    def _not_found(self, exc: Exception) -> None:
        if isinstance(exc, EtrakitError):
            self.field("number").set_error(sentence(str(exc)).rstrip(".") + ".")
            self.query_one("#payment-due", Static).update("")
            self.query_one("#payment-breakdown", Static).update("")
        else:
            self.portal.show_error(exc)

    def action_save(self) -> None:
        if self.saving:
            return
        self.clear_form()
        v = self.values()
        self.saving = True
        self.call_service(
            pay_from_form,
            self.database,
            self.actor,
            v["number"],
            v["amount"],
            v["method"] or "",
            v["reference"],
            on_done=self._paid,
            on_error=self._failed,
            group="payment-save",
        )

    def _paid(self, breakdown: FeeBreakdown) -> None:
        self.saving = False
        amount = self.field("amount").control
        assert isinstance(amount, Input)
        amount.value = ""  # paid: the field gets what is due now
        self._show(breakdown)
        paid = breakdown.payments[-1].amount_cents if breakdown.payments else 0
        self.say(
            f"Recorded {format_cents(paid)} on {breakdown.permit_number}; fees due now "
            f"{format_cents(breakdown.amount_due_cents)}."
        )

    def _failed(self, exc: Exception) -> None:
        self.saving = False
        self.refused(exc)

"""The fee breakdown of a permit (dashboard ``f``, permit screen ``f``): each fee, each
payment, and the amount due — ``fees.fee_breakdown`` shown as plain text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, Static

from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.domain.inspections.calendar import format_date
from etrakit_tui.domain.permits import fees
from etrakit_tui.domain.permits.fees import format_cents
from etrakit_tui.domain.permits.views import FeeBreakdown
from etrakit_tui.text import defuse
from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.screens.modal import PortalModal
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


class FeesScreen(PortalModal[None]):
    """Fee breakdown of permit ``number``: fees, payments and amount due."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,f", "close", "Close", id="fees.close", tooltip="Close the fees"),
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.breakdown: FeeBreakdown | None = None

    @property
    def portal(self) -> EtrakitApp:
        app: Any = self.app
        return app  # type: ignore[no-any-return]

    def compose(self) -> ComposeResult:
        with Vertical(id="fees-dialog", classes="dialog"):
            yield Static(inert(f"Fees — Permit #{self.number}"), id="fees-title", classes="title")
            with VerticalScroll(id="fees-body", can_focus=True):
                yield Static("Loading fees...", id="fees-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#fees-body").focus()
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

    def _show(self, breakdown: FeeBreakdown) -> None:
        self.breakdown = breakdown
        self.query_one("#fees-text", Static).update(
            inert(breakdown_text(breakdown, self.portal), multiline=True)
        )

    def _failed(self, exc: EtrakitError) -> None:
        message = self.app.message_for(exc)  # type: ignore[attr-defined]
        self.query_one("#fees-text", Static).update(inert(message))

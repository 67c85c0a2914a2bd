"""Contact us (menu F7): the division's name, address, phone, email and office hours, from
the jurisdiction's settings (``db.jurisdiction``)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from etrakit_tui.domain.inspections import calendar
from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.screens.base import PortalScreen
from etrakit_tui.tui.widgets.form_field import FormFooter


class ContactScreen(PortalScreen):
    """Contact the Building Division."""

    AUTO_FOCUS = "#contact"

    def compose_footer(self) -> ComposeResult:
        yield FormFooter()  # same keys, rebuilt only when they change

    def compose(self) -> ComposeResult:
        j = self.database.jurisdiction
        card = "\n".join(
            [
                f"{j.name} {j.division}",
                "",
                f"Address:  {j.address}",
                f"Phone:    {j.phone}",
                f"Email:    {j.email}",
                f"Hours:    {j.hours}",
            ]
        )
        yield from self.compose_header()
        with VerticalScroll(id="contact"):
            yield Static("Contact us", classes="title")
            yield Static(inert(card, multiline=True), id="contact-card")
            yield Static(
                inert(
                    f"New PIN or a forgotten password: email {j.email} or call {j.phone}. "
                    "To cancel an inspection on its day after "
                    f"{calendar.format_time(j.cancel_cutoff)}, please {j.cancel_refusal()}."
                ),
                id="contact-note",
                classes="note",
            )
        yield from self.compose_footer()

"""The staff desk (SPEC §3 "Staff"): the signed-in home of building-division staff.

One key per operation — also listed, so Enter on a line opens it:

* ``c`` companies: register (the PIN is shown once), reissue a PIN, disable/enable;
* ``a`` add a staff or inspector account;
* ``n`` create a permit with its parcel, contacts and fees;
* ``r`` plan reviews: post, update, notes;
* ``i`` inspections: assign by hand, run the daily assignment;
* ``p`` record a fee payment;
* ``t`` import the card processor's settlement file (local only; over SSH: the command line);
* ``l`` the audit log, with filters;
* ``f`` field conflicts: results inspectors sent from the field that were not applied;
* ``s`` the high-contrast sunlight theme (remembered).

Each operation is a screen pushed on the desk; Esc (or F2) comes back here.
"""

from __future__ import annotations

from importlib import import_module
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from etrakit_tui.tui import theme
from etrakit_tui.tui.navigation import NAV_BINDINGS
from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.screens.base import PortalScreen

OPERATIONS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "c",
        "Companies",
        "Companies: register, reissue a PIN, disable/enable",
        "staff_companies",
        "CompaniesScreen",
    ),
    ("a", "Account", "Add a staff or inspector account", "staff_accounts", "AddAccountScreen"),
    (
        "n",
        "New permit",
        "Create a permit (parcel, contacts, fees)",
        "staff_permit",
        "CreatePermitScreen",
    ),
    ("r", "Reviews", "Plan reviews: post, update, notes", "staff_reviews", "ReviewDeskScreen"),
    (
        "i",
        "Inspections",
        "Inspections: assign by hand, daily assignment",
        "staff_inspections",
        "AssignScreen",
    ),
    ("p", "Payment", "Record a fee payment", "staff_payments", "PaymentScreen"),
    (
        "t",
        "Settlement",
        "Import a settlement file (card payments)",
        "staff_settlement",
        "SettlementScreen",
    ),
    ("l", "Audit log", "Audit log", "staff_audit", "AuditScreen"),
    (
        "f",
        "Field",
        "Field conflicts: results from the field not applied",
        "staff_field",
        "FieldConflictsDeskScreen",
    ),
)
"""(key, footer label, words, module under ``tui.screens``, screen class) of each desk
operation."""


class StaffHomeScreen(PortalScreen, inherit_bindings=False):
    """The staff desk: every staff operation one key away."""

    COMMANDS = {theme.ThemeCommands}  # the palette offers the sunlight theme

    AUTO_FOCUS = "#desk-operations"

    BINDINGS: ClassVar[list[BindingType]] = [
        *[
            Binding(key, f"open('{key}')", label, id=f"desk.{module}", tooltip=words)
            for key, label, words, module, _ in OPERATIONS
        ],
        Binding(
            "s",
            "sunlight",
            "Sunlight",
            id="desk.sunlight",
            tooltip="High-contrast theme on/off (remembered)",
        ),
        *NAV_BINDINGS,
        *Screen.BINDINGS,  # Tab / Shift+Tab, copy (this screen does not inherit bindings)
    ]

    def compose(self) -> ComposeResult:
        j = self.database.jurisdiction
        yield from self.compose_header()
        with Vertical(id="desk"):
            yield Static(inert(f"Staff desk — {j.name} {j.division}"), id="desk-title")
            yield Static(
                "Press a key (or choose a line and press Enter). Esc on any desk screen "
                "comes back here.",
                id="desk-intro",
            )
            yield OptionList(
                *[
                    Option(inert(f"{key.upper()}  {words}"), id=key)
                    for key, _, words, _, _ in OPERATIONS
                ],
                Option("S  Sunlight theme (high contrast) on/off", id="s"),
                id="desk-operations",
            )
            yield Static("", id="desk-status")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        theme.install(self.app)

    def action_open(self, key: str) -> None:
        """Open the operation of ``key``."""
        for k, _, _, module, name in OPERATIONS:
            if k == key:
                screen = getattr(import_module(f"etrakit_tui.tui.screens.{module}"), name)()
                self.app.push_screen(screen)
                return

    @on(OptionList.OptionSelected, "#desk-operations")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id or ""
        if key == "s":
            self.action_sunlight()
        else:
            self.action_open(key)

    def report(self, words: str) -> None:
        """Show what an operation just did (called when it comes back to the desk)."""
        self.query_one("#desk-status", Static).update(inert(words))

    def action_sunlight(self) -> None:
        name = theme.toggle(self.app)
        words = "Sunlight theme on." if name == theme.SUNLIGHT else "Sunlight theme off."
        self.query_one("#desk-status", Static).update(words)

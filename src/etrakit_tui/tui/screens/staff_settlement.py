"""Staff desk — import the card processor's settlement file (issue 15): type the file's path,
Enter (or Ctrl+S) reads it and applies each row (``settlement.import_settlement``); the
report lists every row with what was done and why not.

The file is read on the machine the portal runs on, so only a local portal offers it: served
over SSH (``app.remote``) a session touches nothing on the server but the database, and the
screen says to run ``etrakit-tui payment import FILE`` on the server instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from etrakit_tui.domain.accounts.actors import Actor
from etrakit_tui.domain.errors import ValidationFailed
from etrakit_tui.domain.payments import settlement
from etrakit_tui.domain.payments.views import SettlementReport
from etrakit_tui.domain.permits.fees import format_cents
from etrakit_tui.domain.store.db import Database
from etrakit_tui.tui.safe import inert, inert_text
from etrakit_tui.tui.screens.staff_common import DESK_BINDINGS, DeskScreen
from etrakit_tui.tui.widgets.form_field import FormField, text_input

COMMAND = "etrakit-tui payment import FILE"
"""What staff run on the server instead, when the desk is served over SSH."""


def import_file(db: Database, actor: Actor, path: str) -> SettlementReport:
    """Read the file at ``path`` (on this machine) and import it. A file that cannot be read
    is refused at the path field."""
    if not path.strip():
        raise ValidationFailed({"path": "Type the path of the settlement file."})
    file = Path(path.strip()).expanduser()
    try:
        data = file.read_bytes()
    except OSError as exc:
        reason = exc.strerror or "it cannot be read"
        raise ValidationFailed({"path": f"Cannot read {file}: {reason}."}) from exc
    return settlement.import_settlement(db, actor, data)


def summary(report: SettlementReport) -> str:
    """One line on the whole import."""
    if report.problem is not None:
        return f"Nothing applied: {report.problem}"
    rows = len(report.lines)
    already = rows - report.applied - report.not_applied
    return (
        f"{rows} row{'s' if rows != 1 else ''}: {report.applied} applied, "
        f"{already} already applied, {report.not_applied} not applied."
    )


class SettlementScreen(DeskScreen, inherit_bindings=False):
    """Import a settlement file and show what each row did."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "run", "Import", id="settlement.run", tooltip="Import the file"),
        *DESK_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.busy = False
        self.report: SettlementReport | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield from self.compose_title("Import a settlement file (card payments)")
        with Vertical(classes="desk-body"):
            if self.portal.remote:
                yield Static(
                    "This desk is served over SSH, and a session reads no files on the "
                    f"server. On the server, run:\n\n    {COMMAND}\n\nIt prints the same "
                    "report, one line per row.",
                    id="settlement-remote",
                    classes="desk-note",
                )
            else:
                yield from self.compose_form()
        yield from self.compose_footer()

    def compose_form(self) -> ComposeResult:
        yield Static(
            "The processor's settlement file (CSV): each row pays one payment order. "
            "Rows already applied are not applied twice.",
            classes="desk-note",
        )
        yield FormField("Settlement file", text_input(max_length=500), field="path")
        yield Static("", id="settlement-summary")
        table = DataTable[object](id="settlement-report", cursor_type="row")
        table.add_column("LINE", width=4)
        table.add_column("ORDER", width=12)
        table.add_column("TRANSACTION", width=12)
        table.add_column("AMOUNT", width=10)
        table.add_column("OUTCOME", width=27)
        yield table
        yield Static("", id="settlement-detail")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run":
            return not self.portal.remote
        return super().check_action(action, parameters)

    def on_mount(self) -> None:
        if not self.portal.remote:
            self.field("path").focus_control()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_run()

    def action_run(self) -> None:
        """Enter or Ctrl+S: read the file and import it."""
        if self.busy or self.portal.remote:
            return
        self.clear_form()
        self.busy = True
        self.say("Importing...")
        self.call_service(
            import_file,
            self.database,
            self.actor,
            str(self.values()["path"] or ""),
            on_done=self._show,
            on_error=self._failed,
            group="settlement",
        )

    def _show(self, report: SettlementReport) -> None:
        self.busy = False
        self.report = report
        self.say("")
        self.query_one("#settlement-detail", Static).update("")
        self.query_one("#settlement-summary", Static).update(inert(summary(report)))
        table = self.query_one("#settlement-report", DataTable)
        table.clear()
        for line in report.lines:
            amount = inert_text(
                format_cents(line.amount_cents) if line.amount_cents is not None else "",
                justify="right",
            )
            outcome = f"{line.outcome}: {line.reason}" if line.reason else line.outcome
            table.add_row(
                inert_text(str(line.line)),
                inert_text(line.order),
                inert_text(line.transaction),
                amount,
                inert_text(outcome),
            )

    @on(DataTable.RowHighlighted, "#settlement-report")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted row's whole outcome, under the table."""
        report = self.report
        if report is None or not 0 <= event.cursor_row < len(report.lines):
            return
        line = report.lines[event.cursor_row]
        words = f"{line.outcome}: {line.reason}" if line.reason else line.outcome
        self.query_one("#settlement-detail", Static).update(
            inert(f"Line {line.line} ({line.order}): {words}")
        )

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        self.refused(exc)

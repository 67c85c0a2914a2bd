"""Staff desk — field conflicts: results inspectors sent from the field that the city did
not apply (the inspection was cancelled, reassigned or already resulted meanwhile), newest
first, each with its reason. They are kept, never dropped: the inspector's result and
comments are here for a person to act on. Read by
:func:`etrakit_tui.domain.field.field_conflicts` (staff only) in a worker; ``r`` reads again."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from etrakit_tui.domain.field.views import FieldConflictView
from etrakit_tui.tui.safe import add_fixed_columns, inert
from etrakit_tui.tui.screens.field_conflicts import (
    STAFF_COLUMNS,
    conflict_cells,
    conflict_words,
)
from etrakit_tui.tui.screens.staff_common import DESK_BINDINGS, DeskScreen


class FieldConflictsDeskScreen(DeskScreen, inherit_bindings=False):
    """Every field result the city did not apply, with its inspector and reason."""

    AUTO_FOCUS = "#field-conflicts"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Refresh", id="field-conflicts.reload", tooltip="Read again"),
        *DESK_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.conflicts: list[FieldConflictView] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield from self.compose_title("Field conflicts: results sent from the field, not applied")
        with Vertical(classes="desk-body"):
            yield Static("Loading...", id="field-conflicts-count")
            table: DataTable[Text] = DataTable(
                id="field-conflicts", cursor_type="row", cell_padding=0
            )
            add_fixed_columns(table, STAFF_COLUMNS)
            yield table
            yield Static("", id="field-conflicts-detail")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        from etrakit_tui.domain.field import field_conflicts

        self.call_service(
            field_conflicts,
            self.database,
            self.actor,
            on_done=self._show,
            on_error=self.refused,
            group="field-conflicts",
        )

    def _show(self, conflicts: list[FieldConflictView]) -> None:
        self.conflicts, self.loaded = conflicts, True
        table: DataTable[Text] = self.query_one("#field-conflicts", DataTable)
        table.clear()
        zone = self.database.jurisdiction.zone
        for view in conflicts:
            table.add_row(*conflict_cells(view, zone, staff=True), key=view.uuid)
        words = (
            f"{len(conflicts)} result(s) not applied; each is kept as the inspector sent it."
            if conflicts
            else "None: every result sent from the field was applied."
        )
        self.query_one("#field-conflicts-count", Static).update(inert(words))
        self._detail()

    @on(DataTable.RowHighlighted, "#field-conflicts")
    def _detail(self) -> None:
        row = self.query_one("#field-conflicts", DataTable).cursor_row
        view = self.conflicts[row] if 0 <= row < len(self.conflicts) else None
        words = conflict_words(view, staff=True) if view is not None else ""
        self.query_one("#field-conflicts-detail", Static).update(inert(words, multiline=True))

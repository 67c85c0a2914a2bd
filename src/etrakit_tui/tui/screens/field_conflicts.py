"""Field mode — the results the city did not apply (conflicts), each with its reason.

A conflict is kept, never dropped: the inspection was cancelled by the contractor,
reassigned to another inspector, already resulted, or otherwise refused by the rules of
online recording; the inspector's result and comments stay on the laptop and at the city
(staff see the same list on their desk: :mod:`.staff_field`). The list is the field file's
(:func:`etrakit_tui.domain.field.local_conflicts`), read in a worker, and read again after
each sync. ``y`` syncs now.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from etrakit_tui.domain.field.views import FieldConflictView
from etrakit_tui.tui import theme
from etrakit_tui.tui.navigation import NAV_BINDINGS
from etrakit_tui.tui.safe import add_fixed_columns, column_cells, inert
from etrakit_tui.tui.screens.base import PortalScreen

if TYPE_CHECKING:
    from etrakit_tui.tui.screens.field_status import FieldLink

COLUMNS = (("RECORDED", 11), ("PERMIT", 9), ("INSPECTION", 14), ("RESULT", 10), ("REASON", 26))
STAFF_COLUMNS = (*COLUMNS[:4], ("INSPECTOR", 12), ("REASON", 14))


def conflict_cells(view: FieldConflictView, zone: tzinfo, *, staff: bool = False) -> list[Text]:
    """One conflict as inert cells, each cut to its column (staff: with the inspector)."""
    values = [
        f"{view.recorded_at.astimezone(zone):%m/%d %H:%M}",
        view.permit_number,
        view.type_name,
        view.status,
        view.reason_text or view.reason,
    ]
    if staff:
        values.insert(4, view.inspector_name or view.username)
    return column_cells(values, (width for _, width in (STAFF_COLUMNS if staff else COLUMNS)))


def conflict_words(view: FieldConflictView, *, staff: bool = False) -> str:
    """The highlighted conflict in full: why, what was recorded, what the city has."""
    reason = view.reason_text or view.reason
    kept = "the result is kept" if staff else "your result is kept"
    who = f"Inspector: {view.inspector_name or view.username}\n" if staff else ""
    comments = " ".join(view.comments.split()) or "(no comments)"
    return (
        f"Not applied: {reason}; {kept}.\n"
        f"{who}{view.type_name} on {view.permit_number} at {view.address}: "
        f"{view.status} — {comments}\n"
        f"At the city the inspection is {view.status_now or 'unknown'}."
    )


class FieldConflictsScreen(PortalScreen, inherit_bindings=False):
    """Field mode: the results not applied, with their reasons (kept)."""

    COMMANDS = {theme.ThemeCommands}

    AUTO_FOCUS = "#conflicts-table"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "sync", "Sync", id="conflicts.sync", tooltip="Send waiting results now"),
        *NAV_BINDINGS,
        *Screen.BINDINGS,  # Tab / Shift+Tab, copy (this screen does not inherit bindings)
    ]

    def __init__(self) -> None:
        super().__init__()
        self.conflicts: list[FieldConflictView] = []
        self.loaded = False

    @property
    def link(self) -> FieldLink:
        link = self.portal.field
        assert link is not None, "the conflicts screen is field mode's"
        return link

    def compose(self) -> ComposeResult:
        from etrakit_tui.tui.screens.field_status import FieldStatusLine

        yield from self.compose_header()
        yield FieldStatusLine(self.link)
        with Vertical(id="conflicts"):
            yield Static("Results the city did not apply (kept)", id="conflicts-title")
            yield Static("Loading...", id="conflicts-count")
            table: DataTable[Text] = DataTable(
                id="conflicts-table", cursor_type="row", cell_padding=0
            )
            add_fixed_columns(table, COLUMNS)
            yield table
            yield Static("", id="conflicts-detail")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.link.changed.subscribe(self, self._changed)
        self._load()

    def on_unmount(self) -> None:
        self.link.changed.unsubscribe(self)

    def _changed(self, link: FieldLink) -> None:
        if not link.syncing and link.tried:
            self._load()

    def _load(self) -> None:
        from etrakit_tui.domain.field import local_conflicts

        self.call_service(
            local_conflicts, self.link.session, on_done=self._show, group="conflicts-load"
        )

    def _show(self, conflicts: list[FieldConflictView]) -> None:
        self.conflicts, self.loaded = conflicts, True
        table: DataTable[Text] = self.query_one("#conflicts-table", DataTable)
        table.clear()
        zone = self.database.jurisdiction.zone
        for view in conflicts:
            table.add_row(*conflict_cells(view, zone), key=view.uuid)
        words = (
            f"{len(conflicts)} result(s) not applied. Each is kept; staff see them too."
            if conflicts
            else "None: every result sent so far was applied."
        )
        self.query_one("#conflicts-count", Static).update(inert(words))
        self._detail()

    @on(DataTable.RowHighlighted, "#conflicts-table")
    def _detail(self) -> None:
        row = self.query_one("#conflicts-table", DataTable).cursor_row
        view = self.conflicts[row] if 0 <= row < len(self.conflicts) else None
        words = conflict_words(view) if view is not None else ""
        self.query_one("#conflicts-detail", Static).update(inert(words, multiline=True))

    def action_sync(self) -> None:
        self.link.sync_now()

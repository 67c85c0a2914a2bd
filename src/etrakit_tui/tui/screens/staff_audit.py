"""Staff desk — the audit log, newest first, paged from the server. Filters: the action
(a list of those the log holds), the actor's name and the target (both by their start),
and a range of days. Enter in a filter (or F5) applies them; the highlighted event's
detail is shown in full under the table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Select, Static

from etrakit_tui.domain import audit
from etrakit_tui.domain.audit import AuditRow
from etrakit_tui.domain.errors import ValidationFailed
from etrakit_tui.domain.inspections import calendar
from etrakit_tui.domain.permits.views import Page
from etrakit_tui.domain.validation import FormErrors
from etrakit_tui.tui.safe import inert, inert_text
from etrakit_tui.tui.screens.staff_common import DESK_BINDINGS, DeskScreen
from etrakit_tui.tui.widgets.form_field import FormField, choice, set_choices, text_input
from etrakit_tui.tui.widgets.paged_table import Loader, PagedColumn, PagedTable

COLUMNS = [
    PagedColumn("WHEN", width=14),
    PagedColumn("ACTOR", max_width=14),
    PagedColumn("ACTION", max_width=20),
    PagedColumn("TARGET", max_width=16),
    PagedColumn("OUTCOME", max_width=9),
]


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """The filters in force (``None``: not filtered)."""

    action: str | None = None
    actor_name: str | None = None
    target: str | None = None
    since: date | None = None
    until: date | None = None


class AuditScreen(DeskScreen, inherit_bindings=False):
    """The audit log with filters."""

    AUTO_FOCUS = "#audit-table"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f5",
            "apply",
            "Apply filters",
            id="audit.apply",
            tooltip="Read the log again with the filters",
        ),
        *DESK_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filters = AuditFilters()

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield from self.compose_title("Audit log (newest first)")
        with Vertical(classes="desk-body"):
            with Vertical(id="audit-filters"):
                yield FormField("Action", choice([], prompt="any action"), field="action")
                yield FormField("Actor starts with", text_input(max_length=120), field="actor_name")
                yield FormField("Target starts with", text_input(max_length=120), field="target")
                yield FormField(
                    "From day", text_input(max_length=20, placeholder="MM/DD/YYYY"), field="since"
                )
                yield FormField(
                    "To day", text_input(max_length=20, placeholder="MM/DD/YYYY"), field="until"
                )
            yield PagedTable("Audit events", COLUMNS, self._loader(), self._cells, id="audit-table")
            yield Static("", id="audit-detail")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.call_service(
            audit.audit_actions,
            self.database,
            self.actor,
            on_done=self._actions,
            group="audit-actions",
        )

    def _actions(self, actions: list[str]) -> None:
        set_choices(self._action_select(), [(a, a) for a in actions])

    def _action_select(self) -> Select[object]:
        control = self.field("action").control
        assert isinstance(control, Select)
        return control

    def _cells(self, row: AuditRow) -> list[Text]:
        at = row.at.astimezone(self.database.jurisdiction.zone)
        return [
            inert_text(f"{at:%m/%d %H:%M:%S}"),
            inert_text(row.actor_name or row.actor_kind),
            inert_text(row.action),
            inert_text(row.target),
            inert_text(row.outcome),
        ]

    def _loader(self) -> Loader[int, AuditRow]:
        db, actor, f = self.database, self.actor, self.filters

        def load(after: int | None, limit: int) -> Page[AuditRow, int]:
            return audit.audit_log(
                db,
                actor,
                action=f.action,
                actor_name=f.actor_name,
                target=f.target,
                since=f.since,
                until=f.until,
                after=after,
                limit=limit,
            )

        return load

    # ------------------------------------------------------------------ filters

    def action_apply(self) -> None:
        self.clear_form()
        v = self.values()
        form = FormErrors()
        since: date | None = form.run(calendar.parse_day, v["since"], "since", required=False)
        until: date | None = form.run(calendar.parse_day, v["until"], "until", required=False)
        if form.errors:
            self.refused_errors(form.errors)
            return
        self.filters = AuditFilters(
            v["action"] or None, v["actor_name"] or None, v["target"] or None, since, until
        )
        self.query_one("#audit-table", PagedTable).reload(self._loader())
        self.query_one("#audit-table", PagedTable).focus()

    def refused_errors(self, errors: dict[str, str]) -> None:
        self.refused(ValidationFailed(errors))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_apply()

    @on(Select.Changed)
    def _action_chosen(self) -> None:
        if self.is_mounted and self.filters.action != self.field("action").value:
            self.action_apply()

    @on(DataTable.RowHighlighted, "#audit-table")
    def _detail(self) -> None:
        table: PagedTable[AuditRow, int] = self.query_one("#audit-table", PagedTable)
        row = table.current_item
        words = f"{row.actor_kind} {row.actor_name}: {row.detail}" if row else ""
        self.query_one("#audit-detail", Static).update(inert(words))

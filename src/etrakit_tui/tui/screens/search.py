"""Search permits & plan reviews (menu F3): by permit number, address or parcel number (APN),
with the search examples one key away. Results page on the server (keyset) as the cursor
nears the end. Enter on one of my permits opens it; on anyone else's, its public fields."""

from __future__ import annotations

from importlib import import_module
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from etrakit_tui.domain.errors import EtrakitError, ValidationFailed
from etrakit_tui.domain.inspections.calendar import format_date, short_date
from etrakit_tui.domain.permits import search
from etrakit_tui.domain.permits.views import Page, SearchHit, SearchKey, SearchKind
from etrakit_tui.text import sentence
from etrakit_tui.tui.safe import inert, inert_text
from etrakit_tui.tui.screens.base import PortalScreen
from etrakit_tui.tui.screens.modal import PortalModal
from etrakit_tui.tui.widgets.form_field import (
    FormField,
    FormFooter,
    choice,
    clear_errors,
    show_errors,
    text_input,
)
from etrakit_tui.tui.widgets.paged_table import PagedColumn, PagedTable

PAGE = 50
KINDS = (
    ("Auto (number, address or APN)", SearchKind.AUTO.value),
    ("Permit number", SearchKind.NUMBER.value),
    ("Address", SearchKind.ADDRESS.value),
    ("Parcel number (APN)", SearchKind.APN.value),
)


class ExamplesScreen(PortalModal[str | None]):
    """ "Click here for search examples": pick one with Enter (it fills the search)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="examples.close", tooltip="Back to the search"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="examples-box", classes="dialog"):
            yield Static("Search examples", classes="title")
            yield Static(
                "A permit number or its start (B19), part of an address (FLORIDA), or a "
                "parcel number with or without dashes. Enter picks one.",
            )
            yield OptionList(
                *(Option(inert(text), id=text) for text in search.search_examples()),
                id="examples",
            )

    def on_mount(self) -> None:
        self.query_one("#examples", OptionList).focus()

    @on(OptionList.OptionSelected, "#examples")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class PublicPermitScreen(PortalModal[None]):
    """Another company's permit: only its public fields."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Close", id="public.close", tooltip="Back to results"),
    ]

    def __init__(self, hit: SearchHit) -> None:
        super().__init__()
        self.hit = hit

    def compose(self) -> ComposeResult:
        h = self.hit
        lines = [
            f"Permit #{h.number}",
            f"Type:        {h.permit_type}",
            f"Status:      {h.status}",
            f"Address:     {h.address}",
            f"APN:         {h.apn}",
            f"Applied:     {format_date(h.applied_on)}",
            f"Issued:      {format_date(h.issued_on)}",
            "",
            "This permit is not on your account: only its public information is shown.",
            "Press Esc to go back.",
        ]
        with VerticalScroll(id="public", classes="dialog"):
            yield Static(inert("\n".join(lines), multiline=True), id="public-fields")


COLUMNS = (
    PagedColumn("MINE", width=4),
    PagedColumn("PERMIT NO.", width=10),
    PagedColumn("TYPE", max_width=12),
    PagedColumn("STATUS", max_width=9),
    PagedColumn("ADDRESS", max_width=19),
    PagedColumn("APPLIED", max_width=8),
    PagedColumn("ISSUED", max_width=8),
)


def hit_cells(hit: SearchHit) -> list[Text]:
    """One result row; "mine" says in words which permits are on my account."""
    return [
        inert_text("mine" if hit.is_mine else ""),
        inert_text(hit.number),
        inert_text(hit.permit_type),
        inert_text(hit.status),
        inert_text(hit.address),
        inert_text(short_date(hit.applied_on)),
        inert_text(short_date(hit.issued_on)),
    ]


class SearchBody(Vertical):
    """The search form and results; its key shows first in the footer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f8",
            "screen.examples",
            "Examples",
            id="search.examples",
            tooltip="Click here for search examples",
        ),
    ]


class SearchScreen(PortalScreen):
    """Search permits & plan reviews."""

    AUTO_FOCUS = "#query"

    def compose_footer(self) -> ComposeResult:
        yield FormFooter()  # same keys, rebuilt only when they change

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""
        self.kind = SearchKind.AUTO.value
        self._focus_results = False
        self.searched = False

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with SearchBody(id="search"):
            yield Static("Permit Search", classes="title")
            yield Static(
                "Type a permit number, an address or a parcel number and press Enter. "
                "F8: Click here for search examples.",
                classes="note",
            )
            yield FormField("Search", text_input(max_length=100, id="query"), field="query")
            yield FormField(
                "Search By",
                choice(KINDS, value=SearchKind.AUTO.value, allow_blank=False, id="kind"),
                field="kind",
            )
            yield Static("", id="results-title")
            yield PagedTable(
                "Results",
                COLUMNS,
                self._load,
                hit_cells,
                page_size=PAGE,
                select_label="Open permit",
                id="results",
            )
        yield from self.compose_footer()

    @property
    def results(self) -> PagedTable[SearchHit, SearchKey]:
        table: PagedTable[SearchHit, SearchKey] = self.query_one("#results", PagedTable)
        return table

    # ------------------------------------------------------------------ searching

    def _load(self, after: SearchKey | None, limit: int) -> Page[SearchHit, SearchKey]:
        """The table's loader (a worker thread): one page of the current search."""
        query, kind = self.query_text, self.kind
        if not self.searched:  # the table's first load, before any search
            return Page(items=(), next_key=None)
        try:
            return search.search_permits(
                self.database, self.actor, query, kind, after=after, limit=limit
            )
        except EtrakitError as exc:
            self.app.call_from_thread(self._refused, exc)
            raise

    @on(Input.Submitted, "#query")
    def _submitted(self) -> None:
        self.run_search()

    def run_search(self) -> None:
        """Search from the first page with what the form says."""
        clear_errors(self)
        self.query_text = self.query_one("#field-query", FormField).text
        self.searched = True
        kind = self.query_one("#field-kind", FormField).value
        self.kind = str(kind or SearchKind.AUTO.value)
        self.query_one("#results-title", Static).update("Searching...")
        self._focus_results = True
        self.results.reload()

    @on(PagedTable.Loaded, "#results")
    def _loaded(self) -> None:
        table = self.results
        count = len(table.items)
        if not self.searched:
            words = ""
        elif not count:
            words = "No permits match."
        elif table.complete:
            words = f"{count} permit(s) found."
        else:
            words = f"{count} permit(s) shown; more load as you move down."
        self.query_one("#results-title", Static).update(words)
        if self._focus_results and count:
            table.focus()
        self._focus_results = False

    def _refused(self, exc: EtrakitError) -> None:
        self.query_one("#results-title", Static).update("")
        if isinstance(exc, ValidationFailed):
            left = show_errors(self, dict(exc.errors))
            if left:
                self.query_one("#field-query", FormField).set_error(" ".join(left.values()))
        else:
            self.query_one("#field-query", FormField).set_error(sentence(str(exc)))

    # ------------------------------------------------------------------ opening

    @on(DataTable.RowSelected, "#results")
    def _open(self) -> None:
        hit = self.results.current_item
        if hit is None:
            return
        if hit.can_open:
            try:
                detail = import_module("etrakit_tui.tui.screens.permit")
            except ImportError:  # the detail screen is not installed: public fields only
                self.app.push_screen(PublicPermitScreen(hit))
                return
            self.app.push_screen(detail.PermitScreen(hit.number))
        else:
            self.app.push_screen(PublicPermitScreen(hit))

    # ------------------------------------------------------------------ examples

    def action_examples(self) -> None:
        """Show the search examples; the one picked fills the search and runs it."""

        def picked(example: str | None) -> None:
            if example:
                self.query_one("#query", Input).value = example
                self.run_search()

        self.app.push_screen(ExamplesScreen(), picked)

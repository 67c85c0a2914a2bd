"""PagedTable: a DataTable that pages from the server (SPEC §7 "Tables page on the server").

It never holds a whole list: it asks a *loader* for one page at a time (keyset paging: the
loader gets the ``after`` key of the last page and a row limit), and asks for the next page
when the cursor comes within ``prefetch`` rows of the end of what it holds (arrow keys,
PageDown, End). The table's border title shows its title and count, e.g.
``My Active Permits · 4 total records``; the bottom border says where the cursor is
(``row 3 of 300``), or that a page is loading, or why loading failed.

Usage::

    def load(after: str | None, limit: int) -> Page[ActivePermitRow, str]:
        return permits.active_permits_page(db, actor, after, limit)   # runs in a thread

    def cells(row: ActivePermitRow) -> list[Text]:
        return [inert_text(row.number), inert_text(row.address)]      # inert_text ONLY

    table = PagedTable("My Active Permits", [PagedColumn("PERMIT NO."), PagedColumn("ADDRESS")],
                       load, cells, id="active-permits")
    ...
    table.current_item        # the row object under the cursor (or None)
    table.reload()            # back to the first page (optionally with a new loader)
    table.refresh_rows()      # read again, keeping the cursor's row (coming back to a screen)

    table.start_loading()     # in the screen's compose(): read the first page from now on
    load_first_pages([a, b], read_both)   # in compose(): one read, a first page per table

A table reads its first page when it is mounted. A screen that must show its first page
quickly (the dashboard) calls :meth:`start_loading` in ``compose()``: the loader starts at
once in a thread, so the database works while the screen is built and styled, and the page
is shown as soon as both it and the table are ready. :func:`load_first_pages` does the same
for several tables whose first pages one service reads together (the dashboard's three). A
page read elsewhere can be shown with :meth:`show_first_page` (a failure with
:meth:`show_load_error`), after :meth:`expect_first_page`.

Cells must be ``rich.text.Text`` made by :func:`etrakit_tui.tui.safe.inert_text`; a plain
``str`` is refused (``TypeError``) because DataTable parses markup in strings. Each cell is
cut to its column's width (``max_width`` for columns that fit their content), so one very
long value cannot make a column thousands of cells wide. Columns that fit their content are
sized here, as each page arrives, from the cells' widths (DataTable would measure every cell
again on a later idle: most of the cost of showing a page, and columns were seen stuck at
the header's width when that idle came late).

Keys: the DataTable's arrows and PageUp/PageDown; End / Home go to the last loaded / first
row (End on the last row loads the next page). Attributes: ``items`` (rows held), ``total``
(the loader's count, if it gives one), ``complete`` (no more pages), ``is_loading``,
``error`` (a message in words, also shown on the table), ``count_text``.

Messages: ``PagedTable.Loaded`` after each page arrives; ``DataTable.RowSelected`` (Enter)
bubbles as usual — read ``current_item`` in the handler. ``select_label`` (e.g.
``"Open permit"``) shows Enter with that label in the footer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from threading import Thread
from typing import Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from etrakit_tui.domain.errors import DatabaseError, EtrakitError
from etrakit_tui.domain.permits.views import Page
from etrakit_tui.logs import log_failure
from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.textual_private import PresizedDataTable, bind_here
from etrakit_tui.tui.workers import run_service

T = TypeVar("T")
K = TypeVar("K")

GAP = 1
"""Blank cells between columns."""
ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"

Loader = Callable[[K | None, int], Page[T, K]]
"""``loader(after_key, limit) -> Page``: called in a worker thread, never on the UI thread.
(Type parameters in order of appearance: ``Loader[K, T]`` — key type, then row type.)"""

RowCells = Callable[[T], Sequence[Text]]
"""``cells(item) -> [Text, ...]``: one inert ``Text`` per column."""


@dataclass(frozen=True, slots=True)
class PagedColumn:
    """A column: its header ``label`` (fixed text), a fixed ``width`` or ``None`` to fit the
    content up to ``max_width`` cells."""

    label: str
    width: int | None = None
    max_width: int = 40


def count_text(total: int | None, loaded: int, complete: bool) -> str:
    """``"4 total records"`` (``"1 total record"``); without a server count, what is loaded."""
    if total is not None:
        return f"{total} total record" if total == 1 else f"{total} total records"
    if complete:
        return f"{loaded} record" if loaded == 1 else f"{loaded} records"
    return f"{loaded}+ records"


class PagedTable(PresizedDataTable[Text], Generic[T, K]):
    """A row-cursor DataTable filled page by page from ``loader``; see the module docstring."""

    DEFAULT_CSS = """
    PagedTable {
        height: 1fr;
        min-height: 4;
        border: round $panel-lighten-2;
        border-title-align: left;
        border-subtitle-align: right;
        scrollbar-size-vertical: 0;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "end,ctrl+end",
            "last_row",
            "Last row",
            show=False,
            id="paged.last",
            tooltip="Go to the last row (loads more records)",
        ),
        Binding(
            "home,ctrl+home",
            "first_row",
            "First row",
            show=False,
            id="paged.first",
            tooltip="Go to the first row",
        ),
    ]

    class Loaded(Message):
        """A page arrived (``table.items`` now holds ``len(table.items)`` rows)."""

        def __init__(self, table: PagedTable[object, object]) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> PagedTable[object, object]:
            return self.table

    def __init__(
        self,
        title: str,
        columns: Sequence[PagedColumn],
        loader: Loader[K, T],
        cells: RowCells[T],
        *,
        page_size: int = 50,
        prefetch: int = 10,
        select_label: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        # Columns are one space apart (the gap is added to the cells), not two.
        super().__init__(
            cursor_type="row", zebra_stripes=False, cell_padding=0, id=id, classes=classes
        )
        self.table_title = title
        self.page_size = page_size
        self.prefetch = max(1, min(prefetch, page_size // 2))
        self._columns = list(columns)
        self._loader = loader
        self._cells = cells
        self.items: list[T] = []
        self.total: int | None = None
        self.next_key: K | None = None
        self.complete = False
        self.is_loading = False
        self.error: str | None = None
        self._generation = 0
        self._restore_row: int | None = None
        self._autoload = True
        self._columns_added = False
        self._pending: Page[T, K] | EtrakitError | None = None
        if select_label:  # show what Enter does in the footer
            bind_here(
                self,
                Binding(
                    "enter", "select_cursor", select_label, id="paged.select", tooltip=select_label
                ),
            )

    # ------------------------------------------------------------------ public API

    @property
    def current_item(self) -> T | None:
        """The item under the cursor, or ``None`` when the table is empty."""
        row = self.cursor_row
        return self.items[row] if 0 <= row < len(self.items) else None

    @property
    def count_text(self) -> str:
        """What the title says about the count (``"4 total records"``)."""
        return count_text(self.total, len(self.items), self.complete)

    def reload(self, loader: Loader[K, T] | None = None) -> None:
        """Forget every row and load the first page again (with ``loader`` if given)."""
        if loader is not None:
            self._loader = loader
        self._start_over()
        self._load_more()

    def refresh_rows(self) -> None:
        """Read the list again from its first page, the cursor staying on the same row number
        (pages are read up to it) — e.g. when coming back to a screen."""
        row = self.cursor_row if self.items else 0
        self.reload()
        self._restore_row = row

    def load_more(self) -> None:
        """Ask for the next page now (no-op while one is loading or when all are loaded)."""
        self._load_more()

    def start_loading(self) -> None:
        """Read the first page now, before the table is mounted (call it in the screen's
        ``compose()``); see :func:`load_first_pages`."""
        loader, limit = self._loader, self.page_size
        load_first_pages([self], lambda: (loader(None, limit),))

    def expect_first_page(self) -> None:
        """The first page is being read elsewhere (:meth:`show_first_page` will show it):
        the table says "loading..." and does not read it itself when mounted."""
        self._autoload = False
        self.is_loading = True

    def show_first_page(self, page: Page[T, K]) -> None:
        """Show ``page``, read elsewhere, as the first page (forgetting any rows held); the
        loader reads the pages after it. Before the table is mounted, it is kept until then."""
        if not self._columns_added:
            self._pending = page
            return
        self._start_over()
        self.is_loading = True
        self._arrived(self._generation, page)

    def show_load_error(self, exc: EtrakitError) -> None:
        """The first page could not be read elsewhere: say why on the table, in words."""
        if not self._columns_added:
            self._pending = exc
            return
        self._start_over()
        self.is_loading = True
        self._failed(self._generation, exc)

    # ------------------------------------------------------------------ lifecycle

    def _start_over(self) -> None:
        """Forget every row (a new generation: pages still on their way are dropped)."""
        self._generation += 1
        self.items = []
        self.total = None
        self.next_key = None
        self.complete = False
        self.is_loading = False
        self.error = None
        self._restore_row = None
        self.clear()

    def on_mount(self) -> None:
        last = len(self._columns) - 1
        for index, column in enumerate(self._columns):
            gap = 0 if index == last else GAP
            width = None if column.width is None else column.width + gap
            self.add_column(Text(column.label + " " * gap), width=width)
        self._columns_added = True
        pending, self._pending = self._pending, None
        if isinstance(pending, Exception):
            self.show_load_error(pending)
        elif pending is not None:
            self.show_first_page(pending)
        elif self._autoload:
            self.reload()
        else:  # start_loading() is reading the first page
            self._show_title()

    def action_last_row(self) -> None:
        if self.items:
            self.move_cursor(row=len(self.items) - 1)
        self._maybe_load_more()

    def action_first_row(self) -> None:
        if self.items:
            self.move_cursor(row=0)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self:
            self._show_title()
            self._maybe_load_more()

    def action_page_down(self) -> None:
        super().action_page_down()
        self._maybe_load_more()

    # ------------------------------------------------------------------ paging

    def _maybe_load_more(self) -> None:
        if len(self.items) - self.cursor_row <= self.prefetch:
            self._load_more()

    def _load_more(self) -> None:
        if self.is_loading or self.complete:
            return
        self.is_loading = True
        self._show_title()
        generation, after, limit, loader = (
            self._generation,
            self.next_key,
            self.page_size,
            self._loader,
        )

        run_service(
            self,
            lambda: loader(after, limit),
            on_done=lambda page: self._arrived(generation, page),
            on_error=lambda exc: self._failed(generation, exc),  # said on the table
            group="paged-table",
            exclusive=False,
        )

    def _arrived(self, generation: int, page: Page[T, K]) -> None:
        if generation != self._generation or not self.is_mounted:
            return  # a reload happened meanwhile
        self.is_loading = False
        start = len(self.items)
        widest = [0] * len(self._columns)
        rows = [self._fit(self._cells(item), widest) for item in page.items]
        for index, cells in enumerate(rows, start):
            self.add_row(*cells, key=str(index))
        self.items.extend(page.items)
        self._settle_widths(widest)
        self.total = page.total
        self.next_key = page.next_key
        self.complete = page.next_key is None
        self._show_title()
        self.post_message(self.Loaded(self))  # type: ignore[arg-type]
        if self._restore_row is not None:  # refresh_rows(): back to where the cursor was
            target = self._restore_row
            if target >= len(self.items) and not self.complete:
                self._load_more()
                return
            self._restore_row = None
            if self.items:
                self.move_cursor(row=min(target, len(self.items) - 1))
        self._maybe_load_more()  # the cursor may still be near the end (End pressed)

    def _settle_widths(self, widest: list[int]) -> None:
        """Size auto-width columns to the rows just added, now (DataTable would measure every
        cell again on idle: :class:`~etrakit_tui.tui.textual_private.PresizedDataTable`)."""
        for column, width in zip(self.ordered_columns, widest, strict=True):
            if column.auto_width and width > column.content_width:
                column.content_width = width
        self.refresh(layout=True)

    def _failed(self, generation: int, exc: EtrakitError) -> None:
        """A domain error, said on the table (anything else took the app's error path)."""
        if generation != self._generation or not self.is_mounted:
            return
        self.is_loading = False
        message_for = getattr(self.app, "message_for", str)
        self.error = message_for(exc)
        self._show_title()

    def _fit(self, cells: Sequence[Text], widest: list[int]) -> list[Text]:
        """Check every cell is inert ``Text`` and cut it to its column's width; ``widest``
        (one per column) grows to the widest cell seen."""
        if len(cells) != len(self._columns):
            raise ValueError(f"{len(cells)} cells for {len(self._columns)} columns")
        fitted = []
        last = len(self._columns) - 1
        for index, (cell, column) in enumerate(zip(cells, self._columns, strict=True)):
            if not isinstance(cell, Text):
                raise TypeError("PagedTable cells must be rich Text from inert_text()")
            pad = "" if index == last else " " * GAP
            limit = column.width or column.max_width
            width = cell.cell_len
            if width <= limit and not cell.spans:  # the usual cell: one style, fits
                cell = Text(
                    cell.plain + pad,
                    style=cell.style,
                    justify=cell.justify,
                    overflow=cell.overflow,
                    no_wrap=cell.no_wrap,
                    end=cell.end,
                )
            else:
                cell = cell.copy()
                if width > limit:
                    cell.truncate(limit - 1)
                    cell.rstrip()
                    cell.append(ELLIPSIS)
                    width = cell.cell_len
                cell.append(pad)
            width += len(pad)
            if width > widest[index]:
                widest[index] = width
            fitted.append(cell)
        return fitted

    def _show_title(self) -> None:
        self.border_title = inert(f"{self.table_title} · {self.count_text}")
        if self.error:
            self.border_subtitle = inert(self.error)
        elif self.is_loading:
            self.border_subtitle = inert("loading...")
        elif self.items:
            of = self.total if self.total is not None else len(self.items)
            more = "" if self.complete or self.total is not None else "+"
            self.border_subtitle = inert(f"row {self.cursor_row + 1} of {of}{more}")
        else:
            self.border_subtitle = inert("no records")


def load_first_pages(
    tables: Sequence[PagedTable[Any, Any]], read: Callable[[], Sequence[Page[Any, Any]]]
) -> None:
    """Show on each of ``tables`` its first page, all read by ONE call of ``read`` (one
    page per table, in order; e.g. a service that reads a screen's lists together), in a
    plain thread started now. Call it in the screen's ``compose()``: a Textual worker would
    start only when the event loop next gets a turn, which while a screen is being built is
    tens of milliseconds later; here the database works while the screen is built and
    styled, and each page is shown once it and its table are both ready. If ``read``
    fails, every table says why, in words; the loaders read the pages after the first."""
    if not tables:
        return
    for table in tables:
        table.expect_first_page()
    app = tables[0].app

    def run() -> None:
        def show(pages: Sequence[Page[Any, Any]]) -> None:
            for table, page in zip(tables, pages, strict=True):
                table.show_first_page(page)

        def fail(exc: EtrakitError) -> None:
            for table in tables:
                table.show_load_error(exc)

        try:
            deliver: Callable[[], None] = partial(show, read())
        except EtrakitError as exc:  # said in words on the tables
            if isinstance(exc, DatabaseError):
                log_failure(exc, fatal=False)
            deliver = partial(fail, exc)
        except Exception as exc:  # the app's one error path (it ends the portal)
            deliver = partial(app.report, exc)  # type: ignore[attr-defined]
        with suppress(RuntimeError):  # the app has closed meanwhile: nobody to show it to
            app.call_from_thread(deliver)

    Thread(target=run, name=f"first-pages-{tables[0].id}", daemon=True).start()

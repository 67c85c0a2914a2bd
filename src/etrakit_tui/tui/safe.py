"""The one helper that turns data into inert text for widgets.

Anything a user typed (company names, notes, comments, file names) reaches a widget only
through :func:`inert` (a Textual ``Content``) or :func:`inert_text` (a Rich ``Text`` for
DataTable cells). Neither parses markup, and control/bidi characters are replaced first,
so ``[@click=app.quit]x[/]`` is shown, not run, and no escape byte reaches the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual.content import Content

if TYPE_CHECKING:
    from textual.widgets import DataTable

from etrakit_tui.text import defuse


def inert(value: object, *, multiline: bool = False) -> Content:
    """Plain, markup-free ``Content`` for Label, Static, Button and friends."""
    return Content(defuse(value, keep_newlines=multiline))


def inert_text(
    value: object,
    *,
    multiline: bool = False,
    style: str = "",
    justify: Literal["left", "right"] | None = None,
) -> Text:
    """Plain, markup-free Rich ``Text`` (DataTable cells, Select options); ``justify="right"``
    for amounts in a column."""
    return Text(
        defuse(value, keep_newlines=multiline),
        style=style,
        no_wrap=not multiline,
        justify=justify,
    )


def column_cells(values: Iterable[object], widths: Iterable[int]) -> list[Text]:
    """One row of a table with fixed-width columns: each value inert, cut to its column's
    width (an ellipsis shows it was cut)."""
    cells = []
    for value, width in zip(values, widths, strict=True):
        cell = inert_text(value)
        cell.truncate(width, overflow="ellipsis")
        cells.append(cell)
    return cells


def add_fixed_columns(table: DataTable[Text], columns: Sequence[tuple[str, int]]) -> None:
    """The columns of a table without cell padding: each its width plus a one-cell gap
    (the last none)."""
    last = len(columns) - 1
    for index, (label, width) in enumerate(columns):
        table.add_column(Text(label), width=width + (index != last))

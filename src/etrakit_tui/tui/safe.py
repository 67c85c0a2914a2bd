"""The one helper that turns data into inert text for widgets.

Anything a user typed (company names, notes, comments, file names) reaches a widget only
through :func:`inert` (a Textual ``Content``) or :func:`inert_text` (a Rich ``Text`` for
DataTable cells). Neither parses markup, and control/bidi characters are replaced first,
so ``[@click=app.quit]x[/]`` is shown, not run, and no escape byte reaches the terminal.
"""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual.content import Content

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

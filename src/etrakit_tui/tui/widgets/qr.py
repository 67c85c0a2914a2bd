"""A QR code drawn in the terminal (issue 15: pay an order from a phone).

:func:`qr_lines` turns a URL into lines of half blocks: ``segno.make(url, error="m")``'s
module matrix with a quiet zone of :data:`QUIET_ZONE` modules, two module rows per line —
``█`` both dark, ``▀`` upper dark, ``▄`` lower dark, space both light. Dark modules are the
characters themselves (the foreground), so the code reads the same without colour
(``NO_COLOR``); with colour, :class:`QrCode` draws them black on white, as scanners expect.
Only block characters and spaces reach the screen: nothing of the URL's text.
"""

from __future__ import annotations

from typing import ClassVar

import segno
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

QUIET_ZONE = 2
"""Light modules around the code (the standard asks 4; 2 scans well and fits 80x24)."""

BLOCKS = {
    (False, False): " ",
    (True, False): "\N{UPPER HALF BLOCK}",
    (False, True): "\N{LOWER HALF BLOCK}",
    (True, True): "\N{FULL BLOCK}",
}
"""(upper dark, lower dark) -> the character of one line's cell."""


def qr_matrix(url: str) -> list[list[bool]]:
    """``url``'s QR modules (error correction M), quiet zone included: ``True`` is dark."""
    code = segno.make(url, error="m")
    return [[bool(module) for module in row] for row in code.matrix_iter(border=QUIET_ZONE)]


def qr_lines(url: str) -> list[str]:
    """``url`` as a QR code of half blocks, two module rows per line (the last line's lower
    half is light when the rows are odd)."""
    matrix = qr_matrix(url)
    width = len(matrix[0])
    if len(matrix) % 2:
        matrix.append([False] * width)
    return [
        "".join(BLOCKS[upper, lower] for upper, lower in zip(top, bottom, strict=True))
        for top, bottom in zip(matrix[::2], matrix[1::2], strict=True)
    ]


class QrCode(Widget):
    """:func:`qr_lines` of ``url`` as a widget sized to the code (black on white)."""

    DEFAULT_CSS: ClassVar[str] = """
    QrCode { width: auto; height: auto; color: black; background: white; }
    """

    def __init__(self, url: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.lines = qr_lines(url)

    def render(self) -> Text:
        return Text("\n".join(self.lines), no_wrap=True, overflow="crop", end="")

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return len(self.lines[0])

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines)

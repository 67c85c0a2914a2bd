"""What a terminal shows of a screen, cell by cell, to check that the focus can be seen.

* :func:`cells` — the characters and styles of a widget's cells, as Textual composes the
  screen (NO_COLOR's filter included, when the app was made with ``NO_COLOR`` set).
* :func:`shown` — the colours a cell is shown in: reverse video applied and, for a 16-colour
  terminal (``TERM=xterm``), each colour as the nearest of the 16 (what rich's console,
  which writes Textual's output, does at that colour depth).
* :func:`contrast` — light text on dark (< 0) or dark text on light (> 0), averaged over the
  widget's printed (non-blank) cells: reverse video changes its sign, a shade does not.
* :class:`SixteenColourApp` — the portal, its pictures in 16 colours (for snapshots).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.color import Color, ColorSystem
from rich.segment import Segment
from rich.style import Style
from textual.color import Color as TextualColor
from textual.filter import LineFilter
from textual.widget import Widget

from etrakit_tui.tui.app import EtrakitApp

Cell = tuple[str, Style]
RGB = tuple[int, int, int]
BLACK: RGB = (0, 0, 0)
WHITE: RGB = (229, 229, 229)


def cells(widget: Widget) -> list[Cell]:
    """The widget's cells on the screen, row after row (Textual's own screen rendering:
    the compositor's strips, as ``App.export_screenshot`` uses them)."""
    region = widget.region
    strips = widget.screen._compositor.render_strips()
    found: list[Cell] = []
    for y in range(region.y, region.bottom):
        row: list[Cell] = []
        for segment in strips[y]:
            style = segment.style or Style()
            row += [(char, style) for char in segment.text]
        found += row[region.x : region.right]
    return found


def _rgb(color: Color | None, default: RGB, sixteen: bool) -> RGB:
    if color is None or color.is_default:
        return default
    if sixteen:
        color = color.downgrade(ColorSystem.STANDARD)
    triplet = color.get_truecolor()
    return (triplet.red, triplet.green, triplet.blue)


def shown(style: Style, *, sixteen: bool = False) -> tuple[RGB, RGB]:
    """(text colour, background) as the terminal shows the cell."""
    fg = _rgb(style.color, WHITE, sixteen)
    bg = _rgb(style.bgcolor, BLACK, sixteen)
    return (bg, fg) if style.reverse else (fg, bg)


def luminance(rgb: RGB) -> float:
    r, g, b = (c / 255 for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(found: Sequence[Cell], *, sixteen: bool = False) -> float:
    """Mean of (background - text) luminance over the printed cells: > 0 dark text on a
    light background, < 0 light text on dark."""
    printed = [style for char, style in found if char.strip()]
    assert printed, "no printed cell"
    total = 0.0
    for style in printed:
        fg, bg = shown(style, sixteen=sixteen)
        total += luminance(bg) - luminance(fg)
    return total / len(printed)


def reversed_share(found: Sequence[Cell]) -> float:
    """The share of printed cells carrying the reverse attribute (kept by any terminal,
    whatever colours it shows)."""
    printed = [style for char, style in found if char.strip()]
    return sum(bool(style.reverse) for style in printed) / len(printed)


class SixteenColours(LineFilter):
    """Each colour as the nearest of the 16 a ``TERM=xterm`` terminal has."""

    def apply(self, segments: list[Segment], background: TextualColor) -> list[Segment]:
        out = []
        for text, style, control in segments:
            if style is not None:
                style = Style.from_color(_down(style.color), _down(style.bgcolor)) + Style(
                    bold=style.bold,
                    reverse=style.reverse,
                    underline=style.underline,
                    italic=style.italic,
                    dim=style.dim,
                    strike=style.strike,
                )
            out.append(Segment(text, style, control))
        return out


def _down(color: Color | None) -> Color | None:
    if color is None or color.is_default:
        return color
    return Color.from_triplet(color.downgrade(ColorSystem.STANDARD).get_truecolor())


class SixteenColourApp(EtrakitApp):
    """The portal as a 16-colour terminal shows it (its pictures too)."""

    def get_line_filters(self) -> Sequence[LineFilter]:
        return [*super().get_line_filters(), SixteenColours()]

"""Images as terminal cell pictures (SPEC §2.10: "image as a cell picture").

:func:`half_block_picture` draws two pixels per cell with the upper half block ``▀``: the
foreground colour is the upper pixel, the background the lower one, so pixels are about
square on a usual terminal font. Without colour (``NO_COLOR``) that shows nothing, so
:func:`shade_picture` draws one grey level per cell with characters of growing density.

Both take the image's bytes (decoded with Pillow), scale it to fit ``max_cols`` x
``max_rows`` cells keeping its shape, and return a Rich ``Text`` made only of block/shade
characters — no text from the file reaches the screen. Anything Pillow cannot read, or an
image too large to decode safely, raises :class:`PictureError` with a message for the user.
Decoding is CPU work: call these from a worker thread.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError
from rich.color import Color
from rich.style import Style
from rich.text import Text

UPPER_HALF = "\N{UPPER HALF BLOCK}"
SHADES = " .:-=+*#%@"
"""From light to dense: a bright pixel on a dark terminal shows as a dense character."""

MAX_SOURCE_PIXELS = 40_000_000
"""Images larger than this (width x height) are not decoded (decompression bombs)."""


class PictureError(Exception):
    """The bytes are not an image Pillow can draw; ``str()`` is a message for the user."""


def fit(
    width: int, height: int, max_cols: int, max_rows: int, rows_per_cell: int
) -> tuple[int, int]:
    """Columns and pixel rows that fit ``max_cols`` x ``max_rows`` cells, keeping the shape.

    ``rows_per_cell`` is 2 for half blocks (square pixels) and 1 for shades (a cell is about
    twice as tall as wide, so the height is halved)."""
    if width <= 0 or height <= 0 or max_cols <= 0 or max_rows <= 0:
        return 0, 0
    aspect = 1.0 if rows_per_cell == 2 else 0.5
    scale = min(max_cols / width, (max_rows * rows_per_cell) / (height * aspect))
    cols = max(1, min(max_cols, round(width * scale)))
    rows = max(1, min(max_rows * rows_per_cell, round(height * aspect * scale)))
    if rows_per_cell == 2 and rows % 2:
        rows += 1 if rows < max_rows * 2 else -1
    return cols, max(rows, 1)


def _open(data: bytes, target: tuple[int, int]) -> Image.Image:
    """Decode ``data`` (refusing bombs and non-images) and reduce it to ``target`` pixels."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            source = Image.open(io.BytesIO(data))
            if source.width * source.height > MAX_SOURCE_PIXELS:
                raise PictureError("This image is too large to preview; save it instead.")
            source.draft("RGB", target)  # JPEG: decode at a reduced size (fast)
            image = source.convert("RGB")
    except PictureError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PictureError(
            "This file is not an image that can be shown; save it instead."
        ) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise PictureError(f"The image could not be read ({type(exc).__name__}).") from None
    return image


def image_size(data: bytes) -> tuple[int, int]:
    """The image's pixel size (from its header), or :class:`PictureError`."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.width, image.height
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise PictureError(
            "This file is not an image that can be shown; save it instead."
        ) from None


def half_block_picture(data: bytes, max_cols: int, max_rows: int) -> Text:
    """The image as colour half blocks, at most ``max_cols`` x ``max_rows`` cells."""
    width, height = image_size(data)
    cols, rows = fit(width, height, max_cols, max_rows, rows_per_cell=2)
    if cols == 0:
        return Text()
    image = _open(data, (cols, rows)).resize((cols, rows), Image.Resampling.BOX)
    pixels = image.load()
    assert pixels is not None
    styles: dict[tuple[object, object], Style] = {}
    picture = Text(no_wrap=True, overflow="crop")
    for y in range(0, rows, 2):
        for x in range(cols):
            top = pixels[x, y]
            bottom = pixels[x, y + 1] if y + 1 < rows else top
            style = styles.get((top, bottom))
            if style is None:
                style = Style(
                    color=Color.from_rgb(*_rgb(top)), bgcolor=Color.from_rgb(*_rgb(bottom))
                )
                styles[(top, bottom)] = style
            picture.append(UPPER_HALF, style)
        if y + 2 < rows:
            picture.append("\n")
    return picture


def shade_picture(data: bytes, max_cols: int, max_rows: int) -> Text:
    """The image as grey shades (no colour needed), at most ``max_cols`` x ``max_rows``."""
    width, height = image_size(data)
    cols, rows = fit(width, height, max_cols, max_rows, rows_per_cell=1)
    if cols == 0:
        return Text()
    image = _open(data, (cols, rows)).convert("L").resize((cols, rows), Image.Resampling.BOX)
    pixels = image.load()
    assert pixels is not None
    last = len(SHADES) - 1
    lines = []
    for y in range(rows):
        row = []
        for x in range(cols):
            level = pixels[x, y]
            assert isinstance(level, int)
            row.append(SHADES[level * last // 255])
        lines.append("".join(row))
    return Text("\n".join(lines), no_wrap=True, overflow="crop")


def _rgb(pixel: object) -> tuple[int, int, int]:
    if isinstance(pixel, tuple) and len(pixel) >= 3:
        return int(pixel[0]), int(pixel[1]), int(pixel[2])
    level = int(pixel) if isinstance(pixel, int | float) else 0
    return level, level, level

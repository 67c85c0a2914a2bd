"""The payment QR code (issue 15): the half-block lines hold exactly segno's modules, the
widget shows those lines, and without colour (NO_COLOR) the code is still there to scan."""

from __future__ import annotations

import pytest
import segno
from textual.app import App, ComposeResult

from etrakit_tui.tui.widgets.qr import QUIET_ZONE, QrCode, qr_lines
from tests.support.injection import screen_text

URLS = [
    "https://pay.example.gov/hemet?ref=PO-2611-0001&amount=116.00",
    "https://pay.example.gov/hemet/payments/order?ref=PO-2611-0001&amount=116.00",  # ~70+
    "https://x.example/p?o=PO-2612-0042&a=5.00",
    "https://pay.example.gov/?ref=PO-2611-0001&amount=1234567.89&city=Hemet&lang=en-US",
]

UPPER = {" ": (False, False), "▀": (True, False), "▄": (False, True), "█": (True, True)}


def decode(lines: list[str]) -> list[list[bool]]:
    """Half-block lines back to module rows (two rows per line; True is dark)."""
    rows: list[list[bool]] = []
    for line in lines:
        cells = [UPPER[char] for char in line]
        rows.append([upper for upper, _ in cells])
        rows.append([lower for _, lower in cells])
    return rows


def segno_rows(url: str) -> list[list[bool]]:
    """segno's own matrix of ``url`` (error correction M), with the quiet zone."""
    code = segno.make(url, error="m")
    return [[bool(m) for m in row] for row in code.matrix_iter(border=QUIET_ZONE)]


@pytest.mark.parametrize("url", URLS)
def test_lines_decode_to_segnos_matrix(url: str) -> None:
    lines = qr_lines(url)
    expected = segno_rows(url)
    assert set("".join(lines)) <= set(UPPER)  # blocks and spaces only: no text of the URL
    assert all(len(line) == len(expected[0]) for line in lines)
    decoded = decode(lines)
    if len(expected) % 2:  # the last line's lower half is the light row below the code
        assert not any(decoded.pop())
    assert decoded == expected


def test_a_70_character_url_is_at_most_41_columns_by_21_lines() -> None:
    url = URLS[1]
    assert len(url) >= 70
    lines = qr_lines(url)
    assert len(lines[0]) <= 41 and len(lines) <= 21


class QrApp(App[None]):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def compose(self) -> ComposeResult:
        yield QrCode(self.url, id="qr")


def shown_code(app: App[None]) -> list[str]:
    """The screen's rows under the code, cut to its width."""
    widget = app.query_one(QrCode)
    region = widget.region
    rows = screen_text(app).split("\n")[region.y : region.y + region.height]
    return [row[region.x : region.x + region.width] for row in rows]


@pytest.mark.parametrize("no_color", [False, True])
async def test_the_widget_shows_the_lines(monkeypatch: pytest.MonkeyPatch, no_color: bool) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    url = URLS[1]
    app = QrApp(url)
    assert app.no_color is no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        widget = app.query_one(QrCode)
        assert (widget.region.width, widget.region.height) == (41, 21)
        shown = shown_code(app)
        assert shown == qr_lines(url)
        rows = decode(shown)
        rows.pop()  # the light half line under the code's odd last row
        assert rows == segno_rows(url)  # the modules are characters, whatever the colours

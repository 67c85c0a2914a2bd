"""The shared injection corpus (SPEC §7) and helpers to check that data rendered inert.

Put each ``CORPUS`` string into data a screen shows (company names, notes, comments, file
names...), open the screen, and check:

* the app did not crash and is still running after keys are pressed;
* the text is shown literally: :func:`shown_form` gives what the user should read
  (control/bidi characters replaced by U+FFFD, exactly as ``etrakit_tui.text.defuse`` does);
* nothing the app writes to the terminal carries an ESC (0x1b) or C1 (0x80-0x9f) control
  that came from the data: :func:`assert_inert_output` on rendered screen text, or
  :func:`assert_no_injected_escapes` on the raw bytes a real terminal received.

Typical use in a Pilot test::

    from tests.support.injection import CORPUS, shown_form, assert_inert_output, screen_text

    text = screen_text(app)                 # what the user sees, one str per row
    assert_inert_output(text)               # no ESC / C1 / bidi anywhere on screen
    assert shown_form(CORPUS[0])[:20] in text
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from etrakit_tui.text import defuse

if TYPE_CHECKING:
    from rich.segment import Segment
    from textual.app import App

#: Hostile strings. Markup (Rich and Textual), action links, terminal escapes (CSI, OSC 52
#: clipboard, OSC 8 hyperlinks), 8-bit CSI, bidi override, NUL, and a very long value.
CORPUS: list[str] = [
    "[@click=app.quit]x[/]",
    "A [/b] B",
    "[link=http://x]y[/link]",
    "[bold red]loud[/bold red]",
    "$var {x} @click",
    "\x1b[2J",
    "\x1b]52;c;aGk=\x07",
    "\x1b]8;;http://x\x07y\x1b]8;;\x07",
    "\x9b31m",
    "\u202eevil",
    "a\x00b",
    "x" * 10000,
]

#: Short, single-line corpus members (handy for names shown in narrow table cells).
SHORT_CORPUS: list[str] = [value for value in CORPUS if len(value) < 100]

_ESC_OR_C1 = re.compile("[\x1b\x80-\x9f]")
_ESC_OR_C1_BYTES = re.compile(b"[\x1b]|\xc2[\x80-\x9f]")
_BIDI_OR_C0 = re.compile("[\x00-\x08\x0b-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def shown_form(value: str) -> str:
    """What a user should read on screen for ``value`` (single-line form)."""
    return defuse(value)


def assert_inert_output(text: str | Iterable[str]) -> None:
    """Fail if rendered screen text holds ESC, a C1 control, another C0 control or bidi.

    ``text`` is what the user sees: a string or the screen's lines (see :func:`screen_text`).
    """
    joined = text if isinstance(text, str) else "\n".join(text)
    bad = _ESC_OR_C1.search(joined) or _BIDI_OR_C0.search(joined)
    assert bad is None, f"control character {bad.group()!r} reached the screen at {bad.start()}"


def assert_no_injected_escapes(raw: bytes, allowed: Iterable[bytes] = ()) -> None:
    """Fail if raw terminal output holds an escape sequence carrying a corpus payload.

    A real terminal stream is full of the app's own CSI sequences, so this looks for the
    payloads that only injected data could produce: ``ESC[2J`` clear-screen written as data,
    an OSC 52 clipboard write, an OSC 8 hyperlink to ``http://x``, an 8-bit CSI (UTF-8
    ``\\xc2\\x9b``), and a bidi override. ``allowed`` lists byte strings to ignore.
    """
    for payload in (b"\x1b]52;", b"\x1b]8;;http://x", b"\xc2\x9b31m", "\u202e".encode()):
        if payload in allowed:
            continue
        assert payload not in raw, f"injected sequence {payload!r} reached the terminal"


def _screen_lines(app: App[object]) -> list[list[Segment]]:
    """The segments of each row on ``app``'s screen (modal screens over what they cover)."""
    update = app.screen._compositor.render_update(full=True)
    return [
        [segment for strip in line for segment in strip]
        for line in update.strips  # type: ignore[union-attr]
    ]


def screen_text(app: App[object]) -> str:
    """The characters currently on ``app``'s screen, one line per row (no styles)."""
    return "\n".join("".join(s.text for s in line) for line in _screen_lines(app))


def injected_links(app: App[object]) -> list[str]:
    """Links and click actions on screen that came from the corpus (``http://x`` links,
    ``app.quit`` clicks). Empty when the data rendered inert."""
    found = []
    for line in _screen_lines(app):
        for segment in line:
            style = segment.style
            if style is None:
                continue
            if style.link and "http://x" in style.link:
                found.append(f"link {style.link}")
            meta = style.meta or {}
            click = str(meta.get("@click", ""))
            if "quit" in click:
                found.append(f"click {click}")
    return found

"""Plain-text hygiene shared by every layer: what counts as a dangerous character.

Control characters (C0, DEL, C1) and bidirectional-override characters can rewrite a
terminal or disguise text. Input validation refuses them at the door (domain), and the TUI
replaces them with a visible mark before anything reaches a widget. Both use this module,
which imports neither textual nor rich.
"""

from __future__ import annotations

import re

REPLACEMENT = "\N{REPLACEMENT CHARACTER}"

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f"
_DANGEROUS = re.compile(f"[{_CONTROL}{_BIDI}\t\n]")
_DANGEROUS_KEEP_LINES = re.compile(f"[{_CONTROL}{_BIDI}]")


def has_unsafe_characters(value: str, *, allow_newlines: bool = False) -> bool:
    """True when ``value`` holds control or bidi characters (newlines allowed if asked)."""
    pattern = _DANGEROUS_KEEP_LINES if allow_newlines else _DANGEROUS
    return pattern.search(value.replace("\t", " ") if allow_newlines else value) is not None


def defuse(value: object, *, keep_newlines: bool = False) -> str:
    """``value`` as a string with every control/bidi character replaced by U+FFFD.

    Tabs become a space; newlines are kept only when asked (multi-line notes)."""
    text = "" if value is None else str(value)
    text = text.replace("\t", " ")
    if keep_newlines:
        text = text.replace("\r\n", "\n")
        return _DANGEROUS_KEEP_LINES.sub(REPLACEMENT, text)
    return _DANGEROUS.sub(REPLACEMENT, text)


def sentence(value: str) -> str:
    """``value`` with its first letter in capitals and the rest as written ("permit not
    found" -> "Permit not found"; unlike ``str.capitalize``, "Try again" stays as it is)."""
    return value[:1].upper() + value[1:]

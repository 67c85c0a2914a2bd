"""File names made from untrusted text (an attachment's name as uploaded).

One home for the rule, used where a name leaves the database: the local save into the
Downloads folder and the email attachment's ``filename``. Imports neither textual nor rich.
"""

from __future__ import annotations

import re

from etrakit_tui.text import defuse

MAX_NAME = 100
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_filename(name: str) -> str:
    """A file name safe to write: no folders, no control or odd characters, no leading dot,
    at most 100 characters; ``attachment`` if nothing is left."""
    base = defuse(name).replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_NAME.sub("_", base).strip(" ._")
    if len(base) > MAX_NAME:
        stem, dot, ext = base.rpartition(".")
        fits = dot and len(ext) <= 10
        base = (stem[: MAX_NAME - len(ext) - 1] + "." + ext) if fits else base[:MAX_NAME]
    return base or "attachment"


def numbered(name: str, n: int) -> str:
    """``report.pdf`` as the ``n``-th copy: ``report (2).pdf`` (``n`` of 1: the name)."""
    if n <= 1:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return f"{name} ({n})"
    return f"{stem} ({n}).{ext}"

"""Where the portal's looks live: its Textual stylesheets, in the order the app loads them.

The rule (also at the top of ``app.tcss``): every screen's and every popup's styles are in
these files, scoped by the screen's class name; only the reusable widgets of
``tui/widgets`` (FormField, PagedTable) keep their ``DEFAULT_CSS``, so they look right in any
app. The paths are absolute so that a subclass of the app defined elsewhere (a test's) finds
them too.
"""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

_HERE = Path(__file__).resolve().parent

STYLESHEETS: list[str | PurePath] = [
    _HERE.parent / "app.tcss",  # portal-wide rules
    _HERE / "focus.tcss",  # how the focus is shown, for every kind of control
    _HERE / "signin.tcss",  # the header every screen shows, and the sign-in screen
]
"""``EtrakitApp.CSS_PATH``: what the first screen (sign-in) needs, parsed before it is drawn."""

SCREEN_STYLESHEETS: list[str | PurePath] = [
    _HERE / "screens.tcss",  # the contractor's screens
    _HERE / "staff.tcss",  # the staff desk's and the inspector's screens
    _HERE / "modals.tcss",  # popups: the one frame (PortalModal) and what differs
]
"""Every other screen's and popup's: ``CSS_PATH`` of ``PortalScreen`` and ``PortalModal``
(Textual loads a screen's sheets when it is first shown), and read earlier, at the first
key on the sign-in screen, by :func:`load_screen_styles`. Parsing them all before the first
paint cost start-up time (issue 14: start-up <= 1.15x a bare Textual app)."""


def load_screen_styles(app: App[Any]) -> None:
    """Read and parse :data:`SCREEN_STYLESHEETS` into ``app``'s stylesheet now (once): the
    sign-in screen calls it at the first key, so the next screen does not wait for them
    (Textual would then parse every sheet again). Styles the current screen again, though
    their rules, scoped by screen class, do not match it."""
    stylesheet = app.stylesheet
    new = [path for path in SCREEN_STYLESHEETS if not stylesheet.has_source(str(path), "")]
    if not new:
        return
    for path in new:
        stylesheet.read(path)
    stylesheet.update(app.screen)  # parses only the new sheets (the others are cached)

"""Where the portal's looks live: its Textual stylesheets, in the order the app loads them.

The rule (also at the top of ``app.tcss``): every screen's and every popup's styles are in
these files, scoped by the screen's class name; only the reusable widgets of
``tui/widgets`` (FormField, PagedTable) keep their ``DEFAULT_CSS``, so they look right in any
app. The paths are absolute so that a subclass of the app defined elsewhere (a test's) finds
them too.
"""

from __future__ import annotations

from pathlib import Path, PurePath

_HERE = Path(__file__).resolve().parent

STYLESHEETS: list[str | PurePath] = [
    _HERE.parent / "app.tcss",  # portal-wide rules
    _HERE / "focus.tcss",  # how the focus is shown, for every kind of control
    _HERE / "screens.tcss",  # the contractor's screens (and the header they share)
    _HERE / "staff.tcss",  # the staff desk's and the inspector's screens
    _HERE / "modals.tcss",  # popups: the one frame (PortalModal) and what differs
]
"""``EtrakitApp.CSS_PATH``."""

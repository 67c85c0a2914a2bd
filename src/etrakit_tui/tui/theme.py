"""The sunlight theme: black on white, high contrast, for inspectors' laptops outdoors.

:func:`install` registers the theme with the app, applies the theme remembered from the
last session (once per app), and remembers every later change of theme — whether by the
``s`` key of the inspector's and the staff's screens (:func:`toggle`), the command palette
entries of :class:`ThemeCommands`, or Textual's own *Change theme* command. The choice is
kept in a small JSON file (``ui.json``) in the user config dir (``platformdirs``); the
``ETRAKIT_STATE_DIR`` environment variable points elsewhere (tests). A file that cannot be
read or written is ignored: the theme is a comfort, never a reason to fail.
"""

from __future__ import annotations

import os
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

import platformdirs
from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.theme import Theme

from etrakit_tui.locations import APP_NAME

SUNLIGHT = "etrakit-sunlight"
"""Name of the high-contrast theme."""

DEFAULT = "textual-dark"
"""What :func:`toggle` goes back to when the app started on the sunlight theme."""

STATE_ENV = "ETRAKIT_STATE_DIR"
STATE_FILE = "ui.json"

SUNLIGHT_THEME = Theme(
    name=SUNLIGHT,
    primary="#002b80",
    secondary="#000000",
    accent="#000000",
    warning="#6b3d00",
    error="#9e0000",
    success="#00542a",
    foreground="#000000",
    background="#ffffff",
    surface="#ffffff",
    panel="#d0d0d0",
    boost="#000000",
    dark=False,
    luminosity_spread=0.1,
    text_alpha=1.0,
    variables={
        "block-cursor-background": "#000000",
        "block-cursor-foreground": "#ffffff",
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-background": "#404040",
        "block-cursor-blurred-foreground": "#ffffff",
        "footer-background": "#000000",
        "footer-foreground": "#ffffff",
        "footer-key-foreground": "#ffffff",
        "footer-key-background": "#002b80",
        "footer-description-foreground": "#ffffff",
        "input-cursor-background": "#000000",
        "input-cursor-foreground": "#ffffff",
        "input-selection-background": "#002b80 40%",
        "border": "#000000",
        "border-blurred": "#404040",
        "scrollbar": "#404040",
        "scrollbar-background": "#d0d0d0",
        "link-color": "#002b80",
    },
)

_INSTALLED = "_etrakit_theme_installed"
_PREVIOUS = "_etrakit_theme_previous"


def state_dir() -> Path:
    """Where small UI state is kept: ``$ETRAKIT_STATE_DIR``, else the user config dir."""
    override = os.environ.get(STATE_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def remembered_theme() -> str | None:
    """The theme saved by the last session, if any (``None`` if unreadable)."""
    try:
        text = (state_dir() / STATE_FILE).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None
    import json  # only now: most starts find no file, and start-up is measured

    try:
        data = json.loads(text)
    except ValueError:
        return None
    name = data.get("theme") if isinstance(data, dict) else None
    return name if isinstance(name, str) and name else None


def remember_theme(name: str) -> None:
    """Save ``name`` as the theme for the next session (atomically; errors ignored)."""
    import json

    folder = state_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=folder, prefix=".ui-", suffix=".tmp", delete=False, encoding="utf-8"
        ) as handle:
            json.dump({"theme": name}, handle)
        Path(handle.name).replace(folder / STATE_FILE)
    except OSError:
        return


def install(app: App[Any]) -> None:
    """Register the sunlight theme, apply the remembered one, remember later changes.
    Idempotent: screens may call it on mount; the app should call it at start."""
    if getattr(app, _INSTALLED, False):
        return
    setattr(app, _INSTALLED, True)
    app.register_theme(SUNLIGHT_THEME)
    wanted = remembered_theme()
    if wanted and wanted in app.available_themes and wanted != app.theme:
        app.theme = wanted
    app.theme_changed_signal.subscribe(app, partial(_changed, app), immediate=True)


def _changed(app: App[Any], theme: Theme) -> None:
    if theme.name != SUNLIGHT:
        setattr(app, _PREVIOUS, theme.name)
    remember_theme(theme.name)


def toggle(app: App[Any]) -> str:
    """Switch between the sunlight theme and the theme used before it; returns the name."""
    install(app)
    if app.theme == SUNLIGHT:
        app.theme = getattr(app, _PREVIOUS, DEFAULT)
    else:
        setattr(app, _PREVIOUS, app.theme)
        app.theme = SUNLIGHT
    return app.theme


class ThemeCommands(Provider):
    """Command palette: *Sunlight theme* and *Standard theme*."""

    COMMANDS = (
        ("Sunlight theme (high contrast, black on white)", "sunlight"),
        ("Standard theme", "standard"),
    )

    async def discover(self) -> Hits:
        for title, which in self.COMMANDS:
            yield DiscoveryHit(title, partial(self._apply, which), help="Remembered next time")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, which in self.COMMANDS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._apply, which), title)

    def _apply(self, which: str) -> None:
        app = self.app
        install(app)
        if (which == "sunlight") != (app.theme == SUNLIGHT):
            toggle(app)

"""The sunlight theme: black on white, high contrast, for inspectors' laptops outdoors — and
whose theme a session shows.

:func:`install` registers the theme with the app and follows every change of theme — by the
``s`` key of the inspector's and the staff's screens (:func:`toggle`), the command palette
entries of :class:`ThemeCommands`, or Textual's own *Change theme* command:

* on the sign-in screen (nobody signed in) a change is for this session only;
* signed in, it is kept for the account in the database (``profile.save_theme``, in a
  thread worker), so the account finds it at its next sign-in (:func:`signed_in`);
* signing out goes back to the portal's default theme: the next visitor starts from it.

No file is ever read or written: a session served over SSH touches nothing on the server
but the database. A theme that cannot be saved is reported once and kept for the session.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.theme import Theme

if TYPE_CHECKING:
    from etrakit_tui.domain.accounts.actors import Actor
    from etrakit_tui.domain.store.db import Database

SUNLIGHT = "etrakit-sunlight"
"""Name of the high-contrast theme."""

DEFAULT = "textual-dark"
"""What :func:`toggle` goes back to when the app started on the sunlight theme."""

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
        # A table without focus keeps its cursor row light (grey): only the focused table's
        # is black (tui/styles/focus.tcss), so the focus is not a shade of grey.
        "block-cursor-blurred-background": "#d0d0d0",
        "block-cursor-blurred-foreground": "#000000",
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
_START = "_etrakit_theme_start"  # the theme the app started with: the default after sign-out
_SAVED = "_etrakit_theme_saved"  # what the signed-in account has kept (None: nothing)
_PENDING = "_etrakit_theme_pending"  # (actor, name) waiting for a saving worker

_SAVING = threading.Lock()  # one save at a time, the latest wish last


def install(app: App[Any]) -> None:
    """Register the sunlight theme and follow later changes of theme.
    Idempotent: screens may call it on mount; the app calls it at start."""
    if getattr(app, _INSTALLED, False):
        return
    setattr(app, _INSTALLED, True)
    app.register_theme(SUNLIGHT_THEME)
    setattr(app, _START, app.theme)
    app.theme_changed_signal.subscribe(app, partial(_changed, app), immediate=True)


def _changed(app: App[Any], theme: Theme) -> None:
    if theme.name != SUNLIGHT:
        setattr(app, _PREVIOUS, theme.name)
    actor = getattr(app, "actor", None)
    if actor is None or theme.name == getattr(app, _SAVED, None):
        return  # anonymous: this session only; or what the account has already
    setattr(app, _SAVED, theme.name)
    setattr(app, _PENDING, (actor, theme.name))
    app.run_worker(partial(_save, app), thread=True, group="theme-save", exit_on_error=False)


def _save(app: App[Any]) -> None:
    """Thread worker: keep the latest wished theme for its account."""
    from etrakit_tui.domain.accounts import profile

    with _SAVING:
        pending = getattr(app, _PENDING, None)
        setattr(app, _PENDING, None)
        if pending is None:
            return  # an earlier worker saved the latest wish already
        actor, name = pending
        try:
            database: Database = app.database  # type: ignore[attr-defined]
            profile.save_theme(database, actor, name, allowed=app.available_themes)
        except Exception as exc:  # the theme stays for this session; say it once
            app.call_from_thread(_not_saved, app, actor, exc)


def _not_saved(app: App[Any], actor: Actor, exc: Exception) -> None:
    if getattr(app, "actor", None) == actor:
        setattr(app, _SAVED, None)
    show = getattr(app, "show_error", None)
    if show is not None:
        show(exc)


def signed_in(app: App[Any], actor: Actor, name: str | None = None) -> None:
    """``actor`` has signed in: show their account's theme ``name``, as the sign-in read it
    (``SignInResult.theme``; ``None``: the account has kept none, and goes on in this
    session's theme)."""
    install(app)
    _apply(app, actor, name)


def _apply(app: App[Any], actor: Actor, name: str | None) -> None:
    if getattr(app, "actor", None) != actor:
        return  # signed out (or someone else signed in) meanwhile
    setattr(app, _SAVED, name)
    if name and name in app.available_themes and name != app.theme:
        app.theme = name


def signed_out(app: App[Any]) -> None:
    """Back to the portal's default theme (call once ``app.actor`` is ``None``)."""
    install(app)
    setattr(app, _SAVED, None)
    setattr(app, _PENDING, None)
    start = getattr(app, _START, DEFAULT)
    if app.theme != start:
        app.theme = start


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
            yield DiscoveryHit(
                title, partial(self._apply, which), help="Kept for your account when signed in"
            )

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

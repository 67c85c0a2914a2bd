"""PortalFooter: one line of keys that fits the terminal's width by priority (issue 13).

First the screen's own keys (and the focused widget's), then ``F1 Menu`` — always shown,
room is kept for it — then ``Esc Back``, the menu destinations, ``F10 Sign out`` and
``Ctrl+Q Quit`` while they fit. What does not fit is one key away on the Menu screen (F1).

Built only on Textual's public API (``Screen.active_bindings``, ``bindings_updated_signal``,
``App.simulate_key``): one line of text, no child widgets, redrawn only when the keys it
shows change. A destination's word comes from the navigation registry for the signed-in
kind of account (the same F2 is "Dashboard", "My route" or "Desk")."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

from etrakit_tui.tui import navigation

Item = tuple[str, str, str]
"""(key to press, key as written, words)."""

LOW_PRIORITY = ("back", "go", "sign_out", "quit")


class PortalFooter(Widget, can_focus=False):
    """The keys that matter, at any width (``F1 Menu`` always)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"portal-footer--key", "portal-footer--words"}

    DEFAULT_CSS = """
    PortalFooter {
        dock: bottom; height: 1; width: 1fr;
        background: $footer-background; color: $footer-foreground;
    }
    PortalFooter > .portal-footer--key {
        color: $footer-key-foreground; background: $footer-key-background; text-style: bold;
    }
    PortalFooter > .portal-footer--words {
        color: $footer-description-foreground; background: $footer-description-background;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._items: list[Item] = []
        self._menu: Item | None = None
        self._shown: list[tuple[int, int, str]] = []  # (start, end, key) of each drawn item

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        if screen is not self.screen:
            return
        items = self.items()
        if items != self._items:
            self._items = items
            self.refresh()

    # ------------------------------------------------------------------ what to show

    def items(self) -> list[Item]:
        """Every key to show, in priority order: own keys, Menu, then the rest."""
        kind = getattr(getattr(self.app, "actor", None), "kind", None)
        own: list[Item] = []
        rest: dict[str, list[Item]] = {name: [] for name in LOW_PRIORITY}
        menu: Item | None = None
        seen: set[tuple[str, str]] = set()  # "c,delete": one action, shown once
        for key, active in self.screen.active_bindings.items():
            binding: Binding = active.binding
            mark = (binding.action, binding.id or key)
            if not binding.show or not active.enabled or mark in seen:
                continue
            seen.add(mark)
            item = (key, self.app.get_key_display(binding), binding.description)
            name = navigation.nav_name(binding)
            if name == "menu":
                menu = item
            elif name in ("back", "sign_out"):
                rest[name].append(item)
            elif name is not None:
                d = navigation.destination(kind, name)
                rest["go"].append((key, item[1], d.label if d else item[2]))
            elif binding.action in ("quit", "app.quit"):
                rest["quit"].append(item)
            else:
                own.append(item)
        self._menu = menu
        first = [menu] if menu is not None else []
        return own + first + [item for name in LOW_PRIORITY for item in rest[name]]

    def fit(self, width: int) -> list[Item]:
        """The items that fit ``width``, in order: each in priority order while it fits
        (room for ``F1 Menu`` is kept whatever comes before it)."""
        menu = self._menu
        room = width - (_width(menu) if menu else 0)
        chosen: list[Item] = []
        for item in self._items:
            if item == menu:
                chosen.append(item)
            elif _width(item) <= room:
                chosen.append(item)
                room -= _width(item)
        return chosen

    @property
    def text(self) -> str:
        """The footer as plain text, as drawn at the current width (tests read this)."""
        return self.render().plain

    def render(self) -> Text:
        key_style = self.get_component_rich_style("portal-footer--key")
        words_style = self.get_component_rich_style("portal-footer--words")
        line = Text(no_wrap=True, overflow="crop", end="")
        self._shown = []
        for key, written, words in self.fit(self.size.width or 80):
            start = line.cell_len
            line.append(f" {written} ", key_style)
            line.append(f"{words} ", words_style)
            self._shown.append((start, line.cell_len, key))
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._shown:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return


def _width(item: Item) -> int:
    return len(item[1]) + len(item[2]) + 3

"""The Menu screen (F1 everywhere): every destination of the signed-in kind of account with
its key, the keys of the screen it was opened from, and Sign out, the command palette and
Quit — all generated from :mod:`etrakit_tui.tui.navigation` and the screen's own bindings.
Enter on a line does it; Esc (or F1) closes the menu. On the sign-in screen it lists the
sign-in keys (F8 staff sign-in, ...)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from etrakit_tui.tui import navigation
from etrakit_tui.tui.navigation import key_words
from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.screens.modal import PortalModal
from etrakit_tui.tui.widgets.footer import PortalFooter

KEY_WIDTH = 8


def screen_keys(screen: Screen[Any]) -> list[tuple[str, str]]:
    """(key, words) of the keys ``screen`` shows that are its own (not the menu's)."""
    keys = []
    seen: set[tuple[str, str]] = set()  # "c,delete": one action, listed once
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.show or not active.enabled or navigation.nav_name(binding) is not None:
            continue
        mark = (binding.action, binding.id or key)
        if mark in seen:
            continue
        seen.add(mark)
        if binding.action in ("quit", "app.quit", "app.menu"):
            continue
        keys.append((key, binding.description))
    return keys


def _line(key: str, words: str) -> str:
    return f"{key_words(key):<{KEY_WIDTH}}{words}"


class MenuScreen(PortalModal[None]):
    """Every way to go from here, one key or one Enter away (Esc or F1 closes it)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "close", "Close", show=False, id="menu.close-f1"),
        *navigation.destination_bindings(),
        Binding(
            navigation.SIGN_OUT.key,
            navigation.SIGN_OUT.action,
            navigation.SIGN_OUT.label,
            id="nav.sign_out",
        ),
    ]

    def __init__(self, under: Screen[Any]) -> None:
        super().__init__()
        self.under_keys = screen_keys(under)
        actor = getattr(under.app, "actor", None)
        self.kind = actor.kind if actor is not None else None

    def entries(self) -> list[tuple[str, str, str]]:
        """(section or "", line, what Enter does) in order; a section heading has no action."""
        rows: list[tuple[str, str, str]] = []
        menu = navigation.destinations(self.kind)
        if menu:
            rows.append(("Go to", "", ""))
            rows += [("", _line(d.key, d.title), f"go:{d.name}") for d in menu]
        if self.under_keys:
            rows.append(("On this screen", "", ""))
            rows += [("", _line(key, words), f"key:{key}") for key, words in self.under_keys]
        rows.append(("Always", "", ""))
        commands = [navigation.BACK]
        if self.kind is not None:
            commands.append(navigation.SIGN_OUT)
        commands += [navigation.PALETTE, navigation.QUIT]
        for command in commands:
            what = f"key:{command.key}" if command is navigation.BACK else command.action
            rows.append(("", _line(command.key, command.title), what))
        return rows

    def compose(self) -> ComposeResult:
        options: list[Option] = []
        for n, (section, line, what) in enumerate(self.entries()):
            if section:
                options.append(Option(inert(section), id=f"section-{n}", disabled=True))
            else:
                options.append(Option(inert("  " + line), id=f"{n}:{what}"))
        with Vertical(id="menu", classes="dialog"):
            yield Static("Menu — Enter goes, Esc closes", id="menu-title", classes="title")
            yield OptionList(*options, id="menu-list")
        yield PortalFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#menu-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        what = (event.option.id or ":").split(":", 1)[1]
        self.do(what)

    def do(self, what: str) -> None:
        """Do one entry: ``go:<name>``, ``key:<key>``, or an action of the app."""
        app: Any = self.app
        if what.startswith("go:"):
            app.action_go(what.removeprefix("go:"))  # closes the menu first
            return
        self.dismiss(None)
        if what.startswith("key:"):
            app.simulate_key(what.removeprefix("key:"))
        elif what == "app.sign_out":
            app.action_sign_out()
        elif what == "app.command_palette":
            app.action_command_palette()
        elif what == "app.quit":
            app.exit()

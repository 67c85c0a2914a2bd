"""The portal's navigation, defined once, as data (SPEC §2): for each kind of account, the
destinations of its menu — key, footer word, title, description, screen.

Everything else is generated from :data:`DESTINATIONS`: the menu keys every signed-in screen
binds (:data:`NAV_BINDINGS`), the footer's words, the command palette's entries, the Menu
screen (F1) and the README's "Keys" table (checked by ``tests/tui/test_navigation.py``).
A new screen is one entry. Screens are imported only when opened, so starting the app (the
sign-in screen) stays fast."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from textual.binding import Binding, BindingType
from textual.screen import Screen

from etrakit_tui.domain.accounts.actors import ActorKind

HOME = "dashboard"
"""The name of every kind's home: the base of the signed-in screens (F2)."""


@dataclass(frozen=True)
class Destination:
    """One entry of a menu: ``key`` opens ``screen`` (a class in ``tui.screens.<module>``)."""

    name: str
    key: str
    label: str
    """The footer's word."""
    title: str
    """The Menu screen's and the command palette's words."""
    description: str
    module: str
    screen: str

    def screen_class(self) -> type[Screen[object]]:
        cls: type[Screen[object]] = getattr(
            import_module(f"etrakit_tui.tui.screens.{self.module}"), self.screen
        )
        return cls

    def open(self) -> Screen[object]:
        return self.screen_class()()


def _search() -> Destination:
    return Destination(
        "search", "f3", "Search", "Search permits & plan reviews",
        "Find a permit or plan review by number, address or name", "search", "SearchScreen",
    )  # fmt: skip


def _contact() -> Destination:
    return Destination(
        "contact", "f7", "Contact", "Contact us",
        "The Building Division's address, phone, email and hours", "contact", "ContactScreen",
    )  # fmt: skip


DESTINATIONS: dict[ActorKind, tuple[Destination, ...]] = {
    ActorKind.COMPANY: (
        Destination(
            HOME, "f2", "Dashboard", "My Dashboard",
            "Active permits, active inspections, expired permits", "dashboard", "DashboardScreen",
        ),
        _search(),
        Destination(
            "schedule", "f4", "Schedule", "Schedule an inspection",
            "Pick a permit, then request inspections", "schedule", "ScheduleScreen",
        ),
        Destination(
            "cancel", "f5", "Cancel insp.", "Cancel an inspection",
            "Your upcoming inspections; cancel one", "cancel", "CancelScreen",
        ),
        Destination(
            "profile", "f6", "Profile", "View/Edit profile",
            "Address, phone, email, notifications and password", "profile", "ProfileScreen",
        ),
        _contact(),
        Destination(
            "pay", "f12", "Pay fees", "Pay fees",
            "Pick permits with fees due; a payment order, paid online or otherwise",
            "payments", "PayScreen",
        ),
    ),
    ActorKind.INSPECTOR: (
        Destination(
            HOME, "f2", "My route", "My route",
            "The inspections assigned to you, one day at a time", "route", "RouteScreen",
        ),
        _search(),
        _contact(),
    ),
    ActorKind.STAFF: (
        Destination(
            HOME, "f2", "Desk", "Staff desk",
            "Companies, accounts, permits, reviews, inspections, payments, audit log",
            "staff", "StaffHomeScreen",
        ),
        _search(),
        _contact(),
    ),
}  # fmt: skip
"""Each kind of account's menu, its home first."""

KIND_WORDS: dict[ActorKind, str] = {
    ActorKind.COMPANY: "Contractor",
    ActorKind.INSPECTOR: "Inspector",
    ActorKind.STAFF: "Staff",
}


@dataclass(frozen=True)
class Command:
    """A key every signed-in screen has besides the destinations."""

    key: str
    action: str
    label: str
    title: str
    description: str


MENU = Command("f1", "app.menu", "Menu", "Menu and keys", "Every destination and key")
BACK = Command("escape", "back", "Back", "Back", "Back to the previous screen")
SIGN_OUT = Command("f10", "app.sign_out", "Sign out", "Sign out", "Sign out of the portal")
QUIT = Command("ctrl+q", "app.quit", "Quit", "Quit", "Leave the portal")
PALETTE = Command("ctrl+p", "app.command_palette", "Palette", "Command palette", "Find anything")


def destinations(kind: ActorKind | None) -> tuple[Destination, ...]:
    """The menu of ``kind`` (none before sign-in; system/anonymous have none)."""
    return DESTINATIONS.get(kind, ()) if kind is not None else ()


def destination(kind: ActorKind | None, name: str) -> Destination | None:
    return next((d for d in destinations(kind) if d.name == name), None)


def home_for(kind: ActorKind) -> Screen[object]:
    """The signed-in base screen: dashboard, inspector's route, or the staff desk."""
    home = destination(kind, HOME)
    assert home is not None, f"no home for {kind}"
    return home.open()


def _binding(command: Command, *, show: bool = True) -> Binding:
    return Binding(
        command.key,
        command.action,
        command.label,
        show=show,
        id=f"nav.{command.action.removeprefix('app.')}",
        tooltip=command.description,
    )


def destination_bindings() -> list[Binding]:
    """One binding per destination name of any kind (``app.go('<name>')``); the app's
    ``check_action`` hides and refuses those the signed-in kind has not."""
    seen: dict[str, Destination] = {}
    for menu in DESTINATIONS.values():
        for d in menu:
            seen.setdefault(d.name, d)
    return [
        Binding(d.key, f"app.go('{d.name}')", d.label, id=f"nav.{d.name}", tooltip=d.title)
        for d in seen.values()
    ]


NAV_BINDINGS: list[BindingType] = [
    _binding(MENU),
    _binding(BACK),
    *destination_bindings(),
    _binding(SIGN_OUT),
]
"""The keys of every signed-in screen: F1 Menu, Esc Back, the destinations, F10 Sign out
(Ctrl+Q Quit and Ctrl+P the palette are the app's)."""


def nav_name(binding: Binding) -> str | None:
    """``"menu"``, ``"back"``, ``"sign_out"`` or a destination's name for a navigation
    binding; ``None`` for a screen's own key."""
    if binding.id is not None and binding.id.startswith("nav."):
        return binding.id.removeprefix("nav.")
    return None


def key_words(key: str) -> str:
    """How the footer and the Menu screen write a key: ``F1``, ``Esc``, ``Ctrl+S``."""
    key = key.split(",")[0]
    names = {"escape": "Esc", "enter": "Enter", "delete": "Del", "tab": "Tab"}
    if key in names:
        return names[key]
    if key.startswith("f") and key[1:].isdigit():
        return key.upper()
    parts = key.split("+")
    return "+".join(p.capitalize() if len(p) > 1 else p.upper() for p in parts)


def keys_table() -> str:
    """The README's "Keys" table (Markdown): one row per key, one column per kind."""
    kinds = list(DESTINATIONS)
    rows = [
        "| key | " + " | ".join(KIND_WORDS[k] for k in kinds) + " |",
        "|---|" + "---|" * len(kinds),
    ]

    def row(key: str, cells: list[str]) -> None:
        rows.append(f"| {key_words(key)} | " + " | ".join(cells) + " |")

    row(MENU.key, [MENU.title] * len(kinds))
    keys = sorted({d.key for menu in DESTINATIONS.values() for d in menu}, key=lambda k: int(k[1:]))
    for key in keys:
        titles = {k: next((d.title for d in destinations(k) if d.key == key), "—") for k in kinds}
        row(key, [titles[k] for k in kinds])
    for command in (SIGN_OUT, BACK, PALETTE, QUIT):
        row(command.key, [command.description if command is BACK else command.title] * len(kinds))
    return "\n".join(rows)

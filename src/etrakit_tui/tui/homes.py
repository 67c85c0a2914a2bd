"""Where each kind of account lands after sign-in, and what its menu keys open.

Screens are imported lazily, so starting the app (the sign-in screen) stays fast."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from textual.screen import Screen

from etrakit_tui.domain.actors import ActorKind

ScreenFactory = Callable[[], Screen[object]]

# menu name -> (module under etrakit_tui.tui.screens, class name)
COMPANY_MENU: dict[str, tuple[str, str]] = {
    "dashboard": ("dashboard", "DashboardScreen"),
    "search": ("search", "SearchScreen"),
    "schedule": ("schedule", "ScheduleScreen"),
    "cancel": ("cancel", "CancelScreen"),
    "profile": ("profile", "ProfileScreen"),
    "contact": ("contact", "ContactScreen"),
}
INSPECTOR_MENU: dict[str, tuple[str, str]] = {
    "dashboard": ("route", "RouteScreen"),
    "search": ("search", "SearchScreen"),
    "contact": ("contact", "ContactScreen"),
}
STAFF_MENU: dict[str, tuple[str, str]] = {
    "dashboard": ("staff", "StaffHomeScreen"),
    "search": ("search", "SearchScreen"),
    "contact": ("contact", "ContactScreen"),
}


def _factory(module: str, name: str) -> ScreenFactory:
    def make() -> Screen[object]:
        cls = getattr(import_module(f"etrakit_tui.tui.screens.{module}"), name)
        screen: Screen[object] = cls()
        return screen

    return make


def menu_for(kind: ActorKind) -> dict[str, ScreenFactory]:
    table = {
        ActorKind.COMPANY: COMPANY_MENU,
        ActorKind.INSPECTOR: INSPECTOR_MENU,
    }.get(kind, STAFF_MENU)
    return {key: _factory(module, cls) for key, (module, cls) in table.items()}


def home_for(kind: ActorKind) -> Screen[object]:
    """The signed-in base screen: dashboard, inspector's route, or the staff desk."""
    return menu_for(kind)["dashboard"]()

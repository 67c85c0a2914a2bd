"""Command palette (ctrl+p): every menu screen of the signed-in account, and a jump to any
of the company's own permits by number."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.text import defuse

if TYPE_CHECKING:
    from etrakit_tui.domain.readmodels import SearchHit

MENU_TITLES = {
    "dashboard": "Dashboard",
    "search": "Search permits & plan reviews",
    "schedule": "Schedule an inspection",
    "cancel": "Cancel an inspection",
    "profile": "View/Edit profile",
    "contact": "Contact us",
}
PERMIT_HITS = 8


class PortalCommands(Provider):
    """Screens by name; own permits by number (``B19`` finds B1906-174)."""

    def _menu(self) -> list[tuple[str, str]]:
        menu = getattr(self.app, "menu", {})
        return [(MENU_TITLES.get(name, name.title()), name) for name in menu]

    def _go(self, name: str) -> None:
        go = getattr(self.app, "action_go", None)
        if go is not None:
            go(name)

    def _open_permit(self, number: str) -> None:
        from etrakit_tui.tui.screens.permit import PermitScreen

        self.app.push_screen(PermitScreen(number))

    async def discover(self) -> Hits:
        for title, name in self._menu():
            yield DiscoveryHit(title, partial(self._go, name), help="Menu")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, name in self._menu():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._go, name), help="Menu")
        for hit in await self._own_permits(query):
            label = defuse(f"Permit #{hit.number}  {hit.permit_type}  {hit.address}")
            yield Hit(
                1.0,
                Content(label),
                partial(self._open_permit, hit.number),
                text=label,
                help="Open the permit",
            )

    async def _own_permits(self, query: str) -> list[SearchHit]:
        actor = getattr(self.app, "actor", None)
        text = query.strip()
        if actor is None or len(text) < 2 or not text[0].isalpha():
            return []
        from etrakit_tui.domain.search import search_permits  # signed in: the data layer is up

        database = getattr(self.app, "database", None)
        if database is None:
            return []
        try:
            page = await asyncio.to_thread(
                search_permits, database, actor, text, "number", None, PERMIT_HITS * 4
            )
        except EtrakitError:
            return []
        return [hit for hit in page.items if hit.is_mine and hit.can_open][:PERMIT_HITS]

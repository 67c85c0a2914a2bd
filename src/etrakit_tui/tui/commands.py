"""Command palette (ctrl+p): every menu destination of the signed-in kind of account (from
the navigation registry), the Menu, Sign out and Quit, and a jump to any of the company's
own permits by number."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.text import defuse
from etrakit_tui.tui import navigation
from etrakit_tui.tui.navigation import key_words

if TYPE_CHECKING:
    from etrakit_tui.domain.permits.views import SearchHit

PERMIT_HITS = 8


class PortalCommands(Provider):
    """Screens by name; own permits by number (``B19`` finds B1906-174)."""

    def _menu(self) -> list[tuple[str, Callable[[], object], str]]:
        """(title, what it does, help) of each entry: destinations, then the commands."""
        actor = getattr(self.app, "actor", None)
        if actor is None:
            return []
        app: Any = self.app
        entries: list[tuple[str, Callable[[], object], str]] = [
            (d.title, partial(app.action_go, d.name), f"Menu ({key_words(d.key)})")
            for d in navigation.destinations(actor.kind)
        ]
        for command, run in (
            (navigation.MENU, app.action_menu),
            (navigation.SIGN_OUT, app.action_sign_out),
            (navigation.QUIT, app.exit),
        ):
            words = f"{command.description} ({key_words(command.key)})"
            entries.append((command.title, run, words))
        return entries

    def _open_permit(self, number: str) -> None:
        from etrakit_tui.tui.screens.permit import PermitScreen

        self.app.push_screen(PermitScreen(number))

    async def discover(self) -> Hits:
        for title, run, words in self._menu():
            yield DiscoveryHit(title, run, help=words)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, run, words in self._menu():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, help=words)
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
        from etrakit_tui.domain.permits.search import search_permits

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

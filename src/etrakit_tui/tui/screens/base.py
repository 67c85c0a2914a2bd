"""PortalScreen: what every signed-in screen shares — the header line, the menu keys, the footer,
and one way to call a domain service off the UI thread (:meth:`PortalScreen.call_service`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Static

from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.workers import run_service

if TYPE_CHECKING:
    from etrakit_tui.domain.actors import Actor
    from etrakit_tui.domain.db import Database
    from etrakit_tui.tui.app import EtrakitApp

T = TypeVar("T")

# The portal's left menu, one keystroke away everywhere (SPEC §2).
MENU_BINDINGS: list[BindingType] = [
    Binding(
        "f2",
        "app.go('dashboard')",
        "Dashboard",
        id="menu.dashboard",
        tooltip="My Dashboard: active permits, inspections, expired permits",
    ),
    Binding(
        "f3",
        "app.go('search')",
        "Search",
        id="menu.search",
        tooltip="Search permits & plan reviews",
    ),
    Binding(
        "f4", "app.go('schedule')", "Schedule", id="menu.schedule", tooltip="Schedule an inspection"
    ),
    Binding(
        "f5", "app.go('cancel')", "Cancel insp.", id="menu.cancel", tooltip="Cancel an inspection"
    ),
    Binding(
        "f6",
        "app.go('profile')",
        "Profile",
        id="menu.profile",
        tooltip="View/Edit profile and password",
    ),
    Binding(
        "f7",
        "app.go('contact')",
        "Contact",
        id="menu.contact",
        tooltip="Contact the Building Division",
    ),
    Binding("f10", "app.sign_out", "Sign out", id="menu.sign_out", tooltip="Sign out"),
]


class PortalHeader(Horizontal):
    """Product name, jurisdiction, and ``Signed in as: <COMPANY>`` (user data: inert)."""

    def __init__(self, jurisdiction: str, signed_in_as: str | None) -> None:
        super().__init__()
        self._jurisdiction = jurisdiction
        self._who = signed_in_as

    def compose(self) -> ComposeResult:
        yield Static("eTRAKiT", id="brand")
        yield Static(inert(self._jurisdiction), id="jurisdiction")
        if self._who is not None:
            yield Static(inert(f"Signed in as: {self._who}"), id="who")


class PortalScreen(Screen[Any]):
    """Base of every signed-in screen."""

    BINDINGS: ClassVar[list[BindingType]] = MENU_BINDINGS

    @property
    def portal(self) -> EtrakitApp:
        from etrakit_tui.tui.app import EtrakitApp

        assert isinstance(self.app, EtrakitApp)
        return self.app

    @property
    def database(self) -> Database:
        return self.portal.database

    @property
    def actor(self) -> Actor:
        actor = self.portal.actor
        assert actor is not None, "signed-in screen without a signed-in actor"
        return actor

    def compose_header(self) -> ComposeResult:
        yield PortalHeader(self.database.jurisdiction.name, self.portal.signed_in_as)

    def compose_footer(self) -> ComposeResult:
        from etrakit_tui.tui.widgets.form_field import FormFooter

        yield FormFooter()

    def call_service(
        self,
        service: Callable[..., T],
        *args: Any,
        on_done: Callable[[T], None],
        on_error: Callable[[Exception], None] | None = None,
        group: str = "service",
        **kwargs: Any,
    ) -> None:
        """Run ``service(*args, **kwargs)`` in a thread; results come back on the UI thread.
        ``on_error`` gets domain errors only (their text is fit for the user); anything else
        takes the app's one error path (see :func:`etrakit_tui.tui.workers.run_service`)."""
        run_service(
            self,
            lambda: service(*args, **kwargs),
            on_done=on_done,
            on_error=on_error or self.portal.report,
            group=group,
        )

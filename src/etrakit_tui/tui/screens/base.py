"""PortalScreen: what every signed-in screen shares — the header line, the menu keys, Esc,
the footer, and one way to call a domain service off the UI thread
(:meth:`PortalScreen.call_service`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Static

from etrakit_tui.tui.compositor import use_portal_compositor
from etrakit_tui.tui.navigation import NAV_BINDINGS
from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.styles import SCREEN_STYLESHEETS
from etrakit_tui.tui.workers import run_service

if TYPE_CHECKING:
    from etrakit_tui.domain.accounts.actors import Actor
    from etrakit_tui.domain.store.db import Database
    from etrakit_tui.tui.app import EtrakitApp

T = TypeVar("T")


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
    """Base of every signed-in screen: the menu keys (generated from the navigation
    registry), and Esc back to the previous screen — asking first when
    :meth:`discard_question` says input would be lost; on the home screen Esc does nothing."""

    BINDINGS: ClassVar[list[BindingType]] = NAV_BINDINGS
    CSS_PATH = SCREEN_STYLESHEETS  # loaded with the first one shown, if not loaded already

    def __init__(
        self, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name, id, classes)
        use_portal_compositor(self)

    @property
    def is_home(self) -> bool:
        return getattr(self.app, "home_screen", None) is self

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return not self.is_home
        return True

    def discard_question(self) -> str | None:
        """What leaving this screen would lose, as a yes/no question ("Discard ...?");
        ``None``: nothing would be lost."""
        return None

    def action_back(self) -> None:
        """Esc: back to the previous screen (asking first if input would be lost)."""
        if self.is_home or not self.is_current:
            return
        question = self.discard_question()
        if question is None:
            self.leave()
        else:
            from etrakit_tui.tui.screens.discard import ask_discard

            ask_discard(self, question, then=self.leave)

    def leave(self) -> None:
        """Close this screen (its input is given up)."""
        if self.is_current:
            self.dismiss()

    @property
    def portal(self) -> EtrakitApp:
        """The portal app (every portal screen runs in one; typed here without importing
        the app module, which imports the screens)."""
        return cast("EtrakitApp", self.app)

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

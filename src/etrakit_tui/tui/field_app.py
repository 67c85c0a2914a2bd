"""Field mode's portal (issue 16): ``etrakit-tui field`` on an inspector's laptop.

The app runs on the *field file* (a small etrakit database holding the checked-out day) and
is signed in as the checked-out inspector at once (the password was verified at checkout).
Its home is the inspector's own route screen; the screens know they are in field mode by
:attr:`EtrakitApp.field <etrakit_tui.tui.app.EtrakitApp.field>`, a
:class:`~etrakit_tui.tui.screens.field_status.FieldLink`: the status line (ONLINE/OFFLINE,
results waiting to be sent, conflicts) and the sync, which runs at start, every
:data:`SYNC_SECONDS`, right after a result is recorded, and when the inspector asks (Y).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import events

from etrakit_tui.tui.app import EtrakitApp
from etrakit_tui.tui.screens.field_status import CityOpener, FieldLink

if TYPE_CHECKING:
    from etrakit_tui.domain.field import FieldSession
    from etrakit_tui.settings import Jurisdiction

SYNC_SECONDS = 30.0
"""How often the app tries the city database on its own."""


class FieldApp(EtrakitApp):
    """The portal on a field file, signed in as its inspector; syncs with the city."""

    def __init__(
        self, session: FieldSession, city: CityOpener, *, sync_seconds: float | None = SYNC_SECONDS
    ) -> None:
        """``sync_seconds``: how often to sync on its own (also once at start); ``None``:
        only when the inspector presses the key (tests that set the scene first)."""
        super().__init__(session.db)
        self.link = FieldLink(self, session, city, auto=sync_seconds is not None)
        self.field = self.link
        self.sync_seconds = sync_seconds
        self._session_timer_started = True  # no idle sign-out: nobody signs in again here

    def _on_mount(self, event: events.Mount) -> None:
        """Straight to the inspector's route (the base app's sign-in screen is skipped:
        Textual runs every class's ``on_mount`` unless the default is prevented)."""
        from etrakit_tui.tui import theme
        from etrakit_tui.tui.screens.route import RouteScreen

        event.prevent_default()
        theme.install(self)
        session = self.link.session
        # The same header as the portal's sign-in gives an inspector: the user name.
        self.signed_in(session.actor, session.info.username, RouteScreen(session.day))
        self.link.refresh_status()
        if self.sync_seconds is not None:
            self.link.sync_now()
            self.set_interval(self.sync_seconds, self.link.sync_now, name="field-sync")

    def action_sign_out(self, reason: str | None = None) -> None:
        """Field mode has no sign-in screen to come back to: signing out leaves."""
        self.exit()


def make_field_app(
    session: FieldSession, city: CityOpener, *, sync_seconds: float | None = SYNC_SECONDS
) -> FieldApp:
    """The field portal on an opened field file (tests give their clock to ``open_field``)."""
    return FieldApp(session, city, sync_seconds=sync_seconds)


def run_field(field_file: Path, open_city: CityOpener, jurisdiction: Jurisdiction) -> None:
    """``etrakit-tui field``: open the field file (a missing or damaged one raises the
    domain's one-line error before anything is drawn), run the app until it ends, and raise
    the error that ended it, if any (the command line prints one line). ``open_city`` opens
    the city database; it is called in a worker at each sync attempt."""
    from etrakit_tui.domain.field import open_field
    from etrakit_tui.logs import configure_portal_logging, default_log_file

    configure_portal_logging(default_log_file())
    session = open_field(field_file, jurisdiction=jurisdiction)
    try:
        app = make_field_app(session, open_city)
        app.run()
    finally:
        session.close()
    if app.fatal_error is not None:
        raise app.fatal_error

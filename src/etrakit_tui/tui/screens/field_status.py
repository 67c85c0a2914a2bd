"""Field mode's link to the city, and its status line.

:class:`FieldLink` (the app's :attr:`~etrakit_tui.tui.app.EtrakitApp.field` in field mode,
made by :mod:`etrakit_tui.tui.field_app`) holds the field session, the city's opener and
what the status line says; :meth:`FieldLink.sync_now` sends what waits and refreshes the
route in a thread worker (the city database is opened for each attempt and closed after it:
a network that comes back is simply found again; a city that cannot be reached is OFFLINE,
and nothing local is lost). Screens call it; it tells them through :attr:`FieldLink.changed`.

:class:`FieldStatusLine`, on every field screen: ONLINE or OFFLINE, how many results wait to
be sent, how many were not applied (conflicts), redrawn whenever the link changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.signal import Signal
from textual.widgets import Static

from etrakit_tui.domain.errors import DatabaseUnavailable, EtrakitError
from etrakit_tui.domain.inspections import calendar
from etrakit_tui.tui.safe import inert
from etrakit_tui.tui.workers import run_service

if TYPE_CHECKING:
    from etrakit_tui.domain.field import FieldSession
    from etrakit_tui.domain.field.views import FieldStatus, SyncReport
    from etrakit_tui.domain.store.db import Database

CityOpener = Callable[[], "Database"]


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class FieldLink:
    """The field session and its city: the sync, and what the status line says. Used on
    the UI thread only (workers report back there); :attr:`changed` tells the screens."""

    def __init__(
        self, app: App[Any], session: FieldSession, city: CityOpener, *, auto: bool
    ) -> None:
        """``auto``: the app syncs on its own (then a recorded result is sent at once)."""
        self.app = app
        self.session = session
        self.city = city
        self.auto = auto
        self.changed: Signal[FieldLink] = Signal(app, "field-changed")
        self.online = False
        """The last attempt reached the city database."""
        self.tried = False
        self.syncing = False
        self.status: FieldStatus | None = None
        self.asked = 0
        """How many status reads were asked for (only the latest answer is shown)."""
        self.problem = ""
        """What the city answered when it refused the sync (it was reached)."""

    def words(self) -> str:
        """The status line: ONLINE/OFFLINE, results waiting, conflicts, what goes on."""
        status = self.status
        parts = ["ONLINE" if self.online else "OFFLINE"]
        if status is not None:
            parts.append(f"{plural(status.waiting, 'result')} waiting to be sent")
            if status.conflicts:
                parts.append(f"{plural(status.conflicts, 'conflict')} (X to see)")
            if status.too_old:
                day = calendar.format_day(self.session.day)
                parts.append(f"checkout of {day}: sync, then check out again")
        if self.syncing:
            parts.append("syncing...")
        elif not self.tried:
            parts.append("not synced yet")
        elif self.problem:
            parts.append(self.problem)
        return " — ".join(parts)

    # ------------------------------------------------------------------ status

    def refresh_status(self) -> None:
        """Read the field file's counts again, in a worker."""
        from etrakit_tui.domain.field import field_status

        self.asked += 1
        asked, session = self.asked, self.session
        run_service(
            self.app,
            lambda: field_status(session),
            on_done=lambda status: self._status_read(asked, status),
            group=f"field-status-{asked}",
        )

    def _status_read(self, asked: int, status: FieldStatus) -> None:
        if asked != self.asked:
            return  # a later read is on its way (the file changed meanwhile)
        self.status = status
        self.changed.publish(self)

    def result_kept(self) -> None:
        """A result was just recorded on the laptop: count it and, syncing on its own,
        try to send it at once."""
        self.refresh_status()
        if self.auto:
            self.sync_now()

    # ------------------------------------------------------------------ sync

    def sync_now(self) -> bool:
        """Send what waits and refresh the route, in a worker; ``False`` if one runs."""
        if self.syncing:
            return False
        self.syncing = True
        self.changed.publish(self)
        run_service(
            self.app,
            self._sync,
            on_done=self._synced,
            on_error=self._sync_failed,
            group="field-sync",
        )
        return True

    def _sync(self) -> SyncReport:
        """Worker: open the city, sync, close it."""
        from etrakit_tui.domain.field import sync

        city = self.city()
        try:
            return sync(self.session, city)
        finally:
            city.dispose()

    def _synced(self, report: SyncReport) -> None:
        self.syncing = False
        self.online = self.tried = True
        self.problem = ""
        self.changed.publish(self)
        self.refresh_status()
        if report.sent:
            words = f"Sent {plural(report.sent, 'result')}: {report.applied} applied"
            if report.conflicts:
                words += f", {plural(report.conflicts, 'conflict')} (X shows them; kept)"
            self.app.notify(words + ".", title="Sync", markup=False)

    def _sync_failed(self, exc: EtrakitError) -> None:
        self.syncing = False
        self.tried = True
        self.online = not isinstance(exc, DatabaseUnavailable)
        self.problem = f"sync refused: {exc}" if self.online else ""
        self.changed.publish(self)
        self.refresh_status()


class FieldStatusLine(Static):
    """One line (two on a narrow screen) saying where the laptop stands."""

    def __init__(self, link: FieldLink) -> None:
        super().__init__(inert(link.words()), id="field-status")
        self.link = link

    def on_mount(self) -> None:
        self.link.changed.subscribe(self, self._changed)
        self._changed(self.link)  # what changed between compose and now

    def on_unmount(self) -> None:
        self.link.changed.unsubscribe(self)

    def _changed(self, link: FieldLink) -> None:
        self.update(inert(link.words()))

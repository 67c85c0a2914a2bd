"""Attachments (SPEC §2.10): the list on *Permit Info* and a viewer that can save or email.

* :class:`AttachmentTable` lists name, size and upload date; Enter opens the viewer; ``s``
  (local portal only) opens it and saves at once.
* :class:`AttachmentViewer` shows text files as inert, scrollable text and images as a cell
  picture (colour half blocks; grey shades under ``NO_COLOR``).

Where the file goes depends on where the portal runs (``EtrakitApp.remote``):

* **over SSH** nothing is ever written on the server: ``e`` emails the attachment to the
  signed-in company's profile address (:func:`permits.email_attachment`, sent once by the
  outbox), and ``s`` only says why there is no saving;
* **locally** ``s`` saves it into the user's Downloads folder under its own sanitised name,
  never over an existing file (:func:`etrakit_tui.tui.downloads.save_download`); ``e``
  emails it as well, for a company. No path is ever typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Static

from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.domain.inspections.calendar import format_date
from etrakit_tui.domain.permits import attachments
from etrakit_tui.domain.permits.views import AttachmentRow
from etrakit_tui.tui.downloads import save_download
from etrakit_tui.tui.safe import inert, inert_text
from etrakit_tui.tui.screens.modal import PortalModal
from etrakit_tui.tui.screens.route_visit import kick_mailer
from etrakit_tui.tui.widgets.cell_image import PictureError, half_block_picture, shade_picture
from etrakit_tui.tui.workers import run_service

if TYPE_CHECKING:
    from etrakit_tui.tui.app import EtrakitApp

MAX_TEXT_BYTES = 1_000_000
"""Text files larger than this are shown cut."""
NO_SAVE_OVER_SSH = "Files are not saved over SSH: the portal runs on the city's server."
SAVE_HINT = "s: save to Downloads."
EMAIL_HINT = "e: email to your company."


# --------------------------------------------------------------------------- helpers


def format_size(size: int) -> str:
    """``512 B``, ``4.7 KB``, ``1.2 MB``."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _portal(node: Any) -> EtrakitApp:
    app: EtrakitApp = node.app
    return app


def _may_email(node: Any) -> bool:
    """Only a company has a profile address to email to."""
    actor = _portal(node).actor
    return actor is not None and actor.is_company


# --------------------------------------------------------------------------- list


class AttachmentTable(DataTable[Text]):
    """The attachments of a permit: name, size, date. Enter views; ``s`` saves (locally)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select_cursor",
            "View attachment",
            id="attachments.view",
            tooltip="Show the attachment (text or picture)",
        ),
        Binding(
            "s",
            "save",
            "Save",
            id="attachments.save",
            tooltip="Save the attachment in your Downloads folder",
        ),
    ]

    def __init__(self, rows: tuple[AttachmentRow, ...], zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.attachments = rows
        self.zone = zone

    def on_mount(self) -> None:
        self.add_column("NAME")
        self.add_column("SIZE")
        self.add_column("UPLOADED")
        for row in self.attachments:
            name = inert_text(row.filename)
            name.truncate(40, overflow="ellipsis")
            self.add_row(
                name,
                inert_text(format_size(row.size)),
                inert_text(format_date(row.uploaded_at.astimezone(self.zone).date())),
            )

    @property
    def current(self) -> AttachmentRow | None:
        row = self.cursor_row
        return self.attachments[row] if 0 <= row < len(self.attachments) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save":
            return not _portal(self).remote  # over SSH: no such key
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if (row := self.current) is not None:
            self.app.push_screen(AttachmentViewer(row))

    def action_save(self) -> None:
        if (row := self.current) is not None:
            self.app.push_screen(AttachmentViewer(row, save=True))


# --------------------------------------------------------------------------- viewer


class AttachmentViewer(PortalModal[None]):
    """Shows one attachment (text or a cell picture); saves it locally, emails it to the
    company (both modes), and says what happened in the note under it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="viewer.close", tooltip="Back to the permit"),
        Binding(
            "s",
            "save",
            "Save",
            id="viewer.save",
            tooltip="Save the file in your Downloads folder (never over another file)",
        ),
        # Over SSH the same key only explains (not shown in the footer).
        Binding("s", "no_save", "Save", show=False, id="viewer.no-save"),
        Binding(
            "e",
            "email",
            "Email to company",
            id="viewer.email",
            tooltip="Email the file to your company's profile address",
        ),
    ]

    def __init__(self, row: AttachmentRow, *, save: bool = False) -> None:
        super().__init__()
        self.row = row
        self.save_first = save
        self.data: bytes | None = None
        self.kind = "loading"
        self.emailing = False

    def compose(self) -> ComposeResult:
        title = f"{self.row.filename}  ({format_size(self.row.size)})"
        with Vertical(id="viewer", classes="dialog"):
            yield Static(inert(title), id="viewer-title", classes="title")
            with VerticalScroll(id="viewer-body", can_focus=True):
                yield Static("Loading...", id="viewer-content")
            yield Static("", id="viewer-note")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        remote = _portal(self).remote
        if action == "save":
            return not remote
        if action == "no_save":
            return remote
        if action == "email":
            return _may_email(self)
        return True

    def on_mount(self) -> None:
        self.query_one("#viewer-body").focus()
        portal = _portal(self)
        actor = portal.actor
        if actor is None:
            return
        # The picture fits the body: the screen less the frame, title, note and footer.
        cols, rows = max(self.app.size.width - 6, 10), max(self.app.size.height - 7, 4)
        database, ident, shades = portal.database, self.row.attachment_id, portal.no_color

        def load() -> tuple[bytes, str, Text | str]:
            _, content_type, data = attachments.attachment_content(database, actor, ident)
            return (data, *render_attachment(content_type, data, cols, rows, shades))

        run_service(
            self, load, on_done=lambda got: self._show(*got), on_error=self._failed, group="load"
        )

    def hint(self) -> str:
        """The keys that take the file somewhere, as the note says them."""
        keys = [] if _portal(self).remote else [SAVE_HINT]
        if _may_email(self):
            keys.append(EMAIL_HINT)
        return "  ".join(keys)

    def _note(self, message: str) -> None:
        self.query_one("#viewer-note", Static).update(inert(message))

    def _show(self, data: bytes, kind: str, shown: Text | str) -> None:
        self.data, self.kind = data, kind
        content = self.query_one("#viewer-content", Static)
        if isinstance(shown, Text):
            content.update(shown)  # a picture: block characters only, no text from the file
            self._note(f"Picture of the image. {self.hint()}".strip())
        elif kind == "text":
            content.update(inert(shown, multiline=True))
            self._note(f"Text file. {self.hint()}".strip())
        else:
            content.update(inert(shown))
            self._note(self.hint())
        if self.save_first:
            self.action_save()

    def _failed(self, exc: EtrakitError) -> None:
        self.query_one("#viewer-content", Static).update(inert(str(exc)))

    # ------------------------------------------------------------------ save (locally)

    def action_save(self) -> None:
        if _portal(self).remote:  # never, whatever calls it
            self.action_no_save()
            return
        if self.data is None:
            self.save_first = True  # once loaded
            return
        self.save_first = False
        name, data = self.row.filename, self.data

        run_service(
            self,
            lambda: save_download(name, data),  # every file-system failure: a SaveRefused
            on_done=lambda written: self._note(f"Saved to {written}"),
            on_error=lambda exc: self._note(str(exc)),
            group="save",
        )

    def action_no_save(self) -> None:
        tail = " Press e to email it to your company." if _may_email(self) else ""
        self._note(NO_SAVE_OVER_SSH + tail)

    # ------------------------------------------------------------------ email

    def action_email(self) -> None:
        portal = _portal(self)
        actor = portal.actor
        if actor is None or not actor.is_company or self.emailing:
            return
        self.emailing = True
        self._note("Queuing the email...")
        database, ident = portal.database, self.row.attachment_id

        run_service(
            self,
            lambda: attachments.email_attachment(database, actor, ident),
            on_done=lambda to: self._emailed(
                f"Queued for email to {to}. It is sent within a few minutes.", True
            ),
            on_error=lambda exc: self._emailed(str(exc), False),
            group="email",
        )

    def _emailed(self, message: str, queued: bool) -> None:
        self.emailing = False
        self._note(message)
        if queued:
            kick_mailer(self.app, _portal(self).database)

    def action_close(self) -> None:
        self.dismiss(None)


def render_attachment(
    content_type: str, data: bytes, cols: int, rows: int, shades: bool
) -> tuple[str, Text | str]:
    """What the viewer shows: ``("text", str)``, ``("image", Text picture)`` or
    ``("other", explanation)``. CPU work: call it in a worker thread."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind.startswith("image/"):
        try:
            draw = shade_picture if shades else half_block_picture
            return "image", draw(data, cols, rows)
        except PictureError as exc:
            return "other", str(exc)
    if kind.startswith("text/") or kind in ("application/json", "application/xml"):
        cut = data[:MAX_TEXT_BYTES]
        text = cut.decode("utf-8", errors="replace")
        if len(data) > MAX_TEXT_BYTES:
            text += "\n\n[... the rest of the file is not shown here ...]"
        return "text", text
    return "other", "This kind of file cannot be shown in the terminal."

"""Attachments (SPEC §2.10): the list on *Permit Info*, a viewer, and "save as".

* :class:`AttachmentTable` lists name, size and upload date; Enter opens the viewer, ``s``
  saves.
* :class:`AttachmentViewer` shows text files as inert, scrollable text and images as a cell
  picture (colour half blocks; grey shades under ``NO_COLOR``); anything else can be saved.
* :class:`SaveAttachmentScreen` asks for a path (prefilled with ``~/Downloads/<safe name>``),
  refuses to overwrite an existing file until the user confirms, and says what went wrong
  in words. The file is written where the portal runs (on the server, over SSH).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Static

from etrakit_tui.domain import permits
from etrakit_tui.domain.errors import EtrakitError
from etrakit_tui.domain.readmodels import AttachmentRow
from etrakit_tui.text import defuse
from etrakit_tui.tui.safe import inert, inert_text
from etrakit_tui.tui.screens.fees import format_date
from etrakit_tui.tui.widgets.cell_image import PictureError, half_block_picture, shade_picture

if TYPE_CHECKING:
    from etrakit_tui.tui.app import EtrakitApp

MAX_TEXT_BYTES = 1_000_000
"""Text files larger than this are shown cut (the rest can be saved)."""
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


# --------------------------------------------------------------------------- helpers


def format_size(size: int) -> str:
    """``512 B``, ``4.7 KB``, ``1.2 MB``."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def safe_filename(name: str) -> str:
    """A file name safe to write: no folders, no control or odd characters, no leading dot,
    at most 100 characters; ``attachment`` if nothing is left."""
    base = defuse(name).replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_NAME.sub("_", base).strip(" ._")
    if len(base) > 100:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 100 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else base[:100]
    return base or "attachment"


def default_save_path(name: str) -> str:
    """``~/Downloads/<safe name>`` (the ``~`` is expanded when saving)."""
    return f"~/Downloads/{safe_filename(name)}"


class SaveRefused(Exception):
    """The file was not written; ``str()`` says why, for the user."""


class AlreadyExists(SaveRefused):
    """The target exists and overwriting was not confirmed."""


def save_bytes(path_text: str, data: bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path_text`` (``~`` expanded; missing folders created). Refuses an
    existing file unless ``overwrite``; every failure is a :class:`SaveRefused` in words."""
    text = path_text.strip()
    if not text:
        raise SaveRefused("Enter a path to save the file to.")
    if defuse(text, keep_newlines=False) != text:
        raise SaveRefused("The path holds characters that cannot be used in a file name.")
    path = Path(text).expanduser()
    if path.is_dir():
        raise SaveRefused(f"{path} is a folder; add a file name.")
    if path.exists() and not overwrite:
        raise AlreadyExists(f"{path} already exists. Press Enter again to replace it.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb" if overwrite else "xb") as out:
            out.write(data)
    except FileExistsError:
        raise AlreadyExists(f"{path} already exists. Press Enter again to replace it.") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SaveRefused(f"Could not save to {path}: {reason}.") from None
    return path


def _portal(screen: Any) -> EtrakitApp:
    app: EtrakitApp = screen.app
    return app


def _local_date(value: datetime, zone: ZoneInfo) -> str:
    return format_date(value.astimezone(zone).date())


# --------------------------------------------------------------------------- list


class AttachmentTable(DataTable[Text]):
    """The attachments of a permit: name, size, date. Enter views, ``s`` saves."""

    DEFAULT_CSS = """
    AttachmentTable { height: auto; max-height: 9; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select_cursor",
            "View attachment",
            id="attachments.view",
            tooltip="Show the attachment (text or picture)",
        ),
        Binding(
            "s", "save", "Save as", id="attachments.save", tooltip="Save the attachment to a file"
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
                inert_text(_local_date(row.uploaded_at, self.zone)),
            )

    @property
    def current(self) -> AttachmentRow | None:
        row = self.cursor_row
        return self.attachments[row] if 0 <= row < len(self.attachments) else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if (row := self.current) is not None:
            self.app.push_screen(AttachmentViewer(row))

    def action_save(self) -> None:
        if (row := self.current) is not None:
            self.app.push_screen(AttachmentViewer(row, save=True))


# --------------------------------------------------------------------------- viewer


class AttachmentViewer(ModalScreen[None]):
    """Shows one attachment: text, a cell picture, or an offer to save it."""

    DEFAULT_CSS = """
    AttachmentViewer { align: center middle; }
    AttachmentViewer > #viewer {
        width: 100%; height: 100%; border: thick $primary; background: $surface;
    }
    AttachmentViewer #viewer-title { text-style: bold; padding: 0 1; }
    AttachmentViewer #viewer-body { height: 1fr; padding: 0 1; }
    AttachmentViewer #viewer-note { height: auto; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="viewer.close", tooltip="Back to the permit"),
        Binding("s", "save", "Save as", id="viewer.save", tooltip="Save the file to a path"),
    ]

    def __init__(self, row: AttachmentRow, *, save: bool = False) -> None:
        super().__init__()
        self.row = row
        self.save_first = save
        self.data: bytes | None = None
        self.kind = "loading"

    def compose(self) -> ComposeResult:
        title = f"{self.row.filename}  ({format_size(self.row.size)})"
        with Vertical(id="viewer"):
            yield Static(inert(title), id="viewer-title")
            with VerticalScroll(id="viewer-body", can_focus=True):
                yield Static("Loading...", id="viewer-content")
            yield Static("", id="viewer-note")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#viewer-body").focus()
        portal = _portal(self)
        actor = portal.actor
        if actor is None:
            return
        # The picture fits the body: the screen less the frame, title, note and footer.
        cols, rows = max(self.app.size.width - 6, 10), max(self.app.size.height - 7, 4)
        database, ident, shades = portal.database, self.row.attachment_id, portal.no_color

        def load() -> None:
            try:
                _, content_type, data = permits.attachment_content(database, actor, ident)
                kind, shown = render_attachment(content_type, data, cols, rows, shades)
            except Exception as exc:  # shown in words, never swallowed
                self.app.call_from_thread(self._failed, exc)
                return
            self.app.call_from_thread(self._show, data, kind, shown)

        self.run_worker(load, thread=True, group="attachment", exit_on_error=False)

    def _show(self, data: bytes, kind: str, shown: Text | str) -> None:
        self.data, self.kind = data, kind
        content = self.query_one("#viewer-content", Static)
        note = self.query_one("#viewer-note", Static)
        if isinstance(shown, Text):
            content.update(shown)  # a picture: block characters only, no text from the file
            note.update("Picture of the image. s saves the file.")
        elif kind == "text":
            content.update(inert(shown, multiline=True))
            note.update("Text file. s saves the file.")
        else:  # nothing to show here: offer to save it straight away
            content.update(inert(shown))
            note.update("Press s to save it to a file.")
            self.save_first = True
        if self.save_first:
            self.action_save()

    def _failed(self, exc: Exception) -> None:
        message = str(exc) if isinstance(exc, EtrakitError) else "The file could not be loaded."
        self.query_one("#viewer-content", Static).update(inert(message))

    def action_save(self) -> None:
        if self.data is None:
            return
        self.save_first = False
        self.app.push_screen(SaveAttachmentScreen(self.row.filename, self.data), self._saved)

    def _saved(self, path: str | None) -> None:
        if path:
            self.query_one("#viewer-note", Static).update(inert(f"Saved to {path}"))

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
            text += "\n\n[... the rest of the file is not shown; press s to save it ...]"
        return "text", text
    return "other", "This kind of file cannot be shown in the terminal."


# --------------------------------------------------------------------------- save as


class SaveAttachmentScreen(ModalScreen[str | None]):
    """Save an attachment: a path prefilled with ``~/Downloads/<safe name>``; returns the
    path written (or ``None`` when cancelled)."""

    DEFAULT_CSS = """
    SaveAttachmentScreen { align: center middle; }
    SaveAttachmentScreen > #save {
        width: 76; max-width: 100%; height: auto; border: thick $primary;
        background: $surface; padding: 0 1;
    }
    SaveAttachmentScreen #save-title { text-style: bold; }
    SaveAttachmentScreen #save-message { height: auto; text-style: bold; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="save.cancel", tooltip="Do not save"),
    ]

    def __init__(self, filename: str, data: bytes) -> None:
        super().__init__()
        self.filename = filename
        self.data = data
        self.confirmed_path: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="save"):
            yield Static(inert(f"Save {self.filename}"), id="save-title")
            yield Static("Save to (Enter saves, Esc cancels):")
            yield Input(default_save_path(self.filename), id="save-path", max_length=1000)
            yield Static("", id="save-message")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#save-path", Input).focus()

    @on(Input.Changed, "#save-path")
    def _changed(self) -> None:
        self.confirmed_path = None

    @on(Input.Submitted, "#save-path")
    def _submit(self, event: Input.Submitted) -> None:
        path = event.value
        overwrite = self.confirmed_path == path
        data = self.data

        def write() -> None:
            try:
                written = save_bytes(path, data, overwrite=overwrite)
            except AlreadyExists as exc:
                self.app.call_from_thread(self._exists, path, str(exc))
                return
            except SaveRefused as exc:
                self.app.call_from_thread(self._say, str(exc))
                return
            self.app.call_from_thread(self.dismiss, str(written))

        self.run_worker(write, thread=True, group="save", exit_on_error=False)

    def _exists(self, path: str, message: str) -> None:
        self.confirmed_path = path
        self._say(message)

    def _say(self, message: str) -> None:
        self.query_one("#save-message", Static).update(inert(message))

    def action_cancel(self) -> None:
        self.dismiss(None)

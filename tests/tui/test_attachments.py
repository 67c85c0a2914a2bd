"""Attachments on *Permit #A1806-065*, driven by keys: the viewer (picture, text), the local
save into the Downloads folder (never a typed path, never over a file or through a link,
never a new folder), and the SSH portal, which saves nothing and emails instead."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select
from textual.widgets import DataTable, Input, Static

from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import Attachment, Company, Outbox, Permit
from etrakit_tui.filenames import numbered, safe_filename
from etrakit_tui.tui.app import EtrakitApp
from etrakit_tui.tui.screens.attachments import AttachmentViewer
from etrakit_tui.tui.widgets.cell_image import UPPER_HALF
from tests.support.injection import screen_text
from tests.tui.conftest import make_demo_app, until
from tests.tui.test_permit import NOTICE, NUMBER, add_text_attachment, flat, open_permit

DEMO_PHOTOS = 2  # the guide's two photos come first (oldest)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh HOME with no ``user-dirs.dirs``: the Downloads folder is ``~/Downloads``."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    return home


def add_attachment(database: Database, filename: str, data: bytes, content_type: str) -> None:
    """A file on A1806-065, newer than the others (it is listed last)."""
    with database.write() as s:
        permit = s.exec(select(Permit).where(col(Permit.number) == NUMBER)).one()
        assert permit.id is not None
        count = len(s.exec(select(Attachment).where(Attachment.permit_id == permit.id)).all())
        s.add(
            Attachment(
                permit_id=permit.id,
                filename=filename,
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
                uploaded_at=datetime(2026, 11, 2, 17, count, tzinfo=UTC),
            )
        )


def listing(root: Path) -> dict[str, tuple[str, bytes | str]]:
    """Every path under ``root`` (links not followed): a link's target, a file's bytes."""
    found: dict[str, tuple[str, bytes | str]] = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            found[key] = ("link", os.readlink(path))
        elif path.is_file():
            found[key] = ("file", path.read_bytes())
        else:
            found[key] = ("folder", "")
    return found


async def open_attachment(pilot: object, app: EtrakitApp, row: int) -> AttachmentViewer:
    """Open the permit and press Enter on attachment ``row`` (0: the first)."""
    await open_permit(pilot, app)
    await until(pilot, lambda: app.focused is app.screen.query_one("#attachments"), "focus")  # type: ignore[arg-type]
    await pilot.press(*["down"] * row, "enter")  # type: ignore[attr-defined]
    await until(pilot, lambda: isinstance(app.screen, AttachmentViewer), "the viewer")  # type: ignore[arg-type]
    viewer = app.screen
    assert isinstance(viewer, AttachmentViewer)
    await until(pilot, lambda: viewer.kind != "loading", "the file")  # type: ignore[arg-type]
    return viewer


def note(app: EtrakitApp) -> str:
    return str(app.screen.query_one("#viewer-note", Static).content)


async def press_and_wait(pilot: object, app: EtrakitApp, key: str, needle: str) -> str:
    """Press ``key`` in the viewer and wait for the note to say ``needle`` (a new note)."""
    app.screen.query_one("#viewer-note", Static).update("")
    await pilot.press(key)  # type: ignore[attr-defined]
    await until(pilot, lambda: needle in note(app), f"{needle!r} in the note")  # type: ignore[arg-type]
    return note(app)


# --------------------------------------------------------------------------- viewing


async def test_viewer_shows_a_picture_and_a_text(tmp_path: Path, clock: FixedClock) -> None:
    app = make_demo_app(tmp_path, clock)
    add_text_attachment(app.database)
    async with app.run_test(size=(80, 24)) as pilot:
        viewer = await open_attachment(pilot, app, 0)  # IMG_5427.JPG: a cell picture
        assert viewer.kind == "image"
        assert UPPER_HALF in screen_text(app) and "IMG_5427.JPG" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("down", "down", "enter")  # NOTICE.txt: shown as text
        await until(pilot, lambda: isinstance(app.screen, AttachmentViewer), "the viewer")
        await until(pilot, lambda: getattr(app.screen, "kind", "") == "text", "the text")
        text = screen_text(app)
        assert "CORRECTION NOTICE" in text and "Remove the temporary handrail." in text
        assert "s Save" in text and "e Email to company" in text  # the footer's keys


# --------------------------------------------------------------------------- local save


async def test_save_lands_in_downloads_and_never_overwrites(
    tmp_path: Path, clock: FixedClock, home: Path
) -> None:
    downloads = home / "Downloads"
    downloads.mkdir()
    app = make_demo_app(tmp_path, clock)
    add_text_attachment(app.database)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_attachment(pilot, app, DEMO_PHOTOS)  # NOTICE.txt
        assert not app.screen.query(Input)  # nothing to type a path into
        said = await press_and_wait(pilot, app, "s", "Saved to")
        assert said == f"Saved to {downloads / 'NOTICE.txt'}"
        assert (downloads / "NOTICE.txt").read_bytes() == NOTICE.encode()

        (downloads / "NOTICE.txt").write_bytes(b"my edited copy")
        said = await press_and_wait(pilot, app, "s", "Saved to")
        assert said == f"Saved to {downloads / 'NOTICE (2).txt'}"
        assert (downloads / "NOTICE (2).txt").read_bytes() == NOTICE.encode()
        assert (downloads / "NOTICE.txt").read_bytes() == b"my edited copy"  # untouched
    assert sorted(p.name for p in downloads.iterdir()) == ["NOTICE (2).txt", "NOTICE.txt"]
    assert os.stat(downloads / "NOTICE.txt").st_mode & 0o077 == 0  # private to the user


async def test_a_link_at_the_name_is_never_followed(
    tmp_path: Path, clock: FixedClock, home: Path
) -> None:
    downloads = home / "Downloads"
    downloads.mkdir()
    victim = tmp_path / "victim.cfg"
    victim.write_bytes(b"precious")
    (downloads / "NOTICE.txt").symlink_to(victim)  # planted: would write through
    (downloads / "NOTICE (2).txt").symlink_to(tmp_path / "nowhere.txt")  # dangling: would create
    app = make_demo_app(tmp_path, clock)
    add_text_attachment(app.database)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_attachment(pilot, app, DEMO_PHOTOS)
        said = await press_and_wait(pilot, app, "s", "Saved to")
    assert said == f"Saved to {downloads / 'NOTICE (3).txt'}"
    assert victim.read_bytes() == b"precious"
    assert not (tmp_path / "nowhere.txt").exists()
    assert (downloads / "NOTICE.txt").is_symlink() and (downloads / "NOTICE (2).txt").is_symlink()
    assert (downloads / "NOTICE (3).txt").read_bytes() == NOTICE.encode()


async def test_a_missing_downloads_folder_is_said_and_nothing_is_created(
    tmp_path: Path, clock: FixedClock, home: Path
) -> None:
    app = make_demo_app(tmp_path, clock)
    add_text_attachment(app.database)
    before = listing(home)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_attachment(pilot, app, DEMO_PHOTOS)
        said = await press_and_wait(pilot, app, "s", "does not exist")
    assert said == (
        f"Your Downloads folder {home / 'Downloads'} does not exist; create it and save again."
    )
    assert listing(home) == before == {}


async def test_hostile_names_land_as_safe_names_inside_downloads(
    tmp_path: Path, clock: FixedClock, home: Path
) -> None:
    downloads = home / "Downloads"
    downloads.mkdir()
    app = make_demo_app(tmp_path, clock)
    hostile = ["../../etc/passwd", "\x1b]0;x", "/tmp/abs.sh", "..", "~/.bashrc"]
    for i, name in enumerate(hostile):
        add_attachment(app.database, name, f"file {i}".encode(), "application/octet-stream")
    outside = listing(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_permit(pilot, app)
        table = app.screen.query_one("#attachments", DataTable)
        await until(pilot, lambda: app.focused is table, "focus")
        await pilot.press(*["down"] * DEMO_PHOTOS)
        for i in range(len(hostile)):
            await pilot.press("s")  # on the list: open the file and save it at once
            await until(pilot, lambda: "Saved to" in screen_text(app), f"file {i} saved")
            await pilot.press("escape", "down")
    saved = {p.name: p.read_bytes() for p in downloads.iterdir()}
    assert saved == {
        "passwd": b"file 0",
        "0_x": b"file 1",
        "abs.sh": b"file 2",
        "attachment": b"file 3",
        "bashrc": b"file 4",
    }
    after = listing(tmp_path)
    new = {k for k in after if k not in outside}
    assert new == {f"home/Downloads/{name}" for name in saved}


def test_safe_filename_and_numbered_copies() -> None:
    assert safe_filename("IMG_5427.JPG") == "IMG_5427.JPG"
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("..\\..\\boot.ini") == "boot.ini"
    assert safe_filename(".bashrc") == "bashrc"
    assert safe_filename("\x1b[2Jx\u202e.txt") == "2Jx_.txt"  # no control or bidi marks
    assert safe_filename("") == "attachment"
    assert len(safe_filename("a" * 500 + ".pdf")) == 100
    assert safe_filename("a" * 500 + ".pdf").endswith(".pdf")
    assert numbered("report.pdf", 1) == "report.pdf"
    assert numbered("report.pdf", 2) == "report (2).pdf"
    assert numbered("README", 3) == "README (3)"


# --------------------------------------------------------------------------- over SSH


def set_company_email(database: Database, email: str) -> None:
    with database.write() as s:
        company = s.exec(select(Company).where(Company.name == "CITY OF HEMET")).one()
        company.email = email
        s.add(company)


async def test_over_ssh_nothing_is_saved_and_e_queues_one_email(
    tmp_path: Path, clock: FixedClock, home: Path
) -> None:
    (home / "Downloads").mkdir()
    app = make_demo_app(tmp_path, clock)
    app.remote = True
    add_text_attachment(app.database)
    set_company_email(app.database, "permits@cityofhemet.example")
    before = listing(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_permit(pilot, app)
        table = app.screen.query_one("#attachments", DataTable)
        await until(pilot, lambda: app.focused is table, "focus")
        assert "Save" not in flat(app)  # the list offers no saving over SSH
        await pilot.press("s")  # ... and the key does nothing
        await pilot.pause()
        assert not isinstance(app.screen, AttachmentViewer)

        await open_attachment_here(pilot, app, DEMO_PHOTOS)
        footer = screen_text(app).splitlines()[-1]
        assert "e Email to company" in footer and "Save" not in footer
        assert "e: email to your company." in note(app)
        said = await press_and_wait(pilot, app, "s", "not saved over SSH")
        assert said == (
            "Files are not saved over SSH: the portal runs on the city's server. "
            "Press e to email it to your company."
        )
        said = await press_and_wait(pilot, app, "e", "Queued")
        assert said.startswith("Queued for email to permits@cityofhemet.example.")
        said = await press_and_wait(pilot, app, "e", "already waiting")
        assert said == "NOTICE.txt is already waiting to be emailed to permits@cityofhemet.example."
    with app.database.read() as s:
        rows = s.exec(select(Outbox).where(col(Outbox.attachment_id).is_not(None))).all()
    assert [row.to_addr for row in rows] == ["permits@cityofhemet.example"]
    changed = {k for k, v in listing(tmp_path).items() if before.get(k) != v}
    assert all(Path(k).name.startswith("demo.db") for k in changed), changed


async def open_attachment_here(pilot: object, app: EtrakitApp, row: int) -> None:
    """On the open permit's list: Enter on attachment ``row``; wait for the file."""
    await pilot.press(*["down"] * row, "enter")  # type: ignore[attr-defined]
    await until(pilot, lambda: isinstance(app.screen, AttachmentViewer), "the viewer")  # type: ignore[arg-type]
    await until(pilot, lambda: getattr(app.screen, "kind", "loading") != "loading", "the file")  # type: ignore[arg-type]


async def test_over_ssh_a_company_without_email_is_told_where_to_add_one(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    app.remote = True
    set_company_email(app.database, "")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_attachment(pilot, app, 0)
        said = await press_and_wait(pilot, app, "e", "no email address")
    assert said == "Your company profile has no email address; add one on the Profile screen."

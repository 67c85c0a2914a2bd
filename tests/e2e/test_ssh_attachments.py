"""An attachment over SSH (issue 11, item 1): the real OpenSSH client against ``serve-ssh``.

A contractor signs in by keys, opens a permit's attachment and presses ``e``: the file is
queued for the company's profile address, and ``etrakit-tui notify`` delivers it to a real
SMTP server (aiosmtpd) exactly once, bytes intact. Nothing is written on the server by the
session: the data folder, HOME, the XDG folders, the server's working directory and the
session's (``/``) list the same before and after (the database's own files aside); there is
no path to type, ``s`` only says that files are not saved over SSH, and typed paths go
nowhere."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import col, select

from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import Attachment, AuditEvent, Company, Outbox, Permit
from tests.e2e.test_failed_email import Inbox
from tests.support.sshkit import (
    ServerProcess,
    Terminal,
    environment_of,
    free_port,
    sign_in_by_keys,
    start_server,
)
from tests.tui.conftest import build_demo_template

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ssh")]

COMPANY, PASSWORD, NUMBER = "CITY OF HEMET", "hemetdemo1", "A1806-065"
ADDRESS = "office@hemet-contractor.example"
SENDER = "permits@hemet.example"
FILENAME = "../../var/site plan.pdf"
SENT_AS = "site plan.pdf"
DATA = b"%PDF-1.4\n" + b"".join(hashlib.sha256(bytes([i])).digest() for i in range(256)) * 200
DB_NAME = "etrakit.db"
XDG = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")


def prepare(path: Path) -> str:
    """The demo city at today's date, the company's email set and a PDF on A1806-065
    (listed after the demo's two photos)."""
    build_demo_template(path, FixedClock(datetime.now(UTC)))
    url = f"sqlite:///{path}"
    db = Database.open(url)
    try:
        with db.write() as s:
            company = s.exec(select(Company).where(Company.name == COMPANY)).one()
            company.email = ADDRESS
            s.add(company)
            permit = s.exec(select(Permit).where(col(Permit.number) == NUMBER)).one()
            assert permit.id is not None
            s.add(
                Attachment(
                    permit_id=permit.id,
                    filename=FILENAME,
                    content_type="application/pdf",
                    size=len(DATA),
                    sha256=hashlib.sha256(DATA).hexdigest(),
                    data=DATA,
                    uploaded_at=datetime.now(UTC),
                )
            )
    finally:
        db.dispose()
    return url


def listing(roots: list[Path]) -> dict[str, tuple[bool, int, int]]:
    """Every entry under ``roots`` (links not followed): folder?, size, mtime; the
    database's own files (``etrakit.db``, ``-wal``, ``-shm``, ``.writelock``) left out."""
    found: dict[str, tuple[bool, int, int]] = {}
    for root in roots:
        for path in [root, *root.rglob("*")]:
            if path.name.startswith(DB_NAME) or path == root:
                continue
            info = path.lstat()
            size = 0 if path.is_dir() else info.st_size
            found[str(path)] = (path.is_dir(), size, info.st_mtime_ns)
    return found


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    port = free_port()
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def sign_in(term: Terminal) -> None:
    sign_in_by_keys(term, COMPANY, PASSWORD)


def notify(url: str, port: int) -> str:
    """``etrakit-tui notify`` as an operator runs it, SMTP set by ETRAKIT_SMTP_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ETRAKIT_", "TEXTUAL_"))}
    env |= {
        "ETRAKIT_SMTP_HOST": "127.0.0.1",
        "ETRAKIT_SMTP_PORT": str(port),
        "ETRAKIT_SMTP_SENDER": SENDER,
    }
    done = subprocess.run(
        [sys.executable, "-m", "etrakit_tui", "notify", "--db", url],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def footer_of(term: Terminal, key: str) -> str:
    """The footer line (the one that shows ``key``)."""
    return next(line for line in reversed(term.screen.display) if key in line)


def the_attachment(mail: Message) -> Message:
    (part,) = [p for p in mail.walk() if p.get_filename()]
    return part


def test_an_attachment_is_emailed_once_and_nothing_is_written_on_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inbox: tuple[Inbox, int]
) -> None:
    data, home, cwd = tmp_path / "data", tmp_path / "home", tmp_path / "cwd"
    for folder in (data, home / "Downloads", cwd):
        folder.mkdir(parents=True)
    url = prepare(data / DB_NAME)
    monkeypatch.setenv("HOME", str(home))
    xdg = [tmp_path / "xdg" / name.lower() for name in XDG]
    for name, folder in zip(XDG, xdg, strict=True):
        folder.mkdir(parents=True)
        monkeypatch.setenv(name, str(folder))
    monkeypatch.chdir(cwd)  # the server's working directory
    (tmp_path / "server").mkdir()
    server: ServerProcess = start_server(tmp_path / "server", "--db", url)
    watched = [data, home, cwd, *xdg]
    before = listing(watched)
    root_before = sorted(os.listdir("/"))
    term = Terminal(server.ssh("-tt"))
    try:
        sign_in(term)
        (portal,) = server.tui_processes()  # the session's process runs where we look
        assert environment_of(portal)["HOME"] == str(home)
        assert os.readlink(f"/proc/{portal}/cwd") == "/"  # its root entries: compared below
        assert term.wait_for(NUMBER), term.text()
        term.settle()
        term.send("\r")  # the first of My Active Permits: A1806-065
        assert term.wait_for(f"Permit #{NUMBER}"), term.text()
        assert term.wait_for("View attachment"), term.text()  # the list has the focus
        term.settle()
        footer = footer_of(term, "View attachment")
        assert "Save" not in footer, footer
        term.send("\x1b[B\x1b[B\r")  # down, down, Enter: our PDF, after the two photos
        assert term.wait_for("cannot be shown in the terminal"), term.text()
        assert term.wait_for("e: email to your company."), term.text()
        assert term.wait_for("e Email to company"), term.text()
        footer = footer_of(term, "esc Close")
        assert "e Email to company" in footer and "Save" not in footer, footer
        assert "Save to" not in term.text() and "Downloads" not in term.text()

        term.send("s")
        assert term.wait_for("Files are not saved over SSH"), term.text()
        term.send("e")
        assert term.wait_for(f"Queued for email to {ADDRESS}."), term.text()
        # Paths typed at the viewer go nowhere: there is no field (its s and e keys answer).
        term.send("../../etc/passwd\r/tmp/evil.sh\r~/.ssh/authorized_keys\r")
        # Once the typed keys are handled, e again: the same file is not queued twice.
        again = False
        for _ in range(20):
            term.send("e")
            if again := term.wait_for("is already waiting to be emailed", timeout=3):
                break
        assert again, term.text()
        assert "Saved" not in term.text()
        term.send("\x1b")  # Esc: back to the permit
        assert term.wait_for("View attachment"), term.text()
        term.send("\x11")  # ctrl+q
        assert term.wait_exit(timeout=30) == 0
    finally:
        term.close()
        server.stop()

    assert listing(watched) == before, "the session wrote on the server"
    assert sorted(os.listdir("/")) == root_before, "the session wrote in its working directory"
    db = Database.open(url)
    try:
        with db.read() as s:
            rows = s.exec(select(Outbox)).all()
            audited = s.exec(
                select(AuditEvent).where(AuditEvent.action == "attachment_emailed")
            ).all()
    finally:
        db.dispose()
    assert [(r.to_addr, r.status) for r in rows] == [(ADDRESS, "PENDING")]
    assert next((a.outcome, a.target) for a in audited) == ("ok", NUMBER)

    handler, port = inbox
    assert notify(url, port) == "sent 1, failed 0, still pending 0"
    assert notify(url, port) == "sent 0, failed 0, still pending 0"
    (mail,) = handler.messages
    assert mail["To"] == ADDRESS and mail["From"] == SENDER
    part = the_attachment(mail)
    assert part.get_filename() == SENT_AS
    assert part.get_content_type() == "application/pdf"
    assert part.get_payload(decode=True) == DATA

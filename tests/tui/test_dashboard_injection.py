"""Untrusted text on the dashboard and the permit screens (SPEC §7): the injection corpus in
a company name, an address, permit notes, review notes, inspection comments and attachment
names and contents is shown literally, runs no action, makes no link, crashes nothing, and
no ESC/C1/bidi character reaches the terminal — checked on the rendered screen (Pilot) and
on the raw bytes the real console script writes to a PTY (pexpect + pyte)."""

from __future__ import annotations

import hashlib
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pexpect
import pyte
import pytest
from sqlmodel import Session, col, select
from textual.pilot import Pilot
from textual.widgets import DataTable, TabbedContent

from etrakit_tui.domain.accounts.actors import Actor, ActorKind
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import (
    Attachment,
    Company,
    Inspection,
    Parcel,
    Permit,
    PermitContact,
    Review,
)
from etrakit_tui.tui.app import EtrakitApp
from etrakit_tui.tui.screens.attachments import AttachmentViewer
from etrakit_tui.tui.screens.dashboard import DashboardScreen
from etrakit_tui.tui.screens.permit import PermitScreen
from etrakit_tui.tui.screens.reviews import ReviewNotesScreen
from tests.support.injection import (
    CORPUS,
    SHORT_CORPUS,
    assert_inert_output,
    assert_no_injected_escapes,
    injected_links,
    screen_text,
    shown_form,
)
from tests.tui.conftest import copy_demo, demo_template_path, make_demo_app, until

HEMET, NUMBER = "CITY OF HEMET", "A1806-065"
ALL = "\n".join(CORPUS)
MARKUP = "[@click=app.quit]x[/]"


def _permit(s: Session) -> Permit:
    return s.exec(select(Permit).where(col(Permit.number) == NUMBER)).one()


def inject(database: Database, company_name: str, *, notes: str = ALL) -> Actor:
    """Put the corpus into every kind of text the dashboard and permit screens show."""
    with database.write() as s:
        company = s.exec(select(Company).where(col(Company.name) == HEMET)).one()
        company.name = company_name
        s.add(company)
        for contact in s.exec(select(PermitContact).where(PermitContact.company_id == company.id)):
            contact.name = company_name
            s.add(contact)
        permit = _permit(s)
        assert permit.id is not None
        permit.notes = notes
        permit.description = MARKUP
        permit.expires_on = None  # active whatever day the test runs
        s.add(permit)
        parcel = s.get(Parcel, permit.parcel_id)
        assert parcel is not None
        parcel.address = "[link=http://x]y[/link]"
        s.add(parcel)
        reviews = s.exec(select(Review).where(Review.permit_id == permit.id)).all()
        for review in reviews:
            review.notes = notes
            review.reviewer = "A [/b] B"
            s.add(review)
        inspections = s.exec(select(Inspection).where(Inspection.permit_id == permit.id)).all()
        for inspection, comment in zip(inspections, [notes, *SHORT_CORPUS], strict=False):
            inspection.comments = comment
            s.add(inspection)
        for index, name in enumerate([*SHORT_CORPUS, "x" * 300]):
            data = ALL.encode()
            s.add(
                Attachment(
                    permit_id=permit.id,
                    filename=name,
                    content_type="text/plain",
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                    data=data,
                    uploaded_at=datetime(2026, 11, 2, 17, index, tzinfo=UTC),
                )
            )
        assert company.id is not None
        return Actor(ActorKind.COMPANY, company.id, company_name)


def check_screen(app: EtrakitApp) -> str:
    """The screen holds no control/bidi character and no injected link or click action."""
    assert app.is_running
    text = screen_text(app)
    assert_inert_output(text)
    assert injected_links(app) == []
    return text


async def open_dashboard_as(pilot: Pilot[Any], app: EtrakitApp, actor: Actor) -> str:
    """Sign ``actor`` in (its name cannot be typed) and return the dashboard's text."""
    await until(pilot, lambda: type(app.screen).__name__ == "LoginScreen", "sign-in")
    app.signed_in(actor, actor.name, DashboardScreen())
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen), "the dashboard")
    await until(
        pilot,
        lambda: app.screen.query_one("#active-permits", DataTable).row_count > 0,
        "My Active Permits",
    )
    # The rows are in the table; wait for them to be painted before reading the screen.
    await until(pilot, lambda: "[link=http://…" in screen_text(app), "the rows on screen")
    text = check_screen(app)
    shown = shown_form(actor.name)
    assert f"Signed in as: {shown}"[:60] in text
    assert " ".join(f"Hello {shown}.".split())[:70] in " ".join(text.split())
    assert "[link=http://…" in text  # the address, literally, cut to its column
    return text


async def test_every_corpus_string_as_a_company_name(tmp_path: Path, clock: FixedClock) -> None:
    app = make_demo_app(tmp_path, clock)
    actor = inject(app.database, " ".join(SHORT_CORPUS[1:]) + " " + "x" * 120)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_dashboard_as(pilot, app, actor)
        await pilot.press("tab", "enter")  # My Active Inspections: A1806-065
        await until(pilot, lambda: isinstance(app.screen, PermitScreen), "the permit")
        await until(pilot, lambda: "Notes:" in screen_text(app), "Permit Info")
        check_screen(app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), "the dashboard")
        check_screen(app)


async def test_corpus_is_shown_literally_and_inert(tmp_path: Path, clock: FixedClock) -> None:
    app = make_demo_app(tmp_path, clock)
    actor = inject(app.database, MARKUP)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_dashboard_as(pilot, app, actor)
        shown = MARKUP

        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PermitScreen), "the permit")
        screen = app.screen
        await until(pilot, lambda: screen.query(TabbedContent), "the tabs")
        await until(pilot, lambda: "Notes:" in screen_text(app), "Permit Info")
        text = check_screen(app)
        for value in SHORT_CORPUS:  # every line of the notes, as typed (controls marked)
            assert shown_form(value) in text
        assert f"Description:     {MARKUP}" in text

        for key, marker in (("2", "APN:"), ("3", "ROLE"), ("4", "Result:"), ("5", "CASP")):
            await pilot.press(key)
            await until(pilot, lambda m=marker: m in screen_text(app), marker)  # type: ignore[misc]
            text = check_screen(app)
            if key == "3":
                assert shown[:20] in text
            if key == "4":
                assert shown_form("\x9b31m") in text and MARKUP in text

        await pilot.press("6")
        await until(pilot, lambda: "Sorted by" in screen_text(app), "Reviews")
        assert "A [/b] B" in check_screen(app)
        await pilot.press("enter")  # More Info: the notes, literally
        await until(pilot, lambda: isinstance(app.screen, ReviewNotesScreen), "More Info")
        await until(pilot, lambda: MARKUP in screen_text(app), "the notes")
        text = check_screen(app)
        assert shown_form("\x1b]8;;http://x\x07y\x1b]8;;\x07") in text
        await pilot.press("escape", "1")
        names = len(SHORT_CORPUS) + 3  # ours and the guide's two photos
        await until(
            pilot,
            lambda: screen.query_one("#attachments", DataTable).row_count == names,
            "the attachments",
        )
        await until(pilot, lambda: shown_form(SHORT_CORPUS[2]) in screen_text(app), "names")
        text = check_screen(app)
        for name in SHORT_CORPUS[:3]:
            assert shown_form(name) in text  # attachment names, literally
        cells = screen.query_one("#attachments", DataTable)
        listed = [cells.get_row_at(i)[0].plain for i in range(names)]
        assert listed[2 : 2 + len(SHORT_CORPUS)] == [shown_form(n) for n in SHORT_CORPUS]
        await pilot.press("down", "down", "enter")  # after the guide's two photos: ours
        await until(pilot, lambda: isinstance(app.screen, AttachmentViewer), "the viewer")
        viewer = app.screen
        await until(pilot, lambda: viewer.kind == "text", "the text")
        text = check_screen(app)
        assert MARKUP in text and shown_form("\u202eevil") in text
        await pilot.press("escape", "escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), "the dashboard")
        check_screen(app)


# --------------------------------------------------------------------------- real terminal

TYPEABLE = "[@click=app.quit]x[/] A [/b] B"
PTY_SIZE = (50, 120)  # rows, columns


class Terminal:
    """The real console script on a PTY; what it writes is kept raw and fed to pyte."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        rows, cols = PTY_SIZE
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = b""
        self.child = pexpect.spawn(args[0], args[1:], env=env, dimensions=PTY_SIZE)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def pump(self) -> None:
        try:
            data = self.child.read_nonblocking(65536, timeout=0.1)
        except (pexpect.TIMEOUT, pexpect.EOF):
            return
        self.raw += data
        self.stream.feed(data)

    def wait_for(self, wanted: str, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while wanted not in self.text():
            assert self.child.isalive(), f"the app exited waiting for {wanted!r}:\n{self.text()}"
            assert time.monotonic() < deadline, f"no {wanted!r} on screen:\n{self.text()}"
            self.pump()

    def type(self, text: str) -> None:
        self.child.send(text)


@pytest.mark.xdist_group("ssh")  # the PTY-driven tests run one after another
def test_console_script_writes_no_injected_escapes(tmp_path: Path) -> None:
    path = copy_demo(demo_template_path(), tmp_path)
    database = Database.open(f"sqlite:///{path}")
    notes = "\n".join(v for v in CORPUS if len(v) < 100)
    inject(database, TYPEABLE, notes=notes)
    database.dispose()
    script = Path(sys.executable).parent / "etrakit-tui"
    # A size left in the environment by the test process (COLUMNS/LINES) would override the
    # PTY's own size; a user's terminal tells the app its size through the PTY alone.
    dropped = ("NO_COLOR", "ETRAKIT_DATABASE_URL", "COLUMNS", "LINES")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(TERM="xterm-256color", HOME=str(tmp_path), COLORTERM="truecolor")
    term = Terminal([str(script), "--db", f"sqlite:///{path}"], env)
    try:
        term.wait_for("Contractor Login")
        term.type(TYPEABLE)
        term.wait_for(TYPEABLE)
        term.type("\r")
        time.sleep(0.5)
        term.pump()
        term.type("hemetdemo1\r")
        term.wait_for(f"Hello {TYPEABLE}. Below is a Dashboard")  # the name, literally
        term.wait_for(f"Signed in as: {TYPEABLE}")
        term.wait_for("[link=http://…")  # A1806-065's address, cut to its column
        term.type("\r")  # A1806-065, with the corpus in its notes
        term.wait_for("Permit #A1806-065")
        term.wait_for("Notes:")
        term.wait_for("A [/b] B")
        term.pump()
        shown = term.text()
        assert MARKUP in shown and "[link=http://x]y[/link]" in shown
        assert "\ufffd[2J" in shown  # the clear-screen escape is shown, not obeyed
        assert "\ufffdevil" in shown and "a\ufffdb" in shown
        assert_no_injected_escapes(term.raw)
        assert term.child.isalive()
        term.type("\x11")  # ctrl+q
        term.child.expect(pexpect.EOF, timeout=30)
    finally:
        term.child.close(force=True)
    assert term.child.exitstatus == 0

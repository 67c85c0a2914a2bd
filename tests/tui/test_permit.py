"""*Permit #A1806-065*, driven by keys: every tab and what it says, the Reviews sort keys and
*More Info*, the fees and request keys (the attachments: ``test_attachments.py``)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import col, select
from textual.widgets import TabbedContent

from etrakit_tui.domain.accounts import auth
from etrakit_tui.domain.permits import detail as permits_detail
from etrakit_tui.domain.permits.reviews import sort_reviews
from etrakit_tui.domain.permits.views import PermitDetail, ReviewSort
from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.domain.store.models import Attachment, Permit
from etrakit_tui.tui.app import EtrakitApp
from etrakit_tui.tui.screens.permit import PermitScreen
from etrakit_tui.tui.screens.reviews import ReviewNotesScreen, ReviewsPane
from tests.support.injection import screen_text
from tests.tui.conftest import make_demo_app, sign_in, until

HEMET, PASSWORD, NUMBER = "CITY OF HEMET", "hemetdemo1", "A1806-065"
NOTICE = "CORRECTION NOTICE\nRemove the temporary handrail.\nCall for reinspection."


def detail_of(database: Database) -> PermitDetail:
    actor = auth.sign_in_company(database, HEMET, PASSWORD).actor
    return permits_detail.permit_detail(database, actor, NUMBER)


def flat(app: EtrakitApp) -> str:
    """Screen text with runs of spaces/newlines folded (wrapping does not matter)."""
    return " ".join(screen_text(app).split())


async def open_permit(pilot: object, app: EtrakitApp) -> PermitScreen:
    """Sign in by keys and press Enter on A1806-065 (the first row of My Active Permits)."""
    await sign_in(pilot, HEMET, PASSWORD)  # type: ignore[arg-type]
    await until(pilot, lambda: app.screen.query("#active-permits"), "the dashboard")  # type: ignore[arg-type]
    table = app.screen.query_one("#active-permits")
    await until(pilot, lambda: table.row_count > 0, "My Active Permits")  # type: ignore[arg-type,attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await until(pilot, lambda: isinstance(app.screen, PermitScreen), "the permit")  # type: ignore[arg-type]
    screen = app.screen
    assert isinstance(screen, PermitScreen)
    await until(pilot, lambda: screen.query(TabbedContent), "the tabs")  # type: ignore[arg-type]
    return screen


async def show_tab(pilot: object, app: EtrakitApp, key: str, tab: str, text: str) -> str:
    await pilot.press(key)  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, PermitScreen)
    await until(pilot, lambda: screen.query_one(TabbedContent).active == tab, tab)  # type: ignore[arg-type]
    await until(pilot, lambda: text in screen_text(app), f"{text!r} on {tab}")  # type: ignore[arg-type]
    return flat(app)


def add_text_attachment(database: Database) -> None:
    with database.write() as s:
        permit = s.exec(select(Permit).where(col(Permit.number) == NUMBER)).one()
        assert permit.id is not None
        data = NOTICE.encode()
        s.add(
            Attachment(
                permit_id=permit.id,
                filename="NOTICE.txt",
                content_type="text/plain",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
                uploaded_at=datetime(2026, 11, 1, 17, 0, tzinfo=UTC),
            )
        )


async def test_every_tab_by_key(tmp_path: Path, clock: FixedClock) -> None:
    app = make_demo_app(tmp_path, clock)
    detail = detail_of(app.database)
    assert detail.site is not None
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_permit(pilot, app)
        text = flat(app)
        assert "Permit #A1806-065" in text
        assert "Request Inspection" in text and "Inspections" in text
        n_contacts, n_inspections = len(detail.contacts), len(detail.inspections)
        for label in (
            "Permit Info",
            "Site Info",
            f"Contacts ({n_contacts})",
            f"Inspections ({n_inspections})",
            "Conditions",
            "Reviews",
        ):
            assert label in text

        text = await show_tab(pilot, app, "1", "info", "Applied Date:")
        assert "Type: ACCESSIBILITY" in text and "Status: ACTIVE" in text
        assert "Applied Date: 6/27/2018" in text
        assert "IMG_5427.JPG" in text and "IMG5427.JPG" in text  # the guide's attachments

        text = await show_tab(pilot, app, "2", "site", "APN:")
        assert f"APN: {detail.site.apn}" in text
        assert "Address: 445 E FLORIDA AVE" in text and "Zoning: C-2" in text
        assert "Owner: CITY OF HEMET" in text

        text = await show_tab(pilot, app, "3", "contacts", "ROLE")
        assert n_contacts == 1 and "Contacts (1)" in text
        assert "CONTRACTOR" in text and "CITY OF HEMET (you)" in text

        text = await show_tab(pilot, app, "4", "inspections", "Result:")
        assert n_inspections == 4 and "Inspections (4)" in text
        assert "FINAL 11/19/2026 AM Result: SCHEDULED" in text
        for row in detail.inspections:  # each with its result and the inspector's comments
            day = f"{row.date.month}/{row.date.day}/{row.date.year}"
            assert f"{row.inspection_type} {day} {row.period} Result: {row.status}" in text
            assert " ".join(row.comments.split()) in text
        assert "Result: CORRECTION" in text

        text = await show_tab(pilot, app, "5", "conditions", "CASP REPORT")
        assert "CASP REPORT OPEN" in text
        assert "Provide CASp inspection report before final." in text

        text = await show_tab(pilot, app, "6", "reviews", "Sorted by")
        assert "Sorted by SUBMITTED, newest first." in text

        await pilot.press("i")  # the *Inspections* action jumps to its tab
        await until(pilot, lambda: screen.query_one(TabbedContent).active == "inspections")

        await pilot.press("f")  # the fee breakdown
        await until(pilot, lambda: "AMOUNT DUE" in screen_text(app), "the fees")
        assert re.search(r"AMOUNT DUE +\$0\.00", screen_text(app))
        await pilot.press("escape", "r")  # *Request Inspection*: the request form
        await until(pilot, lambda: not isinstance(app.screen, PermitScreen), "the request form")
        assert type(app.screen).__name__ == "InspectionRequestScreen"


def review_ids(app: EtrakitApp) -> list[int]:
    pane = app.screen.query_one(ReviewsPane)
    return [pane.rows[i].review_id for i in range(pane.table.row_count)]


def first_row(app: EtrakitApp) -> str:
    pane = app.screen.query_one(ReviewsPane)
    return " ".join(cell.plain.strip() for cell in pane.table.get_row_at(0))


async def test_reviews_sort_by_key_and_more_info(tmp_path: Path, clock: FixedClock) -> None:
    app = make_demo_app(tmp_path, clock)
    rows = detail_of(app.database).reviews
    newest = max(rows, key=lambda r: (r.submitted_on, r.review_id))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_permit(pilot, app)
        await show_tab(pilot, app, "6", "reviews", "Sorted by")

        await pilot.press("s", "s")  # SUBMITTED -> DUE -> COMPLETED
        assert "Sorted by COMPLETED, newest first." in flat(app)
        by_completed = [r.review_id for r in sort_reviews(rows, ReviewSort.COMPLETED, True)]
        assert review_ids(app) == by_completed
        await pilot.press("d")  # reversed: oldest completed first
        assert "Sorted by COMPLETED, oldest first." in flat(app)
        assert review_ids(app) == [
            r.review_id for r in sort_reviews(rows, ReviewSort.COMPLETED, False)
        ]
        by_submitted = [r.review_id for r in sort_reviews(rows, ReviewSort.SUBMITTED, True)]
        assert review_ids(app) != by_submitted

        await pilot.press("n")  # the one key: submitted date, newest first
        assert "Sorted by SUBMITTED, newest first." in flat(app)
        assert review_ids(app) == by_submitted
        assert review_ids(app)[0] == newest.review_id
        assert first_row(app).startswith(f"{newest.review_type} {newest.reviewer}")
        assert "8/10/2026" in first_row(app)

        await pilot.press("s", "s", "s", "s", "s")  # ... CYCLE, REVIEW TYPE, REVIEWER
        assert "Sorted by REVIEWER, A to Z." in flat(app)  # a text column: A to Z first
        reviewers = [app.screen.query_one(ReviewsPane).rows[i].reviewer for i in range(len(rows))]
        assert reviewers == sorted(reviewers, key=str.casefold)
        await pilot.press("d")
        assert "Sorted by REVIEWER, Z to A." in flat(app)
        await pilot.press("s", "s")  # STATUS (A to Z), then SUBMITTED: newest first again
        assert "Sorted by SUBMITTED, newest first." in flat(app)

        await pilot.press("n", "enter")  # More Info on the newest review
        await until(pilot, lambda: isinstance(app.screen, ReviewNotesScreen), "More Info")
        await until(pilot, lambda: "Approved. CASp report" in screen_text(app), "the notes")
        text = flat(app)
        assert "More Info — ACCESSIBILITY review, cycle 3" in text
        assert "Approved. CASp report required before final." in text
        await pilot.press("escape")
        await pilot.press("down", "m")  # m is More Info too: the next review's notes
        await until(pilot, lambda: "Ramp slope exceeds 1:12" in screen_text(app), "notes")


async def test_request_key_explains_when_not_offered(tmp_path: Path, clock: FixedClock) -> None:
    app = make_demo_app(tmp_path, clock)
    with app.database.write() as s:
        permit = s.exec(select(Permit).where(col(Permit.number) == NUMBER)).one()
        permit.on_hold = True
        s.add(permit)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_permit(pilot, app)
        assert "Status: ACTIVE (ON HOLD)" in flat(app)
        await pilot.press("r")
        await until(pilot, lambda: "not offered on" in screen_text(app), "the reason")
        text = flat(app)
        assert "Request is not offered on A1806-065; contact the City of Hemet" in text
        assert "on hold" in text
        assert isinstance(app.screen, PermitScreen)

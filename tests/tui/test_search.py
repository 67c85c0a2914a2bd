"""Search permits & plan reviews (SPEC §2.8): by number prefix, address fragment and parcel
number; the examples one key away; results paged from the server; "mine" in words; another
company's permit shows its public fields only; bad queries answered at the input."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from etrakit_tui.domain.accounts import auth
from etrakit_tui.domain.errors import UNAVAILABLE_MESSAGE
from etrakit_tui.domain.permits import search
from etrakit_tui.domain.permits.views import SearchHit, SearchKey
from etrakit_tui.domain.store.db import FixedClock, make_engine
from etrakit_tui.domain.store.models import Parcel, Permit
from etrakit_tui.tui.screens.search import SearchScreen
from etrakit_tui.tui.widgets.paged_table import PagedTable
from tests.support.injection import SHORT_CORPUS, assert_inert_output, shown_form
from tests.support.sshkit import free_port
from tests.tui.conftest import make_demo_app, until
from tests.tui.forms_support import (
    choose,
    clear_and_type,
    field,
    field_error,
    flat,
    on_screen,
    open_menu,
    paste_into,
    signed_in,
    text_of,
)

CITY = ("CITY OF HEMET", "hemetdemo1")
HOSTILE = " ".join(SHORT_CORPUS)  # every short corpus string at once


def results(screen: SearchScreen) -> PagedTable[SearchHit, SearchKey]:
    return screen.results


async def search_for(pilot: object, screen: SearchScreen, text: str) -> list[SearchHit]:
    """Type (or, if long, paste) ``text`` into the search, Enter, wait for the first page."""
    if len(text) > 4:
        await paste_into(pilot, "query", text)  # type: ignore[arg-type]
    else:
        await clear_and_type(pilot, "query", text)  # type: ignore[arg-type]
    table = results(screen)
    table.items = []  # forget the last answer, so we wait for this one
    await pilot.press("enter")  # type: ignore[attr-defined]
    await until(pilot, lambda: bool(table.items) or table.complete, f"results for {text}")  # type: ignore[arg-type]
    return list(table.items)


async def test_search_by_number_address_apn_examples_and_paging(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    db = app.database
    with db.read() as s:
        apn = s.exec(
            select(Parcel.apn)
            .join(Permit, col(Permit.parcel_id) == col(Parcel.id))
            .where(Permit.number == "A1806-065")
        ).one()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, *CITY)
        await open_menu(pilot, "f3", "SearchScreen")
        screen = app.screen
        assert isinstance(screen, SearchScreen)

        # A permit number prefix.
        hits = await search_for(pilot, screen, "B19")
        assert hits and all(h.number.startswith("B19") for h in hits)
        assert any(h.number == "B1906-174" for h in hits)
        assert "mine" in flat(pilot) and "B1906-174" in flat(pilot)

        # The examples, one key away: the one picked fills the input and runs.
        await pilot.press("f8")
        await on_screen(pilot, "ExamplesScreen")
        assert "3800 THORN" in flat(pilot) and "448-123-017" in flat(pilot)
        results(screen).items = []
        await pilot.press("down", "down", "down", "enter")  # 4th example: 3800 THORN
        await on_screen(pilot, "SearchScreen")
        assert field(pilot, "query").text == "3800 THORN"
        await until(pilot, lambda: bool(results(screen).items), "the example's results")
        assert [h.number for h in results(screen).items] == ["B1906-174"]
        assert "3800 THORNTON AVE" in flat(pilot)
        # Enter on one of mine opens it (the permit screen, once it is installed).
        await until(pilot, lambda: app.focused is results(screen), "the results")
        await pilot.press("enter")
        opened = "PermitScreen"
        if importlib.util.find_spec("etrakit_tui.tui.screens.permit") is None:
            opened = "PublicPermitScreen"
        await on_screen(pilot, opened)
        await pilot.press("escape")
        await on_screen(pilot, "SearchScreen")

        # An address fragment, and a parcel number (with dashes).
        hits = await search_for(pilot, screen, "FLORIDA")
        assert hits and all("FLORIDA" in h.address for h in hits)
        hits = await search_for(pilot, screen, apn[:7])
        assert "A1806-065" in [h.number for h in hits]
        assert all(h.apn.startswith(apn[:7]) for h in hits)

        # Paging: the first page, then the next one as the cursor reaches the end.
        hits = await search_for(pilot, screen, "B2")
        table = results(screen)
        assert len(hits) == 50 and not table.complete
        assert "50+ records" in flat(pilot)
        await pilot.press("end")
        await until(pilot, lambda: len(table.items) > 50, "the next page")
        numbers = [h.number for h in table.items]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


async def test_other_companies_permits_public_fields_and_bad_queries(
    tmp_path: Path, clock: FixedClock
) -> None:
    """Another company's permit (its address hostile text): listed without "mine", shown
    inert, and Enter shows only its public fields. Bad queries: a message at the input."""
    app = make_demo_app(tmp_path, clock)
    db = app.database
    actor = auth.sign_in_company(db, *CITY).actor
    theirs = next(h for h in search.search_permits(db, actor, "B26").items if not h.is_mine)
    with db.write() as s:
        parcel_id = s.exec(select(Permit.parcel_id).where(Permit.number == theirs.number))
        parcel = s.exec(select(Parcel).where(col(Parcel.id) == parcel_id.one())).one()
        parcel.address = HOSTILE
        s.add(parcel)
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, *CITY)
        await open_menu(pilot, "f3", "SearchScreen")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        hits = await search_for(pilot, screen, theirs.number)
        assert [(h.number, h.is_mine) for h in hits] == [(theirs.number, False)]
        assert "mine" not in flat(pilot).split("MINE", 1)[1]
        assert "[@click=app.quit]" in text_of(pilot)
        assert_inert_output(text_of(pilot))
        await pilot.press("enter")
        await on_screen(pilot, "PublicPermitScreen")
        shown = str(app.screen.query_one("#public-fields").render())
        assert f"Permit #{theirs.number}" in shown
        assert f"Address:     {shown_form(HOSTILE)}" in shown
        assert "only its public information is shown" in shown
        assert_inert_output(text_of(pilot))
        await pilot.press("escape")
        await on_screen(pilot, "SearchScreen")
        assert app.is_running

        # Control characters: refused at the input, in words, and never shown raw.
        await paste_into(pilot, "query", "\x1b[2J")
        assert field(pilot, "query").text == ""
        assert field_error(pilot, "query") == (
            "Search cannot contain control or text-direction characters (such as ESC); "
            "that text was not entered."
        )
        assert "Error: Search cannot contain control" in flat(pilot)
        assert_inert_output(text_of(pilot))
        # An empty search says what to type.
        await pilot.press("enter")
        await until(pilot, lambda: "Enter a permit number" in field_error(pilot, "query"), "why")
        # A parcel-number search for words.
        await choose(pilot, "kind", "Parcel number")
        await clear_and_type(pilot, "query", "FLORIDA")
        await pilot.press("enter")
        await until(pilot, lambda: "parcel number" in field_error(pilot, "query"), "a message")
        assert field_error(pilot, "query") == (
            "A parcel number has digits and dashes: 448-123-017."
        )


async def test_an_unreachable_database_is_one_plain_sentence_at_the_search_field(
    tmp_path: Path, clock: FixedClock
) -> None:
    """The search fails because the database went away: the field says the portal's plain
    line exactly as written (no driver text, and not lower-cased after its first word)."""
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, *CITY)
        await open_menu(pilot, "f3", "SearchScreen")
        database = app.database
        working = database.engine
        down = make_engine(f"postgresql://portal:pw@127.0.0.1:{free_port()}/city")
        database.engine = down  # the server is gone under the signed-in contractor
        try:
            await clear_and_type(pilot, "query", "FLORIDA")
            await pilot.press("enter")
            await until(pilot, lambda: field_error(pilot, "query") != "", "a message")
            assert field_error(pilot, "query") == UNAVAILABLE_MESSAGE
            assert "Try again in a minute." in flat(pilot)
        finally:
            database.engine = working
            down.dispose()
        assert app.is_running


async def test_a_long_entry_scrolls_with_the_cursor_and_keys_lay_nothing_out_again(
    tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typed past the field's width, the field shows the end being typed; Home brings the
    start back. Each key repaints the field only: the screen is not laid out again (that
    was half of what a keystroke cost over SSH)."""
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, *CITY)
        await open_menu(pilot, "f3", "SearchScreen")
        await pilot.pause()
        screen = app.screen
        layouts: list[object] = []
        lay_out = screen._refresh_layout  # Textual's: the whole screen arranged again

        def counted(*args: Any, **kwargs: Any) -> None:
            layouts.append(args)
            lay_out(*args, **kwargs)

        monkeypatch.setattr(screen, "_refresh_layout", counted)
        width = screen.query_one("#query").size.width
        typed = "".join(str(i % 10) for i in range(width + 14)) + "XYZ"
        for key in typed:
            await pilot.press(key)
        await pilot.pause()
        shown = flat(pilot).split("Search:")[1].split("Search By:")[0].strip()
        assert shown.endswith("XYZ") and not shown.startswith(typed[:10])
        assert layouts == []
        await pilot.press("home")
        await pilot.pause()
        shown = flat(pilot).split("Search:")[1].split("Search By:")[0].strip()
        assert shown == typed[: len(shown)] and len(shown) >= width - 1

"""Helpers for the Pilot tests of the contractor's forms (request, profile, search, cancel):
reach a field with Tab, choose a Select option with the arrow keys, paste text the way a
terminal does (bracketed paste), read the message at a field, and read the database.

Everything here drives the app by keys (``pilot.press``) or by the terminal's own events
(``Paste``); nothing clicks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from textual import events
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, Select
from textual.widgets._select import SelectOverlay

from etrakit_tui.domain.accounts import auth
from etrakit_tui.domain.store.db import Database
from etrakit_tui.domain.store.models import Inspection, InspectionType, Permit
from etrakit_tui.tui.app import EtrakitApp
from etrakit_tui.tui.navigation import home_for
from etrakit_tui.tui.widgets.form_field import Choice, FormField
from tests.support.injection import screen_text
from tests.tui.conftest import until

HEMET = ZoneInfo("America/Los_Angeles")
MAX_TABS = 60


def hemet_time(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Hemet, as the aware UTC datetime the clock wants."""
    return datetime(year, month, day, hour, minute, tzinfo=HEMET).astimezone(UTC)


def portal(pilot: Pilot[Any]) -> EtrakitApp:
    app = pilot.app
    assert isinstance(app, EtrakitApp)
    return app


async def signed_in(pilot: Pilot[Any], name: str, password: str) -> EtrakitApp:
    """Sign a company in through the domain and wait for its home screen (the sign-in
    screen itself is driven by keys in ``test_first_login.py``; here it is only setup)."""
    app = portal(pilot)
    await on_screen(pilot, "LoginScreen")
    result = auth.sign_in_company(app.database, name, password)
    app.signed_in(result.actor, result.display_name, home_for(result.actor.kind), result.theme)
    await until(pilot, lambda: app.screen is app.home_screen, "the home screen")
    return app


async def sign_in_by_keys(pilot: Pilot[Any], typed: str, secret: str) -> None:
    """On the sign-in screen: type the start of the company name, take the first match
    from the list (Enter), type the password or PIN, Enter."""
    app = portal(pilot)
    await on_screen(pilot, "LoginScreen")
    name = app.screen.query_one("#name", Input)
    if not name.value.upper().startswith(typed.upper()):  # else: still there from before
        await focus_by_id(pilot, "name")
        await pilot.press(*typed)
        await until(pilot, lambda: app.screen.query_one("#picker").display, "the company list")
        await pilot.press("enter")  # into the list
        await until(pilot, lambda: getattr(app.focused, "id", "") == "picker", "the list")
        await pilot.press("enter")  # take the highlighted (first) match
    await focus_by_id(pilot, "secret")
    await pilot.press(*secret, "enter")


async def focus_by_id(pilot: Pilot[Any], widget_id: str) -> None:
    """Press Tab until the widget ``#widget_id`` has the focus."""
    for _ in range(MAX_TABS):
        if getattr(pilot.app.focused, "id", None) == widget_id:
            return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached #{widget_id}")


async def on_screen(pilot: Pilot[Any], name: str) -> None:
    """Wait until the active screen is of class ``name``."""
    app = pilot.app
    await until(pilot, lambda: type(app.screen).__name__ == name, f"the {name}")


async def open_menu(pilot: Pilot[Any], key: str, name: str) -> None:
    """Press a menu key (F3..F7) and wait for its screen."""
    await pilot.press(key)
    await on_screen(pilot, name)


def field(pilot: Pilot[Any], name: str) -> FormField:
    """The form field ``name`` (the domain's field name) on the active screen."""
    return pilot.app.screen.query_one(f"#field-{name}", FormField)


def field_error(pilot: Pilot[Any], name: str) -> str:
    return field(pilot, name).error


async def focus_field(pilot: Pilot[Any], name: str) -> Widget:
    """Press Tab (or Shift+Tab, whichever is shorter) until field ``name``'s control has
    the focus."""
    target = field(pilot, name).control
    chain = pilot.app.screen.focus_chain
    for _ in range(MAX_TABS):
        focused = pilot.app.focused
        if focused is target:
            return target
        here = chain.index(focused) if focused in chain else 0
        there = chain.index(target)
        forward = (there - here) % len(chain)
        await pilot.press("tab" if forward <= len(chain) - forward else "shift+tab")
    raise AssertionError(f"Tab never reached the {name} field")


async def _empty(pilot: Pilot[Any], name: str) -> Input:
    """Focus the text field ``name`` and leave it empty (arriving by Tab selects its text,
    which the next keys replace; otherwise End, Ctrl+U)."""
    already = pilot.app.focused is field(pilot, name).control
    control = await focus_field(pilot, name)
    assert isinstance(control, Input)
    if already or control.selection.is_empty:
        await pilot.press("end", "ctrl+u")
    else:
        await pilot.press("backspace")
    return control


async def clear_and_type(pilot: Pilot[Any], name: str, text: str) -> None:
    """Empty the text field ``name`` and type ``text`` key by key."""
    control = await _empty(pilot, name)
    if text:
        await pilot.press(*text)
    assert control.value == text, f"typed {text!r}, the field holds {control.value!r}"


async def paste_into(pilot: Pilot[Any], name: str, text: str) -> None:
    """Empty the text field ``name`` and paste ``text`` into it (bracketed paste)."""
    await _empty(pilot, name)
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


def option_words(select: Select[Any]) -> list[str]:
    """The words of a Select's options, blank prompt excluded, in order."""
    overlay = select.query_one(SelectOverlay)
    words = []
    for index in range(overlay.option_count):
        option = overlay.get_option_at_index(index)
        if option.id is None and select._allow_blank and index == 0:
            continue
        prompt = option.prompt
        words.append(str(getattr(prompt, "plain", prompt)))
    return words


async def choose(pilot: Pilot[Any], name: str, words: str) -> None:
    """Choose the option of field ``name`` that starts with ``words`` with Left/Right
    (the list stays closed; :func:`choose_from_list` opens it)."""
    select = await focus_field(pilot, name)
    assert isinstance(select, Choice)
    await until(pilot, lambda: any(w.startswith(words) for w in option_words(select)), words)
    target = next(i for i, w in enumerate(option_words(select)) if w.startswith(words))
    for _ in range(len(select.values) + 1):
        current = -1 if select.is_blank() else select.values.index(select.value)
        if current == target:
            return
        await pilot.press("right" if current < target else "left")
    raise AssertionError(f"could not step to {words!r}")


async def choose_from_list(pilot: Pilot[Any], name: str, words: str) -> None:
    """Open the Select of field ``name`` (Enter), arrow to the option starting with
    ``words``, Enter."""
    select = await focus_field(pilot, name)
    assert isinstance(select, Select)
    overlay = select.query_one(SelectOverlay)
    await until(pilot, lambda: any(w.startswith(words) for w in option_words(select)), words)
    await pilot.press("enter")
    await until(pilot, lambda: select.expanded, "the option list to open")
    prompts = [
        str(getattr(overlay.get_option_at_index(i).prompt, "plain", ""))
        for i in range(overlay.option_count)
    ]
    first = 1 if select._allow_blank else 0  # the blank option shows the prompt
    target = next(i for i, w in enumerate(prompts) if i >= first and w.startswith(words))
    for _ in range(overlay.option_count + 1):
        current = overlay.highlighted if overlay.highlighted is not None else -1
        if current == target:
            break
        await pilot.press("down" if current < target else "up")
    await pilot.press("enter")
    await until(pilot, lambda: not select.expanded, "the option list to close")


async def pick_row(pilot: Pilot[Any], table_id: str, matches: Any) -> None:
    """Move the cursor of the paged table ``table_id`` down (arrow keys) to the first item
    for which ``matches(item)`` holds, loading pages as it goes, and press Enter."""
    table = pilot.app.screen.query_one(f"#{table_id}")
    await until(pilot, lambda: table.items or table.complete, "the table's first page")  # type: ignore[attr-defined]
    for _ in range(1000):
        item = table.current_item  # type: ignore[attr-defined]
        if item is not None and matches(item):
            await pilot.press("enter")
            return
        before = table.cursor_row  # type: ignore[attr-defined]
        await pilot.press("down")
        await until(pilot, lambda: not table.loading, "the next page")  # type: ignore[attr-defined]
        if table.cursor_row == before:  # type: ignore[attr-defined]
            break
    raise AssertionError(f"no row of #{table_id} matches")


def text_of(pilot: Pilot[Any]) -> str:
    """What the screen shows now (one line per row)."""
    return screen_text(pilot.app)


def flat(pilot: Pilot[Any]) -> str:
    """The screen's words with line breaks and runs of spaces folded (wrapped text)."""
    return " ".join(text_of(pilot).split())


# ---------------------------------------------------------------------- the database


def open_inspections(db: Database, number: str) -> list[tuple[str, str, str, str]]:
    """``(type code, date iso, AM/PM, status)`` of every inspection on permit ``number``."""
    with db.read() as s:
        rows = s.exec(
            select(
                InspectionType.code,
                Inspection.requested_date,
                Inspection.period,
                Inspection.status,
            )
            .join(Permit, col(Permit.id) == col(Inspection.permit_id))
            .join(InspectionType, col(InspectionType.id) == col(Inspection.inspection_type_id))
            .where(Permit.number == number)
            .order_by(col(Inspection.id))
        ).all()
    return [(code, day.isoformat(), period, status) for code, day, period, status in rows]


def inspection_count(db: Database) -> int:
    with db.read() as s:
        return len(s.exec(select(Inspection.id)).all())

"""Focus you can see from a metre away (issue 13 item 4), at 80x24.

The focused dropdown (Select) and text field (Input) of the inspection request form, the
focused table's cursor row and the focused tab are shown inverted — light and dark swapped
relative to the same widget without focus — in 16 colours (``TERM=xterm``), in every theme
the portal offers, and with ``NO_COLOR``, where the focused control also carries the reverse
attribute, which a terminal shows even with no colour at all. A shade of grey would not
change the sign of :func:`contrast`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Select, Tabs
from textual.widgets._select import SelectOverlay

from etrakit_tui.domain.store.db import FixedClock
from etrakit_tui.tui import theme
from etrakit_tui.tui.app import EtrakitApp
from etrakit_tui.tui.screens.modal import ConfirmScreen
from etrakit_tui.tui.screens.permit import PermitScreen
from etrakit_tui.tui.screens.request import InspectionRequestScreen
from tests.tui.conftest import make_demo_app, until
from tests.tui.focus_support import cells, contrast, reversed_share
from tests.tui.forms_support import choose, option_words, signed_in

SIZE = (80, 24)
HEMET = ("CITY OF HEMET", "hemetdemo1")
PERMIT = "A1806-065"


@pytest.fixture
def sixteen_colours(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 16-colour terminal: Textual's console picks its colour depth from TERM."""
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.delenv("COLORTERM", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TEXTUAL_COLOR_SYSTEM", raising=False)


def themes(app: EtrakitApp) -> list[str]:
    """Every theme the portal offers (Textual's own, by its Change theme command, and the
    sunlight theme), the sunlight theme first."""
    names = sorted(app.available_themes)
    assert theme.SUNLIGHT in names
    return [theme.SUNLIGHT, *(name for name in names if name != theme.SUNLIGHT)]


async def request_form(pilot: Pilot[Any]) -> EtrakitApp:
    """Signed in, the request form of a permit open and filled (its types loaded)."""
    app = await signed_in(pilot, *HEMET)
    screen = InspectionRequestScreen(PERMIT)
    app.push_screen(screen)
    await until(pilot, lambda: app.screen is screen and bool(screen.types), "the request form")
    return app


async def focus(pilot: Pilot[Any], widget: Widget) -> None:
    widget.focus()
    await until(pilot, lambda: widget.has_focus, f"focus on {widget!r}")
    await pilot.pause()


def control(app: EtrakitApp, field: str, kind: type[Widget]) -> Widget:
    return app.screen.query_one(f"#field-{field}").query_one(kind)


def assert_inverted(focused: Widget, other: Widget, *, sixteen: bool, what: str) -> None:
    """``focused`` (with focus) and ``other`` (the same kind, without) show opposite
    contrast: one light on dark, the other dark on light — by a clear margin."""
    lit, unlit = contrast(cells(focused), sixteen=sixteen), contrast(cells(other), sixteen=sixteen)
    assert lit * unlit < 0, f"{what}: focused {lit:+.2f}, not focused {unlit:+.2f} (a shade)"
    assert abs(lit) > 0.2 and abs(unlit) > 0.2, f"{what}: {lit:+.2f} / {unlit:+.2f}"


@pytest.mark.usefixtures("sixteen_colours")
async def test_focused_select_and_input_are_inverted_in_16_colours_in_every_theme(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    assert app.console.color_system == "standard"  # TERM=xterm: 16 colours
    async with app.run_test(size=SIZE) as pilot:
        form = await request_form(pilot)
        # Two dropdowns with a value (a prompt is pale: some themes lose it in 16 colours).
        for name in ("period", "requested_date"):
            select = control(form, name, Select)
            await until(pilot, lambda select=select: option_words(select), f"{name}'s options")
            await choose(pilot, name, option_words(select)[0])
        kinds = (
            ("period", "requested_date", Select),
            ("contact_name", "contact_email", Input),
        )
        for name in themes(app):
            app.theme = name
            await pilot.pause()
            for focused_field, other_field, kind in kinds:
                focused = control(app, focused_field, kind)
                other = control(app, other_field, kind)
                await focus(pilot, focused)
                what = f"{kind.__name__} in {name}"
                assert_inverted(focused, other, sixteen=True, what=what)
                assert_inverted(focused, other, sixteen=False, what=f"{what}, 256 colours")
                # The field's label is inverted with it: the row is marked from its start.
                label = app.screen.query_one(f"#field-{focused_field} .form-field--label")
                other_label = app.screen.query_one(f"#field-{other_field} .form-field--label")
                assert_inverted(label, other_label, sixteen=True, what=f"label, {what}")


async def test_focused_select_and_input_are_reversed_with_no_color(
    tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")  # Textual reads (and removes) it when the app is made
    app = make_demo_app(tmp_path, clock)
    assert app.no_color
    async with app.run_test(size=SIZE) as pilot:
        await request_form(pilot)
        for focused_field, other_field, kind in (
            ("requested_date", "period", Select),
            ("site_address", "contact_phone", Input),
        ):
            focused = control(app, focused_field, kind)
            other = control(app, other_field, kind)
            await focus(pilot, focused)
            assert_inverted(focused, other, sixteen=False, what=f"{kind.__name__}, NO_COLOR")
            # Reverse video itself, not only colours: shown even by a terminal with none.
            assert reversed_share(cells(focused)) == 1.0
            assert reversed_share(cells(other)) == 0.0
        # The open list of a dropdown: its highlighted option is inverted and underlined.
        select = control(app, "period", Select)
        await focus(pilot, select)
        await pilot.press("enter")
        overlay = select.query_one(SelectOverlay)
        await until(pilot, lambda: overlay.has_focus and overlay.highlighted is not None)
        await pilot.pause()
        width = overlay.region.width
        lines = [cells(overlay)[y * width : (y + 1) * width] for y in range(overlay.region.height)]
        printed = [line for line in lines if any(char.isalpha() for char, _ in line)]
        marked = [line for line in printed if any(style.underline for _, style in line)]
        assert len(marked) == 1, "one highlighted option, underlined"
        others = [line for line in printed if line is not marked[0]]
        assert all(contrast(marked[0]) * contrast(line) < 0 for line in others)


async def test_focused_button_is_reversed_with_no_color(
    tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot, *HEMET)
        app.push_screen(ConfirmScreen("Go ahead?"))
        await until(pilot, lambda: app.screen.query("#no"), "the question")
        no, yes = app.screen.query_one("#no", Button), app.screen.query_one("#yes", Button)
        await until(pilot, lambda: no.has_focus, "focus on No")
        await pilot.pause()
        label = [cell for cell in cells(no) if cell[0].isalpha()]  # its words, not its frame
        other = [cell for cell in cells(yes) if cell[0].isalpha()]
        assert reversed_share(label) == 1.0 and reversed_share(other) == 0.0


@pytest.mark.usefixtures("sixteen_colours")
async def test_focused_table_row_and_tab_are_inverted_in_16_colours(
    tmp_path: Path, clock: FixedClock
) -> None:
    """A table's cursor row is inverted while the table has the focus, in every theme."""
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=SIZE) as pilot:
        form = await request_form(pilot)
        # The form's list of inspections to request: a table with one row to show.
        await focus(pilot, control(form, "inspection_type", Select))
        table = form.screen.query_one("#request-list", DataTable)
        table.add_row("1", "x", "y", "z")
        await pilot.pause()
        for name in themes(app):
            app.theme = name
            await focus(pilot, table)
            lit = contrast(cells_of_row(table, table.cursor_row), sixteen=True)
            await focus(pilot, control(form, "notes", Input))
            unlit = contrast(cells_of_row(table, table.cursor_row), sixteen=True)
            assert lit * unlit < 0, f"table cursor row in {name}: {lit:+.2f} / {unlit:+.2f}"


def cells_of_row(table: DataTable[Any], row: int) -> list[tuple[str, Any]]:
    """The cells of the table's ``row`` (below its header), inside its border."""
    inner = table.content_region
    found = cells(table)
    width = table.region.width
    y = inner.y - table.region.y + table.header_height + row
    x0, x1 = inner.x - table.region.x, inner.right - table.region.x
    return found[y * width + x0 : y * width + x1]


async def test_focused_tabs_show_the_active_tab_reversed(
    tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot, *HEMET)
        app.push_screen(PermitScreen(PERMIT))
        await until(pilot, lambda: app.screen.query_one(Tabs).active_tab, "the permit's tabs")
        tabs = app.screen.query_one(Tabs)
        active = tabs.active_tab
        assert active is not None
        # The screen puts the focus in the tab's pane once it is shown; Shift+Tab goes up to
        # the tabs, Tab back down into the pane.
        await until(pilot, lambda: app.focused is not None and app.focused is not tabs, "pane")
        for _ in range(4):
            if tabs.has_focus:
                break
            await pilot.press("shift+tab")
        await until(pilot, lambda: tabs.has_focus, "focus on the tabs")
        await pilot.pause()
        assert reversed_share(cells(active)) == 1.0
        shown = "".join(char for char, _ in cells(tabs))
        assert "Permit Info" in shown and "Reviews" in shown  # no focus box hides the labels
        await pilot.press("tab")
        await until(pilot, lambda: not tabs.has_focus, "focus back in the pane")
        await pilot.pause()
        assert reversed_share(cells(active)) == 0.0

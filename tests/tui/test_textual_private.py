"""Textual's private API, as the portal uses it (src/etrakit_tui/tui/textual_private.py).

These tests fail loudly on a Textual upgrade that renames or changes what the portal relies on:
the names and signatures first, then what each does for the portal (a paged table's columns
keep the widths the portal gave them; a table's Enter shows its own label in the footer; the
permit's tabs follow only the tab keys, through the public ``prevent_default``)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from rich.text import Text
from textual._compositor import Compositor
from textual._xterm_parser import XTermParser
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingsMap
from textual.drivers.linux_driver import LinuxDriver
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, TabbedContent, TabPane

from etrakit_tui.domain.store.db import Database, FixedClock
from etrakit_tui.tui import textual_private
from etrakit_tui.tui.app import make_app
from etrakit_tui.tui.compositor import PortalCompositor
from etrakit_tui.tui.screens.permit import PermitTabs
from etrakit_tui.tui.textual_private import PresizedDataTable, bind_here
from tests.tui.conftest import make_demo_app, until
from tests.tui.forms_support import flat, open_menu, signed_in


def test_what_the_terminal_driver_relies_on_is_still_there() -> None:
    """tui/driver.py: Textual's input thread is ``run_input_thread`` (run by the driver's
    own wrapper), stopping input sets ``exit_event`` before waiting for the thread, and the
    key parser keeps the moment a lone Escape times out in ``_timeout_time``."""
    assert "self.run_input_thread()" in inspect.getsource(LinuxDriver._run_input_thread)
    stop = inspect.getsource(LinuxDriver.disable_input)
    assert stop.index("self.exit_event.set()") < stop.index("self._key_thread.join()")
    parser = XTermParser()
    assert parser._timeout_time is None  # nothing pending: the thread may sleep until woken
    assert list(parser.feed("\x1b")) == []  # Escape alone, or the start of a sequence?
    assert parser._timeout_time is not None
    parser._timeout_time = 0.0  # as if that moment had come
    assert [getattr(key, "key", None) for key in parser.tick()] == ["escape"]


def same_partial_updates(app: App[object]) -> tuple[int, int]:
    """Mark each widget of the current screen changed in turn; the update written to the
    terminal must be the one Textual's own compositor writes. How many widgets were marked,
    and for how many the portal's compositor rendered fewer widgets than Textual's."""
    compositor = app.screen._compositor
    assert type(compositor) is PortalCompositor
    changed = [w for w in app.screen.walk_children(Widget) if w in compositor.visible_widgets]
    fewer = 0
    for widget in changed:
        region, clip = compositor.visible_widgets[widget]
        area = region.intersection(clip)  # what Textual marks changed: the part shown
        written = []
        for kind in (PortalCompositor, Compositor):
            compositor.__class__ = kind
            compositor._dirty_regions = {area}
            update = compositor.render_update()
            assert update is not None
            written.append(update.render_segments(app.console))
        compositor.__class__ = PortalCompositor
        assert written[0] == written[1], widget
        ours = len(list(compositor._get_renders(area)))
        fewer += ours < len(list(Compositor._get_renders(compositor, area)))
    return len(changed), fewer


@pytest.mark.parametrize("rows", [24, 12])
async def test_partial_updates_write_what_textuals_own_would(rows: int) -> None:
    """tui/compositor.py, on the sign-in screen: with a change in any one widget, the update
    written to the terminal is the one Textual's own compositor writes, and fewer widgets
    are rendered for it (none that the change does not cover). At 12 rows the form is
    scrolled so that a widget is cut by its container at its top."""

    def opener() -> Database:
        raise AssertionError("the sign-in screen is drawn without the database")

    app = make_app(opener)
    async with app.run_test(size=(80, rows)) as pilot:
        await pilot.pause()
        form = app.screen.query_one("#login")
        form.scroll_to(y=5, animate=False)  # the name field is cut at its top
        await until(pilot, lambda: form.scroll_y == (5 if rows < 24 else 0), "the scroll")
        shown = app.screen._compositor.visible_widgets.values()
        cut = sum(not clip.contains_region(region) for region, clip in shown)
        assert (cut > 0) == (rows < 24)
        changed, fewer = same_partial_updates(app)
        assert changed > 10 and fewer > changed // 2


async def test_partial_updates_on_the_dashboard_and_a_popup(
    tmp_path: Path, clock: FixedClock
) -> None:
    """The same on the dashboard (its three tables) and on the menu popup drawn over it."""
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, "CITY OF HEMET", "hemetdemo1")
        await until(pilot, lambda: "Signed in as: CITY OF HEMET" in flat(pilot), "the dashboard")
        changed, fewer = same_partial_updates(app)
        assert changed > 5 and fewer > 0
        await open_menu(pilot, "f1", "MenuScreen")
        changed, _fewer = same_partial_updates(app)
        assert changed > 2


def test_the_private_names_are_still_there() -> None:
    update = getattr(DataTable, textual_private.UPDATE_DIMENSIONS)
    assert list(inspect.signature(update).parameters) == ["self", "new_rows"]
    # ... and the idle pass still calls it with the rows just added.
    assert "self._update_dimensions(new_rows)" in inspect.getsource(DataTable._on_idle)
    node = Widget()
    assert isinstance(getattr(node, textual_private.BINDINGS_MAP), BindingsMap)


class Table(PresizedDataTable[Text]):
    pass


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Table()


async def test_a_presized_table_keeps_the_widths_it_was_given() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(Table)
        table.add_column(Text("A"), key="a")
        table.add_row(Text("a long value that DataTable would measure"))
        column = table.columns[next(iter(table.columns))]
        column.content_width = 6  # what the portal measured (PagedTable cuts cells to fit)
        await pilot.pause()
        await pilot.pause()
        assert column.content_width == 6, "Textual measured the cells again"
        assert table.virtual_size.width == column.get_render_width(table)
        assert table.virtual_size.height == 2  # the header and one row


class BoundApp(App[None]):
    def compose(self) -> ComposeResult:
        first: DataTable[str] = DataTable(id="first")
        first.add_column("A")
        first.add_row("x")
        bind_here(first, Binding("enter", "select_cursor", "Open permit"))
        second: DataTable[str] = DataTable(id="second")
        yield first
        yield second


async def test_a_binding_for_one_instance_shows_its_label() -> None:
    app = BoundApp()
    async with app.run_test(size=(80, 20)) as pilot:
        app.query_one("#first").focus()
        await pilot.pause()
        active = app.screen.active_bindings
        assert active["enter"].binding.description == "Open permit"
        app.query_one("#second").focus()
        await pilot.pause()
        active = app.screen.active_bindings
        assert "enter" not in active or active["enter"].binding.description != "Open permit"


class TabsApp(App[None]):
    def compose(self) -> ComposeResult:
        with PermitTabs(id="tabs"):
            with TabPane("One", id="one"):
                yield Label("first")
            with TabPane("Two", id="two"):
                yield Input(id="hidden-input")


async def test_permit_tabs_ignore_focus_in_a_hidden_pane() -> None:
    """Textual's TabbedContent would switch to the pane a focus event comes from."""
    app = TabsApp()
    async with app.run_test(size=(80, 20)) as pilot:
        tabs = app.query_one(TabbedContent)
        assert tabs.active == "one"
        pane = app.query_one("#two", TabPane)
        pane.post_message(TabPane.Focused(pane))
        await pilot.pause()
        await pilot.pause()
        assert tabs.active == "one"

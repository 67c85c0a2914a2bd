"""The portal's uses of Textual's private API, in one place (written against textual 8.2).

Everything else in the TUI uses Textual's public API. What is left here has no public
equivalent; ``tests/tui/test_textual_private.py`` checks each name and what the portal relies
on it doing, so a Textual upgrade that changes one fails that test loudly (and the
``textual<8.3`` pin in pyproject.toml can be lifted once it passes on the new version).

Kept elsewhere, each with its own test: ``EtrakitApp._handle_exception`` (tui/app.py, the one
crash path; tests/tui/test_errors.py), the footer's keys (tui/widgets/footer.py) and the
terminal driver (tui/driver.py, kept out of this module so that the sign-in screen does not
import the DataTable: it overrides ``LinuxDriver.run_input_thread``, wakes the thread through
the driver's ``exit_event``, and reads ``XTermParser._timeout_time``; checked here and in
tests/e2e/test_terminal_input.py), and the screens' compositor (tui/compositor.py: it
overrides ``Compositor._get_renders`` and is set as a screen's ``_compositor``; its updates
are checked against Textual's own here).

* :class:`PresizedDataTable` — a DataTable whose subclass sizes its columns itself as rows
  arrive. Textual's ``DataTable._on_idle`` calls ``DataTable._update_dimensions(new_rows)``,
  which measures every new cell again (most of the cost of showing a page of a
  :class:`~etrakit_tui.tui.widgets.paged_table.PagedTable`); here it only sets the
  scrollable size from the columns' widths.
* :func:`bind_here` — a key binding for one widget instance (e.g. a table's Enter shown as
  "Open permit" in the footer): Textual has class-level ``BINDINGS`` only, so the binding is
  put into the instance's own ``_bindings`` map.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import CellType, RowKey

UPDATE_DIMENSIONS = "_update_dimensions"
"""``DataTable._update_dimensions(self, new_rows)``: called by ``DataTable._on_idle``."""
BINDINGS_MAP = "_bindings"
"""``DOMNode._bindings``: the node's :class:`~textual.binding.BindingsMap`."""


class PresizedDataTable(DataTable[CellType]):
    """A DataTable that does not measure its cells: whoever adds rows sizes the columns
    (``column.content_width``) itself, every row is one line and none has a label."""

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Textual's idle pass after rows were added: only the scrollable size is set."""
        self.settle_dimensions()

    def settle_dimensions(self) -> None:
        """Set the scrollable size from the columns' widths and the number of rows."""
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(width, self.row_count + header)


def bind_here(node: DOMNode, binding: Binding) -> None:
    """Bind ``binding.key`` on ``node`` only (replacing what its class binds to that key)."""
    bindings: BindingsMap = getattr(node, BINDINGS_MAP)
    bindings.key_to_bindings[binding.key] = [binding]

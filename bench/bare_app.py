"""The reference for start-up and memory: a bare Textual app (Header, Label, Footer).

Run as ``python bench/bare_app.py``; it shows :data:`READY` and quits on Ctrl+Q, like the
portal's sign-in screen."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Label

READY = "Bare Textual app ready"


class BareApp(App[None]):
    """Header, one label, footer."""

    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(READY)
        yield Footer()


if __name__ == "__main__":
    BareApp().run()

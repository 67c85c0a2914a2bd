"""Esc on a screen with unsaved input asks first (SPEC §2): "Discard ...?" — Y or Enter
gives the input up, N or Esc keeps it."""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import Screen
from textual.widgets import Button

from etrakit_tui.tui.screens.modal import ConfirmScreen


class DiscardScreen(ConfirmScreen):
    """The yes/no question, with the discard button focused: Enter discards."""

    def on_mount(self) -> None:
        # after the base class's handler (Textual runs both), which focuses "No"
        self.call_after_refresh(self.query_one("#yes", Button).focus)


def ask_discard(screen: Screen[object], question: str, *, then: Callable[[], None]) -> None:
    """Ask ``question``; run ``then`` only if the user gives the input up."""

    def answered(yes: bool | None) -> None:
        if yes:
            then()

    screen.app.push_screen(DiscardScreen(question, yes="Discard"), answered)

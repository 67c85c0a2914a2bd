"""One base for the portal's popups (screens/modal.py) and styles in .tcss files (issue 13
item 7): every popup is a PortalModal — framed, titled, closed by Esc without changing
anything — and no screen carries inline CSS (only the reusable widgets of tui/widgets)."""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import Static

from etrakit_tui.domain.store.db import FixedClock
from etrakit_tui.tui.screens.fees import FeesScreen
from etrakit_tui.tui.screens.modal import ConfirmScreen, PortalModal
from etrakit_tui.tui.styles import STYLESHEETS
from tests.tui.conftest import make_demo_app, until
from tests.tui.forms_support import signed_in

TUI = Path(__file__).resolve().parents[2] / "src" / "etrakit_tui" / "tui"


def test_every_popup_is_a_portal_modal_and_no_screen_has_inline_css() -> None:
    popups, inline = [], []
    for path in sorted((TUI / "screens").glob("*.py")):
        text = path.read_text()
        if path.name != "modal.py" and re.search(r"\(ModalScreen\[", text):
            popups.append(path.name)
        if re.search(r"^\s+(DEFAULT_CSS|CSS) = ", text, re.M):
            inline.append(path.name)
    assert popups == [], f"popups not on PortalModal: {popups}"
    assert inline == [], f"inline CSS (belongs in tui/styles/*.tcss): {inline}"
    for sheet in STYLESHEETS:
        assert Path(sheet).is_file(), sheet


async def test_a_popup_is_framed_titled_and_closed_by_escape(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, "CITY OF HEMET", "hemetdemo1")
        under = app.screen
        fees = FeesScreen("A1806-065")
        app.push_screen(fees)
        await until(pilot, lambda: app.screen is fees and fees.query(".dialog"), "the fees")
        frame = fees.query_one(".dialog")
        assert isinstance(fees, PortalModal)
        assert frame.styles.border_top[0] == "heavy"  # the one frame of modals.tcss
        assert "Fees" in str(fees.query_one(".title", Static).render())
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is under, "the fees to close")

        answers: list[bool | None] = []
        app.push_screen(ConfirmScreen("Go ahead?"), answers.append)
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("escape")
        await until(pilot, lambda: answers == [False], "Esc to answer no")
        assert app.screen is under

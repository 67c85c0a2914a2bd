"""The command palette finds every menu screen and jumps to the company's own permits by
number — never another company's — and offers no screenshot (it would write on the server)."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette

from etrakit_tui.domain.store.db import FixedClock
from tests.tui.conftest import (
    make_demo_app,
    palette_choose,
    palette_prompts,
    palette_searched,
    sign_in,
    type_text,
    until,
)


async def test_palette_opens_own_permit_and_screens(tmp_path: Path, clock: FixedClock) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "CITY OF HEMET", "hemetdemo1")
        home = app.screen

        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await type_text(pilot, "screenshot")
        await until(pilot, lambda: palette_searched(app, "screenshot"), "the search to end")
        assert not any("screenshot" in p.lower() for p in palette_prompts(app))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is home, "the dashboard")

        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await type_text(pilot, "A1806")
        await until(
            pilot,
            lambda: (
                palette_searched(app, "A1806")
                and any("Permit #A1806-065" in p for p in palette_prompts(app))
            ),
            "the permit in the palette",
        )
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "PermitScreen", "permit")
        assert app.screen.number == "A1806-065"  # type: ignore[attr-defined]

        await palette_choose(pilot, "contact us", "Contact us")
        await until(pilot, lambda: type(app.screen).__name__ == "ContactScreen", "contact")


async def test_palette_never_offers_another_companys_permit(
    tmp_path: Path, clock: FixedClock
) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "ACME ELECTRIC INC", "acmedemo22")
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await type_text(pilot, "A1806")
        await until(pilot, lambda: palette_searched(app, "A1806"), "the search to end")
        assert not any("A1806-065" in p for p in palette_prompts(app))

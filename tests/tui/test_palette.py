"""The command palette finds every menu screen and jumps to the company's own permits by
number — never another company's — and offers no screenshot (it would write on the server)."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette

from etrakit_tui.domain.db import FixedClock
from tests.tui.conftest import make_demo_app, sign_in, type_text, until


def _palette_prompts(app: object) -> list[str]:
    from textual.widgets import OptionList

    palette = app.screen  # type: ignore[attr-defined]
    options = palette.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_palette_opens_own_permit_and_screens(tmp_path: Path, clock: FixedClock) -> None:
    app = make_demo_app(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "CITY OF HEMET", "hemetdemo1")
        home = app.screen

        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await type_text(pilot, "screenshot")
        await pilot.pause(0.5)
        assert not any("screenshot" in p.lower() for p in _palette_prompts(app))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is home, "the dashboard")

        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await type_text(pilot, "A1806")
        await until(
            pilot,
            lambda: any("Permit #A1806-065" in p for p in _palette_prompts(app)),
            "the permit in the palette",
        )
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "PermitScreen", "permit")
        assert app.screen.number == "A1806-065"  # type: ignore[attr-defined]

        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await type_text(pilot, "contact us")
        await until(
            pilot,
            lambda: any("Contact us" in p for p in _palette_prompts(app)),
            "Contact us in the palette",
        )
        index = next(i for i, p in enumerate(_palette_prompts(app)) if "Contact us" in p)
        await pilot.press(*["down"] * (index + 1), "enter")
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
        await pilot.pause(1.0)
        assert not any("A1806-065" in p for p in _palette_prompts(app))

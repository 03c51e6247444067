"""The console shows a list row's menu as numbered choices, and a choice does what it says."""

from __future__ import annotations

from tests.demo import answer, demo


async def test_a_rows_menu_choices_are_buttons_in_the_console():
    async with demo() as console:
        listed = await answer(console, "/sentry unassigned web")
        menu = next(line for line in listed if "Open card" in line)
        assert menu.strip().startswith("[1] Open card  [2] Resolve  [3] Archive until escalating  [4] Assign to me")
        card = await answer(console, "click 1")
        assert any(line.startswith("  Status: Unresolved") for line in card), card
        await answer(console, "/sentry unassigned web")
        taken = await answer(console, "click 4")
        assert any("assigned to" in line for line in taken), taken

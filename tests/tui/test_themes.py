"""A dark and a light theme ship in themes/; --theme and the palette switch them; the choice is saved."""

from __future__ import annotations

import tomllib

import pytest

from nixswarm.errors import NixswarmError
from nixswarm.store import paths
from nixswarm.store.settings_file import load_settings
from nixswarm.tui.themes_files import DARK, LIGHT, STYLESHEET, THEMES_DIR, load_themes
from tests.tui.pilot import notices, run_command, settle
from tests.tui.recorded import Fakes, write_config


def test_themes_holds_the_stylesheet_and_a_dark_and_a_light_theme() -> None:
    themes = {t.name: t for t in load_themes()}
    assert themes[DARK].dark and not themes[LIGHT].dark
    assert STYLESHEET.is_file()
    for path in THEMES_DIR.glob("*.toml"):
        assert tomllib.loads(path.read_text())["name"] == path.stem  # one file per theme, named after it


async def test_the_saved_theme_is_used_at_start(isolated_home: object) -> None:
    write_config(theme=LIGHT)
    app = Fakes().app()
    async with app.run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        assert app.theme == LIGHT


async def test_theme_option_applies_to_this_run_and_is_not_saved(fakes: Fakes) -> None:
    app = fakes.app(theme=LIGHT)
    async with app.run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        assert app.theme == LIGHT
    assert load_settings(paths.config_file()).defaults.theme == DARK


async def test_a_theme_picked_in_the_palette_is_saved_for_the_next_start(fakes: Fakes) -> None:
    app = fakes.app()
    async with app.run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        await run_command(pilot, "Theme: light")
        assert app.theme == LIGHT
    assert load_settings(paths.config_file()).defaults.theme == LIGHT
    again = Fakes().app()
    async with again.run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        assert again.theme == LIGHT


def test_an_unknown_theme_option_is_a_usage_error_naming_the_closest_theme(fakes: Fakes) -> None:
    with pytest.raises(NixswarmError, match="did you mean 'nixswarm-light'"):
        fakes.app(theme="nixswarm-lite")


async def test_an_unknown_saved_theme_falls_back_to_dark_and_says_so(isolated_home: object) -> None:
    write_config(theme="gone-theme")
    app = Fakes().app()
    async with app.run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        assert app.theme == DARK
        assert notices(app)[0] == ("Unknown theme", f"no theme named 'gone-theme'; using {DARK}")
    assert load_settings(paths.config_file()).defaults.theme == "gone-theme"  # not rewritten behind the user's back

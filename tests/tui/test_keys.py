"""Every key of the host screen, driven by a Pilot against the recorded inventory."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.binding import Binding
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from nixswarm.build.prepare import BuildRequest
from nixswarm.build.reach import RECENT
from nixswarm.files.selection import Selected, machine_entry
from nixswarm.model import Choice, NixVersion
from nixswarm.model.validate import LOCAL
from nixswarm.nix.machines_render import render_entry
from nixswarm.store import paths
from nixswarm.store.settings import Defaults, HostEntry, Overrides
from nixswarm.store.settings_file import load_settings
from nixswarm.store.state import load_state
from nixswarm.tui import NixswarmApp
from nixswarm.tui.actions import ACTIONS
from nixswarm.tui.screens.build import BuildScreen
from nixswarm.tui.screens.details import DetailsScreen
from nixswarm.tui.screens.edit import EditScreen
from nixswarm.tui.screens.help import HelpScreen
from nixswarm.tui.screens.hosts import HostsScreen
from nixswarm.tui.screens.installable import InstallableScreen
from nixswarm.tui.screens.trust import TrustScreen
from nixswarm.tui.screens.write import WriteScreen
from nixswarm.tui.widgets.key_bar import KeyBar
from tests.tui.pilot import cell, notices, rows, run_command, select, settle
from tests.tui.recorded import ALPHA, KEY_ALPHA, KEY_BRAVO, KEY_CHARLIE_NEW, KEY_CHARLIE_OLD, Fakes


def saved_choice(name: str) -> Choice | None:
    entry = load_settings(paths.config_file()).host(name)
    return entry.choice if entry else None


def static_text(widget: Static) -> str:
    content = widget.render()
    return content.plain if isinstance(content, Text) else str(content)


@pytest.fixture
def overrides() -> Overrides | None:
    """What the command line gave the TUI: nothing (a test parametrizes it to give something)."""
    return None


@pytest.fixture
def app(fakes: Fakes, overrides: Overrides | None) -> NixswarmApp:
    """The app over the recorded inventory."""
    return fakes.app(overrides=overrides)


@pytest.fixture
async def pilot(app: NixswarmApp) -> AsyncIterator[Pilot[None]]:
    """The app running in a 150x40 terminal, its first scan done."""
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        yield pilot


async def test_space_uses_a_host_and_saves_it_to_the_config(app: NixswarmApp, pilot: Pilot[None]) -> None:
    await select(pilot, "delta")
    await pilot.press("space")
    assert saved_choice("delta") == Choice(enabled=True, max_jobs=2)
    assert cell(app, "delta", "use") == "●"
    await pilot.press("space")
    assert saved_choice("delta") == Choice(enabled=False, max_jobs=2)


async def test_space_on_a_discovered_host_adds_it_to_the_config_as_used(pilot: Pilot[None]) -> None:
    assert saved_choice("bravo") is None
    await select(pilot, "bravo")
    await pilot.press("space")
    assert saved_choice("bravo") == Choice(enabled=True, max_jobs=2)
    assert load_settings(paths.config_file()).host("bravo").host.addresses == ("10.0.0.12",)  # type: ignore[union-attr]


async def test_space_on_the_local_machine_changes_nothing_and_says_what_does(
    app: NixswarmApp, pilot: Pilot[None]
) -> None:
    before = paths.config_file().read_text()
    await select(pilot, LOCAL)
    await pilot.press("space")
    assert paths.config_file().read_text() == before
    assert notices(app)[-1][0] == "Local machine"


async def test_enter_shows_every_fact_and_the_exact_machines_line(app: NixswarmApp, pilot: Pilot[None]) -> None:
    await select(pilot, "alpha")
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, DetailsScreen)
    line = static_text(app.screen.query_one("#machines-line", Static))
    assert line == f"ssh-ng://nixswarm-alpha - - 8 2 - - {KEY_ALPHA.column8}"
    entry = HostEntry(ALPHA, Choice(max_jobs=8, speed_factor=2.0))
    assert line == render_entry(machine_entry(Selected(entry, KEY_ALPHA), Defaults()), NixVersion(2, 18, 1))
    facts = dict(app.screen.facts)
    assert facts["nix"] == "2.18.1"
    assert facts["presented key"] == KEY_ALPHA.fingerprint
    assert facts["memory"] == "40.0 GiB free of 64.0 GiB"
    await pilot.press("escape")
    await select(pilot, "delta")
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, DetailsScreen)
    assert dict(app.screen.facts)["error"] == "delta (10.0.0.14:22): no answer within 3 s"
    assert app.screen.line is not None
    assert app.screen.line.note.startswith("not written while the host is not used")


async def test_t_on_a_new_key_approves_it_with_one_key_and_writes_the_state(
    app: NixswarmApp, pilot: Pilot[None], fakes: Fakes
) -> None:
    await select(pilot, "bravo")
    await pilot.press("t")
    await settle(pilot)
    assert isinstance(app.screen, TrustScreen)
    assert KEY_BRAVO.fingerprint in static_text(app.screen.query_one("#explain", Static))
    await pilot.press("y")
    await settle(pilot)
    assert load_state(paths.state_file()).approved_key("bravo") == KEY_BRAVO
    assert saved_choice("bravo") == Choice(enabled=True, max_jobs=2)  # trusting adds it, like `hosts trust`
    assert cell(app, "bravo", "trust").startswith("✓ ")
    assert fakes.prober.calls[-1] == (["bravo"], True, True)  # probed again with the new key


async def test_t_on_a_changed_key_needs_the_typed_host_name_not_one_key(app: NixswarmApp, pilot: Pilot[None]) -> None:
    await select(pilot, "charlie")
    await pilot.press("t")
    await settle(pilot)
    assert isinstance(app.screen, TrustScreen)
    text = static_text(app.screen.query_one("#explain", Static))
    assert "HOST KEY CHANGED" in text
    assert KEY_CHARLIE_OLD.fingerprint in text
    assert KEY_CHARLIE_NEW.fingerprint in text
    await pilot.press("y", "enter")
    assert isinstance(app.screen, TrustScreen)
    assert app.screen.query_one("#approve", Button).disabled
    app.screen.action_approve()  # the action itself refuses too
    await pilot.pause()
    assert isinstance(app.screen, TrustScreen)
    assert load_state(paths.state_file()).approved_key("charlie") == KEY_CHARLIE_OLD
    app.screen.query_one("#confirm", Input).value = ""
    await pilot.press(*"charlie")
    assert not app.screen.query_one("#approve", Button).disabled
    await pilot.press("enter")
    await settle(pilot)
    assert load_state(paths.state_file()).approved_key("charlie") == KEY_CHARLIE_NEW
    assert cell(app, "charlie", "trust").startswith("✓ ")


async def test_t_when_the_host_does_not_answer_shows_a_notice_with_the_reason(
    app: NixswarmApp, pilot: Pilot[None]
) -> None:
    await select(pilot, "delta")
    await pilot.press("t")
    await settle(pilot)
    assert not isinstance(app.screen, TrustScreen)
    assert ("Connection failed", "10.0.0.14:22: connection refused (is sshd running?)") in notices(app)


async def test_plus_and_minus_set_the_local_weight_and_save_it(app: NixswarmApp, pilot: Pilot[None]) -> None:
    await pilot.press("plus")
    assert load_settings(paths.config_file()).defaults.local_weight == 0.6
    assert cell(app, LOCAL, "use") == "60%"
    await pilot.press("minus", "minus", "minus")
    assert load_settings(paths.config_file()).defaults.local_weight == 0.3
    await app.screen.run_action("weight_auto")
    assert load_settings(paths.config_file()).defaults.local_weight is None
    assert cell(app, LOCAL, "use") == "auto"


async def test_e_edits_max_jobs_and_speed_factor_and_refuses_invalid_values(
    app: NixswarmApp, pilot: Pilot[None]
) -> None:
    await select(pilot, "alpha")
    await pilot.press("e")
    await pilot.pause()
    assert isinstance(app.screen, EditScreen)
    jobs = app.screen.query_one("#max-jobs", Input)
    jobs.value = "0"
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, EditScreen)
    assert "max jobs" in str(app.screen.query_one("#problem").render())
    jobs.value = "6"
    app.screen.query_one("#speed-factor", Input).value = "1.5"
    await pilot.press("enter")
    await pilot.pause()
    assert not isinstance(app.screen, EditScreen)
    assert saved_choice("alpha") == Choice(enabled=True, max_jobs=6, speed_factor=1.5)
    assert (cell(app, "alpha", "jobs"), cell(app, "alpha", "speed")) == ("6", "1.5")


async def test_slash_filters_the_table_and_escape_shows_every_host_again(app: NixswarmApp, pilot: Pilot[None]) -> None:
    await pilot.press("slash", *"timeout")
    assert rows(app) == ["delta"]
    await pilot.press("enter")  # back to the table, the filter stays
    assert rows(app) == ["delta"]
    await pilot.press("escape")
    assert rows(app) == [LOCAL, "alpha", "charlie", "delta", "bravo"]


async def test_r_scans_again(app: NixswarmApp, pilot: Pilot[None], fakes: Fakes) -> None:
    await pilot.press("r")
    await settle(pilot)
    assert len(fakes.scanner.calls) == 2
    assert cell(app, "alpha", "status") == "ok"


async def test_w_shows_the_paths_and_a_diff_and_writes_only_when_confirmed(
    app: NixswarmApp, pilot: Pilot[None], isolated_home: Path
) -> None:
    await pilot.press("w")
    await settle(pilot)
    assert isinstance(app.screen, WriteScreen)
    text = static_text(app.screen.query_one("#diff Static", Static))
    assert str(paths.machines_file()) in text
    assert f"+ssh-ng://nixswarm-alpha - - 8 2 - - {KEY_ALPHA.column8}" in text
    assert "left out delta: disabled" in text
    assert "left out charlie" not in text  # approved and used: it is written, with the approved key
    await pilot.press("n")
    await pilot.pause()
    assert not paths.machines_file().exists()
    await pilot.press("w")
    await settle(pilot)
    await pilot.press("y")
    await settle(pilot)
    machines = paths.machines_file().read_text()
    assert f"ssh-ng://nixswarm-alpha - - 8 2 - - {KEY_ALPHA.column8}" in machines
    assert f"Include {paths.ssh_config_file()}" in (isolated_home / ".ssh" / "config").read_text()
    assert notices(app)[-1][0] == "Written"


async def test_b_asks_for_an_installable_then_opens_the_build_screen(
    app: NixswarmApp, pilot: Pilot[None], fakes: Fakes
) -> None:
    await pilot.press("plus")
    await pilot.press("b")
    await pilot.pause()
    assert isinstance(app.screen, InstallableScreen)
    await pilot.press(*'.#hello -L --argstr salt "a b"', "enter")
    await settle(pilot)
    assert isinstance(app.screen, BuildScreen)
    assert fakes.builder is not None
    request = fakes.builder.requests[0]
    assert request.nix_args == (".#hello", "-L", "--argstr", "salt", "a b")
    assert request.local_weight == "0.6"


async def build_hello(pilot: Pilot[None], fakes: Fakes) -> BuildRequest:
    """b, .#hello, enter: the request the build got."""
    await pilot.press("b")
    await pilot.pause()
    await pilot.press(*".#hello", "enter")
    await settle(pilot)
    assert fakes.builder is not None
    return fakes.builder.requests[0]


async def test_a_build_started_just_after_the_scan_skips_the_check_of_hosts_whose_ssh_just_failed(
    pilot: Pilot[None], fakes: Fakes
) -> None:
    recent = (await build_hello(pilot, fakes)).recent_probes
    assert sorted(recent) == ["charlie", "delta"]  # a changed key still unapproved, no answer; not alpha or bravo
    assert all(0 <= time.monotonic() - v.at < RECENT for v in recent.values())


def key_table(screen: Screen[Any]) -> dict[str, str]:
    """The help screen's rows as shown, key to what it does."""
    lines = [line.text.strip() for s in screen.query(Static) for line in map(s.render_line, range(s.size.height))]
    rows = [re.split(r"\s{2,}", line, maxsplit=1) for line in lines]
    return {row[0]: row[1] for row in rows if len(row) == 2}


async def test_question_mark_lists_every_key(app: NixswarmApp, pilot: Pilot[None]) -> None:
    bound = {
        binding.key_display or binding.key: binding.action for binding in Binding.make_bindings(HostsScreen.BINDINGS)
    }
    await pilot.press("question_mark")
    await pilot.pause()
    assert isinstance(app.screen, HelpScreen)
    table = key_table(app.screen)
    helps = {action.name: action.help for action in ACTIONS}
    for key, action in bound.items():
        assert key in table, f"{key} ({action}) is bound but not in the help"
        assert table[key] == helps.get(action, table[key])
    assert set(table) == {*bound, "ctrl+p"}
    assert table["escape"] == "Clear the filter; close a dialog"
    assert table["ctrl+p"].startswith("Command palette")
    await pilot.press("escape")
    assert not isinstance(app.screen, HelpScreen)


async def test_q_quits(app: NixswarmApp, pilot: Pilot[None]) -> None:
    await pilot.press("q")
    await pilot.pause()
    assert app.return_code == 0


async def test_the_command_palette_offers_the_same_actions(pilot: Pilot[None], fakes: Fakes) -> None:
    await run_command(pilot, "Rescan")
    assert len(fakes.scanner.calls) == 2
    await select(pilot, "delta")
    await run_command(pilot, "Use")
    assert saved_choice("delta") == Choice(enabled=True, max_jobs=2)


async def test_the_key_bar_names_every_shown_key_and_a_click_on_one_presses_it(
    app: NixswarmApp, pilot: Pilot[None]
) -> None:
    bar = app.screen.query_one(KeyBar)
    shown = bar.render().plain
    for action in ACTIONS:
        if action.key is not None and action.footer:
            display = "⏎" if action.key == "enter" else action.shown
            assert f" {display} {action.title} " in shown
    assert shown.endswith(" ^p palette ")
    help_at = shown.index(" ? Help ")
    assert await pilot.click(KeyBar, offset=(help_at + 1, 0))
    await pilot.pause()
    assert isinstance(app.screen, HelpScreen)


async def test_b_takes_this_builds_own_options_and_refuses_the_commands_ones(
    app: NixswarmApp, pilot: Pilot[None], fakes: Fakes
) -> None:
    await pilot.press("b")
    await pilot.pause()
    await pilot.press(*".#hello --user root", "enter")
    await pilot.pause()
    assert isinstance(app.screen, InstallableScreen)
    problem = static_text(app.screen.query_one("#problem", Static))
    assert problem.startswith("--user is an option of the nixswarm command")
    assert fakes.builder is None or not fakes.builder.requests
    await pilot.press(*["backspace"] * len(" --user root"))
    await pilot.press(*" --exclude bravo --no-local --json-summary out.json -L", "enter")
    await settle(pilot)
    assert isinstance(app.screen, BuildScreen)
    assert fakes.builder is not None
    request = fakes.builder.requests[0]
    assert request.nix_args == (".#hello", "-L")
    assert (request.exclude, request.local_weight, request.json_summary) == (("bravo",), "0", "out.json")
    await pilot.press("escape")
    await settle(pilot)
    await pilot.press("b")
    await pilot.pause()
    prompt = app.screen.query_one("#installable", Input)
    assert prompt.value == ".#hello --exclude bravo --no-local --json-summary out.json -L"


@pytest.mark.parametrize("overrides", [Overrides(timeout=7.0)])
async def test_a_timeout_given_to_the_tui_gives_each_host_that_long_in_the_builds_check(
    pilot: Pilot[None], fakes: Fakes
) -> None:
    assert (await build_hello(pilot, fakes)).check_timeout == 7.0

"""Bare `nixswarm` opens the TUI with the discovery options and --theme; overrides are never saved."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixswarm.cli.main import main
from nixswarm.store import paths
from nixswarm.tui import NixswarmApp
from tests.tui.recorded import write_config


def test_bare_nixswarm_runs_the_tui_with_the_discovery_options(
    monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    write_config()
    before = paths.config_file().read_text()
    ran: list[NixswarmApp] = []
    monkeypatch.setattr(NixswarmApp, "run", lambda self, **_: ran.append(self))
    argv = [
        "--no-mdns",
        "--interface",
        "10.0.0.1",
        "--user",
        "bob",
        "--identity",
        "key",
        "--timeout",
        "5",
        "--theme",
        "nixswarm-light",
    ]
    assert main(argv) == 0
    ctx = ran[0].ctx
    assert (ctx.options.mdns, ctx.options.interfaces) == (False, ("10.0.0.1",))
    defaults = ctx.config.settings.defaults
    assert (defaults.user, defaults.identity, defaults.timeout) == ("bob", str(Path("key").absolute()), 5.0)
    assert ran[0].start_theme == "nixswarm-light"
    assert ctx.config.saved.defaults.user is None
    assert paths.config_file().read_text() == before


def test_an_unknown_theme_exits_2_with_the_reason_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--theme", "nope"]) == 2
    assert "Unknown theme: no theme named 'nope'" in capsys.readouterr().err


def test_a_config_flag_points_the_tui_at_another_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text('[defaults]\ntheme = "nixswarm-light"\n')
    ran: list[NixswarmApp] = []
    monkeypatch.setattr(NixswarmApp, "run", lambda self, **_: ran.append(self))
    assert main(["--config", str(other)]) == 0
    assert ran[0].ctx.config.path == other
    assert ran[0].start_theme == "nixswarm-light"

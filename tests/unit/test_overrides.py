"""Command-line overrides and write targets: applied one way for the CLI and the TUI."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixswarm.cli import context
from nixswarm.cli.main import build_parser
from nixswarm.errors import ConfigError
from nixswarm.files.writer import user_targets
from nixswarm.store import paths
from nixswarm.store.settings import Defaults, Overrides


def test_overrides_replace_only_what_the_command_line_set() -> None:
    saved = Defaults(user="anna", identity="/home/anna/.ssh/id", timeout=3.0, local_weight=0.5)
    assert saved.with_overrides(Overrides()) == saved
    assert saved.with_overrides(Overrides(timeout=9.0)) == Defaults(
        user="anna", identity="/home/anna/.ssh/id", timeout=9.0, local_weight=0.5
    )
    assert saved.with_overrides(Overrides(user="root", identity="/root/k")).user == "root"


def test_an_invalid_override_is_a_config_error_naming_the_command_line() -> None:
    with pytest.raises(ConfigError, match=r"^command line: invalid defaults\.timeout 0\.0"):
        Defaults().with_overrides(Overrides(timeout=0.0))


def test_the_command_line_gives_an_absolute_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["--identity", "id_b1", "--timeout", "5", "hosts", "list"])
    assert context.overrides(args) == Overrides(identity=str(tmp_path / "id_b1"), timeout=5.0)
    assert context.settings_for(args).defaults == Defaults(identity=str(tmp_path / "id_b1"), timeout=5.0)


def test_the_write_targets_default_to_the_xdg_files_with_known_hosts_next_to_the_ssh_config(tmp_path: Path) -> None:
    targets = user_targets()
    assert (targets.machines, targets.ssh_config) == (paths.machines_file(), paths.ssh_config_file())
    assert targets.known_hosts == paths.config_dir() / "known_hosts"
    assert targets.control_dir == paths.control_dir() and not targets.shared
    given = user_targets(machines=tmp_path / "m", ssh_config=tmp_path / "ssh" / "c")
    assert (given.machines, given.known_hosts) == (tmp_path / "m", tmp_path / "ssh" / "known_hosts")

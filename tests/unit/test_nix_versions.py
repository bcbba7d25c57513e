"""What nixswarm writes and reads differs where Nix 2.8, 2.15, 2.26 and 2.34 differ (read in Nix's source)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixswarm.build.command import nix_env
from nixswarm.build.log_events import Message
from nixswarm.build.nix_setup import NixSetup, require_trusted
from nixswarm.build.progress import Progress
from nixswarm.build.workdir import OPEN_MASTER, BuildDir, render_ssh_files
from nixswarm.errors import ConfigError, ConnectionFailure, ValidationError
from nixswarm.files.selection import Selected
from nixswarm.files.writer import Targets, render_all
from nixswarm.model.host import Host
from nixswarm.model.nixversion import NixVersion
from nixswarm.nix.local_settings import LocalNixSettings
from nixswarm.store.atomic import atomic_write
from nixswarm.store.settings import Defaults, HostEntry, Settings
from nixswarm.store.settings_file import load_settings, save_settings
from tests.unit.hostile import KEY
from tests.unit.ssh_g import ssh_g

NIX_2_8, NIX_2_15, NIX_2_16, NIX_2_26, NIX_2_34 = (
    NixVersion(2, 8),
    NixVersion(2, 15),
    NixVersion(2, 16),
    NixVersion(2, 26, 3),
    NixVersion(2, 34, 8),
)
B1 = Selected(HostEntry(Host("b1", ("10.0.0.2",), port=2222, user="nix")), KEY)


def _write_config(tmp_path: Path, nix: NixVersion, persist: int = 60) -> Path:
    targets = Targets(tmp_path / "machines", tmp_path / "ssh_config", tmp_path / "known_hosts", tmp_path / "cm")
    rendered = render_all([B1], Defaults(control_persist=persist), nix, targets)
    atomic_write(targets.ssh_config, rendered.ssh_config)
    return targets.ssh_config


def test_the_written_ssh_config_shares_connections_only_for_a_nix_that_does_not_wait_for_started(
    tmp_path: Path,
) -> None:
    old = ssh_g(_write_config(tmp_path, NIX_2_8, persist=5), "nixswarm-b1")
    assert (old["controlmaster"], old["controlpersist"]) == ("auto", "5")
    assert old["controlpath"].startswith(str(tmp_path / "cm") + "/")
    for nix in (NIX_2_15, NIX_2_16, NIX_2_26, NIX_2_34):  # nothing would manage its masters: they open and expire
        new = ssh_g(_write_config(tmp_path, nix), "nixswarm-b1")
        assert new["controlmaster"] == "false", nix
        assert "controlpath" not in new or new["controlpath"] == "none", nix


def test_a_builds_ssh_config_lets_ssh_only_join_the_masters_nixswarm_opens_and_keeps_them_until_it_ends(
    tmp_path: Path,
) -> None:
    where = BuildDir(tmp_path)
    ssh_config, _ = render_ssh_files([B1], Defaults(control_persist=2), where)
    (tmp_path / "ssh_config").write_text(ssh_config)
    joined = ssh_g(tmp_path / "ssh_config", "nixswarm-b1")
    assert joined["controlmaster"] == "false"  # Nix's ssh never opens one of its own
    assert joined["controlpath"].startswith(str(where.control_dir) + "/")
    assert joined["controlpersist"] == "yes"  # however long a host idles; remove_build_dir closes them
    assert OPEN_MASTER == ("-o", "ControlMaster=auto")  # what the check before the build adds to open them


def test_nix_2_15_which_waits_for_started_even_through_a_master_gets_none() -> None:
    assert NIX_2_15.ssh_hangs_on_masters
    assert not any(v.ssh_hangs_on_masters for v in (NIX_2_8, NIX_2_16, NIX_2_26, NIX_2_34))
    where = BuildDir(Path("/run/user/1000/nixswarm-build-x"))
    without = nix_env({"NIX_SSHOPTS": "-v"}, where, daemon=False, use_masters=False)["NIX_SSHOPTS"]
    assert without == f"-v -F {where.ssh_config} -o ControlPath=none"
    assert nix_env({}, where, daemon=False)["NIX_SSHOPTS"] == f"-F {where.ssh_config}"


@pytest.mark.parametrize(
    ("nix", "says"),
    [
        (NIX_2_8, "silently ignore --builders and build everything locally (Nix 2.8.0 says so only at -vvvv)"),
        (NixVersion(2, 21), "(Nix 2.21.0 says so only at -vvvv)"),
        (
            NIX_2_26,
            "ignore --builders and build everything locally (Nix 2.26.3 only warns that it ignores the setting)",
        ),
        (NIX_2_34, "(Nix 2.34.8 only warns that it ignores the setting)"),
    ],
)
def test_the_untrusted_user_error_says_what_that_nix_tells(nix: NixVersion, says: str) -> None:
    settings = LocalNixSettings(nix, "x86_64-linux", (), "auto", ("root",), (), 1)
    with pytest.raises(ConnectionFailure) as caught:
        require_trusted(NixSetup(settings, True, False, "alice"))
    assert says in caught.value.message


NO_BUILDER = {
    "2.8": "error: unable to start any build; remote machines may not have all required system features.",
    "2.26": "error:\n                           Unable to start any build;\n                           remote machines "
    "may not have all required system features.\n\n                           For more information run 'man "
    "nix.conf' and search for '/machines'.",
    "2.34": "error: Cannot build '/nix/store/ipi1rjffhq0vz29bscq5campbvk2fm4x-x-17022.drv'.\n       Reason: local "
    "builds are disabled (max-jobs = 0)\n       Hint: set 'max-jobs' to a non-zero value to enable local builds, "
    "or configure remote builders via 'builders'",
}
"""Nix's last words when no machine takes a derivation under --max-jobs 0, as internal-json carries them."""


@pytest.mark.parametrize("series", sorted(NO_BUILDER))
def test_nixs_no_builder_error_of_each_version_is_one_line_and_blames_the_missing_builder(series: str) -> None:
    progress = Progress()
    progress.feed(Message(0, NO_BUILDER[series]))
    assert progress.blames_missing_builder
    expected = {
        "2.8": "unable to start any build; remote machines may not have all required system features.",
        "2.26": "Unable to start any build; remote machines may not have all required system features.",
        "2.34": "Cannot build 'x-17022': local builds are disabled (max-jobs = 0)",
    }
    assert progress.errors == (expected[series],)


def test_control_persist_is_a_whole_number_of_seconds_kept_in_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    save_settings(path, Settings(Defaults(control_persist=7)))
    assert load_settings(path).defaults.control_persist == 7
    for bad in (0, 3601, 1.5, True):
        with pytest.raises(ValidationError, match=r"defaults\.control_persist"):
            Defaults(control_persist=bad)  # type: ignore[arg-type]
    path.write_text('[defaults]\ncontrol_persist = "60"\n')
    with pytest.raises(ConfigError, match="control_persist must be int"):
        load_settings(path)

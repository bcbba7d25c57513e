"""NIXSWARM_HOOK_POLICY, and the launcher and option that install the proxy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nixswarm.hook.config import ConfigError, default_real_hook, parse_config, real_hook_from
from nixswarm.hook.install import (
    build_hook_options,
    decline_to_wait,
    launcher_text,
    policy_json,
    real_hook_of,
    write_launcher,
)
from nixswarm.hook.realhook import hook_argv
from nixswarm.model import NIX_2_8, NixVersion

REAL = ["/usr/bin/nix", "__build-remote"]


def test_a_full_policy_parses() -> None:
    config = parse_config(json.dumps({"local_share": 0.5, "ledger": "/run/l", "real_hook": REAL}))
    assert (config.local_share, config.ledger, config.real_hook) == (0.5, "/run/l", tuple(REAL))


@pytest.mark.parametrize(
    ("policy", "says"),
    [
        ({"local_share": 1.5, "real_hook": REAL}, "local_share"),
        ({"local_share": True, "real_hook": REAL}, "local_share"),
        ({"local_share": "0.5", "real_hook": REAL}, "local_share"),
        ({"local_share": 1, "real_hook": REAL}, "ledger is needed"),
        ({"local_share": 0.5, "ledger": "relative", "real_hook": REAL}, "absolute"),
        ({"local_share": 0, "real_hook": []}, "real_hook"),
        ({"local_share": 0, "real_hook": "/usr/bin/nix __build-remote"}, "real_hook"),
        ({"local_share": 1, "real_hook": REAL, "ledgr": "/x"}, "did you mean 'ledger'"),
        ({"local_share": 0, "real_hook": REAL, "decline_to_wait": "yes"}, "decline_to_wait"),
    ],
)
def test_a_wrong_policy_names_its_key(policy: dict[str, object], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        parse_config(json.dumps(policy))


def test_a_postpone_becomes_a_slot_wait_only_where_nix_wakes_slot_waiters_on_any_build_end() -> None:
    assert decline_to_wait(NIX_2_8)
    assert decline_to_wait(NixVersion(2, 35, 1))
    assert not decline_to_wait(NixVersion(2, 35, 2))  # wakes them only for a free local slot
    assert json.loads(policy_json(1, Path("/l"), REAL, NIX_2_8))["decline_to_wait"] is True
    assert parse_config(json.dumps({"local_share": 0, "real_hook": REAL})).decline_to_wait is False


def test_not_json_is_refused() -> None:
    with pytest.raises(ConfigError, match="not JSON"):
        parse_config("{local_share: 1}")


def test_the_real_hook_of_an_unusable_policy_is_kept_when_it_is_named() -> None:
    assert real_hook_from(json.dumps({"local_share": 7, "real_hook": REAL})) == tuple(REAL)
    assert real_hook_from("garbage") == default_real_hook()


def test_the_default_real_hook_is_build_remote_in_libexec_when_it_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = tmp_path / "nix" / "build-remote"
    hook.parent.mkdir()
    hook.write_text("")
    hook.chmod(0o755)
    monkeypatch.setenv("NIX_LIBEXEC_DIR", str(tmp_path))
    assert default_real_hook() == (str(hook),)
    monkeypatch.setenv("NIX_LIBEXEC_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert default_real_hook() == ("nix", "__build-remote")


def test_the_real_hook_is_started_as_nix_starts_a_hook() -> None:
    # hook-instance.cc: base name of the executable, its arguments, then the verbosity
    assert hook_argv(("/usr/libexec/nix/build-remote",), ["3"]) == ["build-remote", "3"]
    assert hook_argv(("/nix/store/x-nix/bin/nix", "__build-remote"), ["5"]) == ["nix", "__build-remote", "5"]


def test_the_build_hook_setting_nix_reports_becomes_the_real_hook() -> None:
    assert real_hook_of("/usr/libexec/nix/build-remote") == ["/usr/libexec/nix/build-remote"]
    assert real_hook_of("/nix/store/x/bin/nix __build-remote") == ["/nix/store/x/bin/nix", "__build-remote"]
    assert real_hook_of(["nix", "__build-remote"]) == ["nix", "__build-remote"]
    with pytest.raises(ValueError, match="empty"):
        real_hook_of("")


def test_the_option_is_one_absolute_path_which_nix_2_8_requires(tmp_path: Path) -> None:
    launcher = write_launcher(tmp_path, None)
    assert build_hook_options(launcher) == ["--option", "build-hook", str(tmp_path / "nixswarm-build-hook")]
    assert os.access(launcher, os.X_OK)
    assert launcher.read_text().startswith(f"#!{sys.executable} -SE\n")


def test_the_launcher_carries_its_policy_and_starts_the_proxy(tmp_path: Path) -> None:
    policy = policy_json(1.0, tmp_path / "ledger", REAL, NIX_2_8)
    launcher = write_launcher(tmp_path, policy)
    env = {k: v for k, v in os.environ.items() if k != "NIXSWARM_HOOK_POLICY"}
    done = subprocess.run([str(launcher), "3"], input=b"", capture_output=True, env=env, timeout=30, check=False)
    assert (done.returncode, done.stderr) == (0, b"")  # a valid policy, and no settings: nothing to do
    assert json.loads(policy)["real_hook"] == REAL


def test_a_python_path_with_spaces_cannot_be_a_launcher() -> None:
    with pytest.raises(ValueError, match="#!"):
        launcher_text(None, python="/opt/my python/bin/python")

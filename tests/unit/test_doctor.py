"""`nixswarm doctor`: each finding with its fix."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from nixswarm import doctor
from nixswarm.build.nix_setup import NixSetup
from nixswarm.model import NIX_2_8
from nixswarm.model.host import Host
from nixswarm.nix.local_settings import LocalNixSettings
from nixswarm.store import paths
from nixswarm.store.settings import HostEntry, Settings
from nixswarm.store.settings_file import save_settings


def findings(config: Path) -> dict[str, list[doctor.Finding]]:
    found: dict[str, list[doctor.Finding]] = {}
    for f in asyncio.run(doctor.run_checks(config)):
        found.setdefault(f.check, []).append(f)
    return found


def test_a_key_others_can_read_and_an_unapproved_host_are_named_with_their_fixes(tmp_path: Path) -> None:
    key = tmp_path / "id"
    key.write_text("x")
    key.chmod(0o644)
    config = tmp_path / "config.toml"
    save_settings(config, Settings(hosts=(HostEntry(Host("b1", ("10.0.0.2",), identity_file=str(key))),)))
    found = findings(config)
    assert found["identity"][0].level == "fail" and found["identity"][0].fix == f"chmod 600 {key}"
    assert found["host key"][0].level == "warn" and found["host key"][0].fix == "nixswarm hosts trust b1"
    key.chmod(0o600)
    assert findings(config)["identity"][0].level == "ok"


def test_an_untrusted_daemon_user_is_a_failure_with_the_trusted_users_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def untrusted(env: object) -> NixSetup:
        settings = LocalNixSettings(NIX_2_8, "x86_64-linux", (), "daemon", ("root",), (), 1)
        return NixSetup(settings, daemon=True, trusted=False, user="alice")

    monkeypatch.setattr("nixswarm.build.nix_setup.check_nix", untrusted)
    found = findings(tmp_path / "config.toml")
    assert found["trusted-users"][0].level == "fail"
    assert "trusted-users" in (found["trusted-users"][0].fix or "")
    assert found["root ssh"][0].fix == "sudo nixswarm write --system"


def daemon_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    async def trusted(env: object) -> NixSetup:
        settings = LocalNixSettings(NIX_2_8, "x86_64-linux", (), "daemon", ("root", "alice"), (), 1)
        return NixSetup(settings, daemon=True, trusted=True, user="alice")

    monkeypatch.setattr("nixswarm.build.nix_setup.check_nix", trusted)


def test_through_a_daemon_the_key_root_s_ssh_is_given_or_why_none_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nixswarm.files import root_key
    from nixswarm.store.state import State, save_state
    from tests.unit.hostile import KEY

    daemon_checks(monkeypatch)
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)

    async def candidates(address: str, *args: object, **kwargs: object) -> tuple[str, ...]:
        return (str(key),) if address == "10.0.0.2" else (str(tmp_path / "id_rsa"),)

    monkeypatch.setattr(root_key, "ssh_identity_files", candidates)
    monkeypatch.setenv("SSH_AUTH_SOCK", str(tmp_path / "agent"))
    config = tmp_path / "config.toml"
    hosts = (HostEntry(Host("b1", ("10.0.0.2",))), HostEntry(Host("b2", ("10.0.0.3",))))
    save_settings(config, Settings(hosts=hosts))
    save_state(paths.state_file(), State().approve("b1", KEY).approve("b2", KEY))
    found = findings(config)["root key"]
    assert (found[0].level, found[0].message) == ("ok", f"root's ssh is given {key} for b1")
    assert found[1].level == "fail" and found[1].message.startswith("b2: the nix-daemon runs ssh as root")
    assert "ssh-agent" in found[1].message and 'identity = "/path/to/private-key"' in (found[1].fix or "")


def test_a_drop_in_the_user_cannot_read_is_a_failure_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from nixswarm.files import system_files

    daemon_checks(monkeypatch)
    targets = system_files.system_targets(tmp_path)
    targets.ssh_config.parent.mkdir(parents=True)
    targets.ssh_config.write_text("Host nixswarm-b1\n  HostName 10.0.0.2\n")
    targets.ssh_config.chmod(0o600)
    monkeypatch.setattr(system_files, "system_targets", lambda: targets)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, m: Path(p) != targets.ssh_config and real_access(p, m))
    monkeypatch.setattr(system_files, "system_aliases", frozenset)  # unreadable: no alias is read
    [root_ssh] = findings(tmp_path / "config.toml")["root ssh"]
    assert root_ssh.level == "fail" and "cannot read it" in root_ssh.message
    assert root_ssh.fix and root_ssh.fix.startswith("sudo nixswarm write --system")

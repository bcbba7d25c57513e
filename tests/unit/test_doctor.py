"""`nixswarm doctor`: each finding with its fix."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from nixswarm import doctor
from nixswarm.build.nix_setup import NixSetup
from nixswarm.model import NIX_2_8
from nixswarm.model.host import Host
from nixswarm.nix.local_settings import LocalNixSettings
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

"""The checks a build makes before nix runs: who runs ssh, who is trusted, why a host is left out."""

from __future__ import annotations

import grp
import json
import os
import pwd
from pathlib import Path

import pytest

from nixswarm.build import nix_setup
from nixswarm.build.nix_setup import NixSetup, require_trusted, trusted_by_config, uses_daemon
from nixswarm.build.plan import needed_systems, plan_build
from nixswarm.build.reach import why_ssh_failed
from nixswarm.errors import ConnectionFailure, ValidationError
from nixswarm.files.selection import Selected
from nixswarm.model import NIX_2_8
from nixswarm.model.host import Host
from nixswarm.model.nixversion import NixVersion
from nixswarm.nix.local_settings import LocalNixSettings, parse_local_settings
from nixswarm.store.settings import Defaults, HostEntry
from tests.unit.hostile import KEY


def setup_for(*, daemon: bool = False, trusted: bool = True, version: NixVersion = NIX_2_8) -> NixSetup:
    settings = LocalNixSettings(version, "x86_64-linux", ("i686-linux",), "auto", ("root",), (), 1)
    return NixSetup(settings, daemon, trusted, "alice")


def selected(name: str, *, systems: tuple[str, ...] = (), port: int = 22) -> Selected:
    return Selected(HostEntry(Host(name, ("10.0.0.2",), port=port, user="nix", systems=systems)), KEY)


def test_nix_remote_daemon_means_the_daemon_builds() -> None:
    assert uses_daemon("auto", {"NIX_REMOTE": "daemon"})
    assert uses_daemon("unix:///run/x.sock", {})
    assert not uses_daemon("local", {})


def test_auto_uses_the_daemon_only_when_the_store_database_is_not_writable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "db").mkdir()
    (tmp_path / "daemon-socket").mkdir()
    (tmp_path / "daemon-socket" / "socket").touch()
    monkeypatch.setattr(nix_setup, "STATE_DIR", tmp_path)
    writable = os.access(tmp_path / "db", os.W_OK)
    assert uses_daemon("auto", {}) is not writable
    (tmp_path / "db").chmod(0o500)
    try:
        assert uses_daemon("auto", {}) is (os.geteuid() != 0)  # root may write anything
    finally:
        (tmp_path / "db").chmod(0o700)


def test_trusted_users_names_groups_and_star_are_honoured() -> None:
    me = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    assert trusted_by_config("root", ())
    assert trusted_by_config("alice", ("*",))
    assert trusted_by_config("alice", ("root", "alice"))
    assert not trusted_by_config("alice", ("root", "@nosuchgroup"))
    assert trusted_by_config(me, (f"@{group}",))


def test_an_untrusted_daemon_user_gets_an_error_naming_the_setting() -> None:
    with pytest.raises(ConnectionFailure, match="trusted-users"):
        require_trusted(setup_for(daemon=True, trusted=False))
    require_trusted(setup_for(daemon=False, trusted=False))  # no daemon, nothing to ignore --builders


def test_nix_settings_are_read_from_the_json_dump_of_2_8() -> None:
    dump = {
        "system": {"value": "x86_64-linux"},
        "extra-platforms": {"value": ["i686-linux"]},
        "store": {"value": "auto"},
        "trusted-users": {"value": ["root", "@wheel"]},
        "build-hook": {"value": "/usr/libexec/nix/build-remote"},
        "max-jobs": {"value": 4},
    }
    settings = parse_local_settings(json.dumps(dump), NIX_2_8)
    assert settings.trusted_users == ("root", "@wheel")
    assert settings.build_hook == ("/usr/libexec/nix/build-remote",)
    assert settings.max_jobs == 4


@pytest.mark.parametrize(
    "dump",
    ["[]", "{", '{"system": 5}', '{"system": "x", "max-jobs": "many"}', '{"system": "x", "trusted-users": [1, 2]}'],
)
def test_unusable_nix_settings_name_what_is_wrong(dump: str) -> None:
    with pytest.raises(ValidationError):
        parse_local_settings(dump, NIX_2_8)


def test_needed_systems_come_from_the_local_nix_the_installable_and_system_options() -> None:
    setup = setup_for()
    assert needed_systems((".#pkg",), setup) == ("x86_64-linux", "i686-linux")
    found = needed_systems((".#packages.aarch64-linux.hello", "--system", "riscv64-linux"), setup)
    assert found == ("x86_64-linux", "i686-linux", "aarch64-linux", "riscv64-linux")


def test_a_host_for_no_needed_system_is_left_out_with_the_reason() -> None:
    plan = plan_build(
        [selected("arm", systems=("aarch64-linux",)), selected("b1")],
        [],
        defaults=Defaults(),
        setup=setup_for(),
        nix_args=(".#pkg",),
    )
    assert [h.name for h in plan.hosts] == ["b1"]
    assert plan.skipped[0].name == "arm" and "aarch64-linux" in plan.skipped[0].reason


def test_through_a_daemon_hosts_are_given_by_address_and_a_port_needs_nix_2_31() -> None:
    hosts = [selected("b1"), selected("b2", port=2222)]
    old = plan_build(hosts, [], defaults=Defaults(), setup=setup_for(daemon=True), nix_args=())
    assert [h.line.split()[0] for h in old.hosts] == ["ssh-ng://nix@10.0.0.2"]
    assert old.skipped[0].name == "b2" and "write --system" in old.skipped[0].reason
    new = plan_build(
        hosts, [], defaults=Defaults(), setup=setup_for(daemon=True, version=NixVersion(2, 31)), nix_args=()
    )
    assert [h.line.split()[0] for h in new.hosts] == ["ssh-ng://nix@10.0.0.2", "ssh-ng://nix@10.0.0.2:2222"]


def test_without_a_daemon_hosts_are_given_by_alias_and_nix_names_map_back() -> None:
    plan = plan_build([selected("b1")], [], defaults=Defaults(), setup=setup_for(), nix_args=())
    assert plan.hosts[0].line.startswith("ssh-ng://nixswarm-b1 ")
    assert plan.machine_names() == {"ssh-ng://nixswarm-b1": "b1"}


@pytest.mark.parametrize(
    ("stderr", "reason"),
    [
        ("ssh: connect to host 10.0.0.2 port 22: Connection refused", "connection refused"),
        ("ssh: connect to host 10.0.0.2 port 22: Connection timed out", "no answer within 1 s"),
        ("nix@10.0.0.2: Permission denied (publickey).", "ssh login refused"),
        (
            "@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\nThe fingerprint for the ED25519 key sent by the "
            "remote host is\nSHA256:" + "Q" * 43 + ".\nHost key verification failed.",
            "HOST KEY CHANGED",
        ),
        ("kex_exchange_identification: read: \x1b[31mConnection reset\x00", "unreachable: kex_exchange_identification"),
    ],
)
def test_ssh_failures_are_told_in_words_the_user_can_act_on(stderr: str, reason: str) -> None:
    told = why_ssh_failed(selected("b1"), stderr, 1.0)
    assert reason in told
    assert "\x1b" not in told and "\x00" not in told
    if reason == "HOST KEY CHANGED":
        assert "SHA256:" + "Q" * 43 in told and KEY.fingerprint in told


def test_through_a_daemon_hosts_in_the_system_ssh_drop_in_are_given_by_alias() -> None:
    plan = plan_build(
        [selected("b1"), selected("b2", port=2222)],
        [],
        defaults=Defaults(),
        setup=setup_for(daemon=True),
        nix_args=(),
        system_aliases=frozenset({"nixswarm-b2"}),
    )
    assert [h.line.split()[0] for h in plan.hosts] == ["ssh-ng://nix@10.0.0.2", "ssh-ng://nixswarm-b2"]


def test_write_system_files_are_what_root_s_ssh_reads(tmp_path: Path) -> None:
    from nixswarm.files.system_files import system_aliases, system_targets
    from nixswarm.files.writer import render_all, write_all
    from tests.unit.ssh_g import ssh_g

    targets = system_targets(tmp_path)
    write_all(render_all([selected("b2", port=2222)], Defaults(), NIX_2_8, targets), targets)
    assert system_aliases(tmp_path) == {"nixswarm-b2"}
    options = ssh_g(targets.ssh_config, "nixswarm-b2")
    assert options["port"] == "2222" and options["hostname"] == "10.0.0.2"
    assert options["userknownhostsfile"] == str(tmp_path / "etc/nix/nixswarm-known_hosts")
    assert targets.machines.read_text().splitlines()[-1].startswith("ssh-ng://nixswarm-b2 ")

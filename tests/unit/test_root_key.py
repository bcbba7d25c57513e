"""Through a nix-daemon, root's ssh gets the key file the user's own ssh would use, or the build says why not."""

from __future__ import annotations

import asyncio
import os
import pwd
import stat
import subprocess
from pathlib import Path

import pytest

from nixswarm.build import prepare as prepare_module
from nixswarm.build.nix_setup import NixSetup
from nixswarm.build.plan import plan_build
from nixswarm.build.prepare import BuildRequest, prepare
from nixswarm.build.reach import why_ssh_failed
from nixswarm.build.workdir import BuildDir
from nixswarm.files import root_key
from nixswarm.files.root_key import RootKey, filesystem_of, root_keys, with_root_key
from nixswarm.files.selection import Selected
from nixswarm.model import NIX_2_8
from nixswarm.model.host import Host
from nixswarm.nix.local_settings import LocalNixSettings
from nixswarm.ssh.identity import identity_files, key_file_kind, ssh_identity_files
from nixswarm.store.settings import Defaults, HostEntry, Settings
from nixswarm.store.state import State
from tests.unit.hostile import KEY

SSH_G = """user root
hostname 10.0.0.2
port 2222
identityfile ~/.ssh/id_rsa
identityfile %d/.ssh/id_%u_%h_%p
identityfile ~bob/.ssh/id_x
identityfile ${HOME}/.ssh/id_env
identityfile relative/key
identityfile /etc/keys/%r.key
identityfile ~/.ssh/id_rsa
identityfile none
"""


def keygen(path: Path, *options: str) -> Path:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path), *options], check=True, capture_output=True
    )
    return path


def selected(name: str = "b1", *, identity: str | None = None, port: int = 22) -> Selected:
    return Selected(HostEntry(Host(name, ("10.0.0.2",), port=port, user="nix", identity_file=identity)), KEY)


def daemon_setup() -> NixSetup:
    return NixSetup(
        LocalNixSettings(NIX_2_8, "x86_64-linux", (), "daemon", ("root", "alice"), (), 1), True, True, "alice"
    )


def fake_ssh_g(monkeypatch: pytest.MonkeyPatch, *paths: Path) -> None:
    async def candidates(*args: object, **kwargs: object) -> tuple[str, ...]:
        return tuple(str(p) for p in paths)

    monkeypatch.setattr(root_key, "ssh_identity_files", candidates)


def test_ssh_g_identity_files_are_expanded_as_ssh_does_in_its_order() -> None:
    found = identity_files(SSH_G, "/home/anna", "anna")
    assert found == ("/home/anna/.ssh/id_rsa", "/home/anna/.ssh/id_anna_10.0.0.2_2222", "/etc/keys/root.key")


def test_the_real_ssh_g_names_the_default_keys_in_the_password_database_home() -> None:
    home = pwd.getpwuid(os.getuid()).pw_dir
    found = asyncio.run(ssh_identity_files("10.0.0.2", 22, "nix"))
    assert f"{home}/.ssh/id_ed25519" in found
    assert all(p.startswith("/") and "~" not in p for p in found)


def test_a_key_file_is_told_apart_from_one_with_a_passphrase_a_public_key_and_no_file(tmp_path: Path) -> None:
    plain = keygen(tmp_path / "plain")
    locked = tmp_path / "locked"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "secret", "-f", str(locked)], check=True)
    pem = tmp_path / "pem"
    subprocess.run(["ssh-keygen", "-q", "-t", "ecdsa", "-m", "PEM", "-N", "", "-f", str(pem)], check=True)
    locked_pem = tmp_path / "locked-pem"
    subprocess.run(["ssh-keygen", "-q", "-t", "ecdsa", "-m", "PEM", "-N", "secret", "-f", str(locked_pem)], check=True)
    assert key_file_kind(plain) == "private"
    assert key_file_kind(pem) == "private"
    assert key_file_kind(locked) == "encrypted"
    assert key_file_kind(locked_pem) == "encrypted"
    assert key_file_kind(Path(f"{plain}.pub")) == "public"
    assert key_file_kind(tmp_path / "none") == "missing"
    assert key_file_kind(tmp_path) == "other"


def test_without_a_configured_identity_root_gets_the_first_usable_key_file_the_users_ssh_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "id_rsa"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "secret", "-f", str(locked)], check=True)
    key = keygen(tmp_path / "id_ed25519")
    fake_ssh_g(monkeypatch, tmp_path / "id_ecdsa", locked, key, tmp_path / "id_dsa")
    [found] = asyncio.run(root_keys([selected()], Defaults(), agent=True))
    assert found == RootKey("b1", str(key), configured=False)
    assert with_root_key(selected(), found).entry.host.identity_file == str(key)


def test_a_key_only_in_the_agent_is_named_with_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_ssh_g(monkeypatch, tmp_path / "id_rsa", tmp_path / "id_ed25519")
    [found] = asyncio.run(root_keys([selected()], Defaults(), agent=True))
    assert found.path is None and found.reason is not None
    assert "runs ssh as root" in found.reason and "ssh-agent" in found.reason and "cannot use" in found.reason
    assert 'identity = "/path/to/private-key"' in found.reason and "[hosts.b1]" in found.reason
    [no_agent] = asyncio.run(root_keys([selected()], Defaults(), agent=False))
    assert no_agent.reason and "no key file of yours exists" in no_agent.reason and str(tmp_path) in no_agent.reason


def test_a_key_with_a_passphrase_is_no_key_for_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "secret", "-f", str(locked)], check=True)
    fake_ssh_g(monkeypatch, locked)
    [found] = asyncio.run(root_keys([selected()], Defaults(), agent=True))
    assert found.reason and f"{locked} has a passphrase" in found.reason
    [configured] = asyncio.run(root_keys([selected(identity=str(locked))], Defaults(), agent=True))
    assert configured.configured and configured.reason and "has a passphrase" in configured.reason


def test_a_configured_identity_is_used_as_it_is_and_a_missing_one_is_named(tmp_path: Path) -> None:
    key = keygen(tmp_path / "id_b1")
    found = asyncio.run(
        root_keys([selected(identity=str(key))], Defaults(identity=str(tmp_path / "gone")), agent=False)
    )
    assert found == [RootKey("b1", str(key), configured=True)]
    [missing] = asyncio.run(root_keys([selected()], Defaults(identity=str(tmp_path / "gone")), agent=False))
    assert missing.reason and f"{tmp_path / 'gone'} does not exist" in missing.reason


def test_a_key_on_a_network_or_fuse_filesystem_gets_a_caution(tmp_path: Path) -> None:
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
        "40 22 0:50 / /home rw,relatime shared:20 - nfs4 server:/home rw,vers=4.2\n"
        "41 40 0:51 / /home/anna/vault rw shared:21 - fuse.gocryptfs vault rw,user_id=1000\n"
        "42 22 0:52 / /srv\\040keys rw shared:22 - tmpfs tmpfs rw\n"
    )
    assert filesystem_of("/home/anna/.ssh/id_ed25519", mountinfo) == "nfs4"
    assert filesystem_of("/home/anna/vault/id", mountinfo) == "fuse.gocryptfs"
    assert filesystem_of("/srv keys/id", mountinfo) == "tmpfs"
    assert filesystem_of("/root/.ssh/id", mountinfo) == "ext4"
    assert root_key._caution("/home/anna/.ssh/id", mountinfo) is not None
    assert root_key._caution("/root/.ssh/id", mountinfo) is None


def test_a_refused_login_through_a_daemon_names_the_key_root_will_use() -> None:
    told = why_ssh_failed(
        selected(identity="/home/anna/.ssh/id_ed25519"), "nix@10.0.0.2: Permission denied.", 1, as_root=True
    )
    assert "/home/anna/.ssh/id_ed25519" in told and "root" in told and "identity =" in told
    unprotected = "@ WARNING: UNPROTECTED PRIVATE KEY FILE! @\nnix@10.0.0.2: Permission denied (publickey)."
    told = why_ssh_failed(selected(identity="/k/id"), unprotected, 1, as_root=True)
    assert told.endswith("chmod 600 /k/id")


def test_through_a_daemon_column_3_holds_the_key_also_for_a_host_of_the_system_drop_in() -> None:
    hosts = [selected("b1", identity="/home/anna/.ssh/id_ed25519"), selected("b2", identity="/k/b2")]
    plan = plan_build(
        hosts, [], defaults=Defaults(), setup=daemon_setup(), nix_args=(), system_aliases=frozenset({"nixswarm-b2"})
    )
    columns = [h.line.split() for h in plan.hosts]
    assert [c[0] for c in columns] == ["ssh-ng://nix@10.0.0.2", "ssh-ng://nixswarm-b2"]
    assert [c[2] for c in columns] == ["/home/anna/.ssh/id_ed25519", "/k/b2"]


def test_a_daemon_build_gives_root_the_users_default_key_and_leaves_out_an_agent_only_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = keygen(tmp_path / "id_ed25519")

    async def daemon(env: object) -> NixSetup:
        return daemon_setup()

    async def candidates(address: str, *args: object, **kwargs: object) -> tuple[str, ...]:
        return (str(key),) if address == "10.0.0.2" else (str(tmp_path / "id_rsa"),)

    monkeypatch.setattr(prepare_module, "check_nix", daemon)
    monkeypatch.setattr(root_key, "ssh_identity_files", candidates)
    monkeypatch.setenv("SSH_AUTH_SOCK", str(tmp_path / "agent.sock"))
    hosts = (HostEntry(Host("b1", ("10.0.0.2",), user="nix")), HostEntry(Host("b2", ("10.0.0.3",), user="nix")))
    state = State().approve("b1", KEY).approve("b2", KEY)
    where = BuildDir(tmp_path / "build")
    where.root.mkdir()
    done = asyncio.run(prepare(Settings(hosts=hosts), state, BuildRequest(dry_run=True), where))
    assert [h.line.split()[2] for h in done.plan.hosts] == [str(key)]
    assert done.plan.skipped[0].name == "b2" and "ssh-agent" in done.plan.skipped[0].reason
    assert f"IdentityFile {key}\n  IdentitiesOnly yes" in done.ssh_config  # what the check logs in with


def test_write_system_files_hold_no_secret_and_every_user_may_read_them(tmp_path: Path) -> None:
    from nixswarm.files.system_files import system_targets
    from nixswarm.files.writer import render_all, write_all

    targets = system_targets(tmp_path)
    chosen = [selected("b1", identity="/home/anna/.ssh/id_ed25519")]
    write_all(render_all(chosen, Defaults(), NIX_2_8, targets), targets)
    for path in (targets.ssh_config, targets.known_hosts, targets.machines):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o755, path.parent
    assert "IdentityFile /home/anna/.ssh/id_ed25519" in targets.ssh_config.read_text()

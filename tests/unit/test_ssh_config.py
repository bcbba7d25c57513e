"""nixswarm's ssh config is read by the real OpenSSH client as intended, and is loaded by one Include line."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixswarm.errors import ConfigError
from nixswarm.model.host import Host
from nixswarm.ssh.config_render import CIPHERS, Transport, render_ssh_config
from nixswarm.ssh.include import ensure_include, include_line
from nixswarm.store.atomic import atomic_write
from tests.unit.ssh_g import ssh_g


def _write_config(path: Path, hosts: list[Host], transport: Transport, **kw: str) -> Path:
    atomic_write(path, render_ssh_config(hosts, transport, **kw))
    return path


def test_ssh_reads_each_host_block_with_the_tuned_transport(tmp_path: Path) -> None:
    transport = Transport(connect_timeout=4, control_dir=str(tmp_path / "ctl"), known_hosts=str(tmp_path / "kh"))
    hosts = [
        Host("b1", ("10.0.0.2",), port=2222, user="nix", identity_file="/keys/b1"),
        Host("b2.lan", ("b2.example.org",)),
    ]
    config = _write_config(tmp_path / "ssh_config", hosts, transport, user="builder", identity="/keys/default")
    b1 = ssh_g(config, "nixswarm-b1")
    assert (b1["hostname"], b1["port"], b1["user"]) == ("10.0.0.2", "2222", "nix")
    assert b1["ciphers"].startswith("aes128-gcm@openssh.com,")
    assert b1["ciphers"] == CIPHERS
    assert b1["compression"] == "no"
    assert b1["controlmaster"] == "auto"
    assert b1["controlpersist"] == "60"
    assert b1["controlpath"].startswith(str(tmp_path / "ctl") + "/")
    assert b1["hostkeyalias"] == "nixswarm-b1"
    assert b1["connecttimeout"] == "4"
    assert (b1["serveraliveinterval"], b1["serveralivecountmax"]) == ("5", "3")
    assert b1["identityfile"] == "/keys/b1"
    assert b1["identitiesonly"] == "yes"
    assert b1["userknownhostsfile"] == str(tmp_path / "kh")
    assert b1["stricthostkeychecking"] == "true"
    b2 = ssh_g(config, "nixswarm-b2.lan")
    assert (b2["hostname"], b2["port"], b2["user"]) == ("b2.example.org", "22", "builder")
    assert b2["identityfile"] == "/keys/default"
    assert b2["hostkeyalias"] == "nixswarm-b2.lan"


def test_without_a_control_folder_ssh_makes_no_master_connection(tmp_path: Path) -> None:
    config = _write_config(tmp_path / "ssh_config", [Host("b1", ("10.0.0.2",))], Transport())
    b1 = ssh_g(config, "nixswarm-b1")
    assert b1["controlmaster"] == "false"
    assert b1["connecttimeout"] == "3"


def test_an_ipv6_link_local_address_with_a_scope_id_reaches_ssh_intact(tmp_path: Path) -> None:
    config = _write_config(tmp_path / "ssh_config", [Host("b1", ("fe80::1%eth0", "10.0.0.2"))], Transport())
    assert ssh_g(config, "nixswarm-b1")["hostname"] == "fe80::1%eth0"


def test_a_name_that_is_not_ours_gets_none_of_our_settings(tmp_path: Path) -> None:
    config = _write_config(tmp_path / "ssh_config", [Host("b1", ("10.0.0.2",), port=2222)], Transport())
    other = ssh_g(config, "b1")
    assert (other["hostname"], other["port"]) == ("b1", "22")


OURS = Path("/home/u/.config/nixswarm/ssh_config")


def test_the_include_line_is_added_at_the_top_once_and_user_content_is_kept_byte_for_byte(tmp_path: Path) -> None:
    user_config = tmp_path / ".ssh" / "config"
    user_config.parent.mkdir()
    original = b"# mine\r\nHost gw\n\tUser me\n  IdentityFile ~/.ssh/id_x # caf\xc3\xa9\nHost *\n  ForwardAgent no"
    user_config.write_bytes(original)
    user_config.chmod(0o644)
    assert ensure_include(user_config, OURS) is True
    written = user_config.read_bytes()
    head, _, rest = written.partition(b"\n\n")
    assert rest == original
    assert head.splitlines()[-1] == include_line(OURS).encode()
    assert head.splitlines()[0].startswith(b"#")
    assert user_config.stat().st_mode & 0o777 == 0o644
    for _ in range(3):
        assert ensure_include(user_config, OURS) is False
    assert user_config.read_bytes() == written
    assert written.count(b"Include") == 1


def test_an_include_already_there_in_any_spelling_is_not_added_again(tmp_path: Path) -> None:
    user_config = tmp_path / "config"
    for spelling in (f"include  {OURS}", f'Include "/etc/other" "{OURS}"', f"  INCLUDE {OURS}"):
        text = f"Host a\n  User b\n{spelling}\n"
        user_config.write_text(text)
        assert ensure_include(user_config, OURS) is False
        assert user_config.read_text() == text


def test_a_missing_ssh_config_is_created_private_with_only_the_include(tmp_path: Path) -> None:
    user_config = tmp_path / "new" / ".ssh" / "config"
    assert ensure_include(user_config, OURS) is True
    assert include_line(OURS) in user_config.read_text().splitlines()
    assert user_config.stat().st_mode & 0o777 == 0o600
    assert user_config.parent.stat().st_mode & 0o777 == 0o700


def test_ssh_follows_the_include_to_our_alias_and_the_users_own_hosts_still_work(tmp_path: Path) -> None:
    ours = _write_config(tmp_path / "ours" / "ssh_config", [Host("b1", ("10.0.0.2",), port=2222)], Transport())
    user_config = tmp_path / "config"
    atomic_write(user_config, "Host gw\n  HostName 192.0.2.1\n  Port 2200\n")
    ensure_include(user_config, ours)
    b1 = ssh_g(user_config, "nixswarm-b1")
    assert (b1["hostname"], b1["port"]) == ("10.0.0.2", "2222")
    gw = ssh_g(user_config, "gw")
    assert (gw["hostname"], gw["port"]) == ("192.0.2.1", "2200")


def test_a_symlinked_ssh_config_is_refused_and_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "managed-by-home-manager"
    target.write_text("Host a\n")
    user_config = tmp_path / "config"
    user_config.symlink_to(target)
    with pytest.raises(ConfigError) as caught:
        ensure_include(user_config, OURS)
    assert "symlink" in caught.value.message
    assert include_line(OURS) in caught.value.message
    assert user_config.is_symlink()
    assert user_config.readlink() == target
    assert target.read_text() == "Host a\n"


def test_a_non_utf8_ssh_config_is_refused_and_left_alone(tmp_path: Path) -> None:
    user_config = tmp_path / "config"
    original = b"Host caf\xe9\n  User me\n"
    user_config.write_bytes(original)
    mtime = user_config.stat().st_mtime_ns
    with pytest.raises(ConfigError) as caught:
        ensure_include(user_config, OURS)
    assert caught.value.message.startswith(f"{user_config}: not UTF-8")
    assert include_line(OURS) in caught.value.message
    assert user_config.read_bytes() == original
    assert user_config.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config"]


def test_an_alias_is_a_lower_case_dns_name_and_colliding_aliases_are_refused() -> None:
    from nixswarm.errors import ValidationError
    from nixswarm.ssh.alias import alias_for, check_unique_aliases

    assert alias_for("Build_Box.lan") == "nixswarm-build-box.lan"
    check_unique_aliases(["b1", "b2", "b1"])
    with pytest.raises(ValidationError, match="same ssh alias"):
        check_unique_aliases(["b_1", "B-1"])

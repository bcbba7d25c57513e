"""A malformed config.toml is a ConfigError naming the file and the key or line, and is never overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixswarm.errors import ConfigError
from nixswarm.model.choice import Choice
from nixswarm.model.host import Host
from nixswarm.store.settings import Defaults, HostEntry, Settings
from nixswarm.store.settings_file import load_settings, save_settings

GOOD = '[defaults]\nuser = "builder"\n\n[hosts.b1]\naddresses = ["10.0.0.2"]\nport = 2222\n'

MALFORMED: dict[str, tuple[bytes, tuple[str, ...]]] = {
    # case: (file content, words the message must hold besides the path)
    "truncated-array": (b'[hosts.b1]\naddresses = ["10.0.0.2"', ("not valid TOML", "end of document")),
    "truncated-string": (b'[hosts.b1]\naddresses = ["10.0.0.2"]\nuser = "bui', ("not valid TOML", "end of document")),
    "truncated-table-header": (b'[defaults]\nuser = "b"\n[hosts.b1\nport = 22\n', ("not valid TOML", "line 3")),
    "truncated-value": (b"[defaults]\ntimeout = ", ("not valid TOML", "end of document")),
    "non-utf8": (b'[hosts.b1]\naddresses = ["10.0.0.2"]\nuser = "\xff\xfe"\n', (":3: not UTF-8 text", "0xff")),
    "latin1-comment": (b"# caf\xe9\n[defaults]\n", (":1: not UTF-8 text",)),
    "unknown-host-key": (b'[hosts.b1]\naddresses = ["10.0.0.2"]\nuserr = "b"\n', ("'hosts.b1.userr'", "'user'?")),
    "unknown-defaults-key": (b"[defaults]\ntimout = 3\n", ("'defaults.timout'", "did you mean 'timeout'?")),
    "unknown-top-key": (b'[host.b1]\naddresses = ["10.0.0.2"]\n', ("'host'", "did you mean 'hosts'?")),
    "unknown-key-nothing-close": (b"[defaults]\nzzz = 1\n", ("'defaults.zzz'", "known keys: user, identity")),
    "port-as-text": (b'[hosts.b1]\naddresses = ["10.0.0.2"]\nport = "22"\n', ("hosts.b1.port must be int, not str",)),
    "max-jobs-as-bool": (b'[hosts.b1]\naddresses = ["10.0.0.2"]\nmax_jobs = true\n', ("hosts.b1.max_jobs", "bool")),
    "enabled-as-int": (b'[hosts.b1]\naddresses = ["10.0.0.2"]\nenabled = 1\n', ("hosts.b1.enabled must be bool",)),
    "addresses-as-text": (b'[hosts.b1]\naddresses = "10.0.0.2"\n', ("hosts.b1.addresses must be list, not str",)),
    "systems-of-numbers": (b'[hosts.b1]\naddresses = ["10.0.0.2"]\nsystems = [1]\n', ("hosts.b1.systems", "strings")),
    "timeout-as-text": (b'[defaults]\ntimeout = "3"\n', ("defaults.timeout must be int or float, not str",)),
    "hosts-as-number": (b"hosts = 1\n", ("hosts must be dict, not int",)),
    "host-as-number": (b"[hosts]\nb1 = 1\n", ("[hosts.b1] must be a table, not int",)),
    "timeout-out-of-range": (b"[defaults]\ntimeout = 0\n", ("defaults.timeout", "0.1-300")),
    "port-out-of-range": (b'[hosts.b1]\naddresses = ["10.0.0.2"]\nport = 70000\n', ("[hosts.b1]", "port 70000")),
    "no-address": (b"[hosts.b1]\nport = 22\n", ("[hosts.b1]", "addresses")),
}
CASES = [pytest.param(content, words, id=case) for case, (content, words) in MALFORMED.items()]


@pytest.mark.parametrize(("content", "words"), CASES)
def test_a_malformed_config_is_a_config_error_naming_the_file_and_the_key_or_line(
    tmp_path: Path, content: bytes, words: tuple[str, ...]
) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = caught.value.message
    assert message.startswith(str(path))
    for word in words:
        assert word in message
    assert "\n" not in message


@pytest.mark.parametrize(("content", "words"), CASES)
def test_saving_settings_over_a_malformed_config_refuses_and_leaves_it_byte_for_byte(
    tmp_path: Path, content: bytes, words: tuple[str, ...]
) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    path.chmod(0o640)
    stat = path.stat()
    with pytest.raises(ConfigError) as caught:
        save_settings(path, Settings(hosts=(HostEntry(Host("b2", ("10.0.0.3",))),)))
    assert str(path) in caught.value.message
    assert path.read_bytes() == content
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_mode) == (stat.st_ino, stat.st_mtime_ns, stat.st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_settings_saved_then_loaded_are_equal_and_the_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    b1 = Host(
        "b1",
        ("10.0.0.2", "fe80::1%eth0"),
        port=2222,
        user="nix",
        identity_file="/k/id",
        systems=("x86_64-linux", "i686-linux"),
        features=("kvm", "big-parallel"),
        mandatory_features=("benchmark",),
    )
    settings = Settings(
        Defaults(user="builder", identity="/home/u/.ssh/id_ed25519", timeout=2.5, scheme="ssh", local_weight=0.25),
        (HostEntry(b1, Choice(enabled=False, max_jobs=8, speed_factor=2.5)), HostEntry(Host("b2", ("b2.lan",)))),
    )
    save_settings(path, settings)
    assert load_settings(path) == settings
    assert path.stat().st_mode & 0o777 == 0o600


def test_saving_over_a_valid_config_replaces_it(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(GOOD)
    loaded = load_settings(path)
    assert loaded.host("b1") is not None
    save_settings(path, loaded.without_host("b1"))
    assert load_settings(path).hosts == ()
    assert load_settings(path).defaults.user == "builder"


def test_a_missing_config_gives_the_defaults_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nothing" / "config.toml"
    assert load_settings(path) == Settings()
    assert not path.parent.exists()

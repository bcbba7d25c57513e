"""`hosts import` of nixswarm's own machines file: the `nixswarm-NAME` aliases become the real addresses again."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixswarm.cli.main import main
from nixswarm.files.importer import hosts_from_machines
from nixswarm.nix.machines_parse import parse_machines
from nixswarm.ssh.config_read import AliasTarget, read_aliases
from nixswarm.store import paths
from nixswarm.store.settings_file import load_settings
from nixswarm.store.state import load_state, save_state
from tests.unit.hostile import KEY

OWN_CONFIG = """# ssh config written by nixswarm
Host nixswarm-b1
  HostName 10.0.0.2
  Port 2222
  User root
  IdentityFile /root/.ssh/id_b1
  HostKeyAlias nixswarm-b1

Host nixswarm-b2
  HostName fe80::1%%eth0
"""


def test_the_aliases_of_nixswarms_ssh_config_are_read_back_with_their_port_user_and_key() -> None:
    assert read_aliases(OWN_CONFIG) == {
        "nixswarm-b1": AliasTarget("10.0.0.2", 2222, "root", "/root/.ssh/id_b1"),
        "nixswarm-b2": AliasTarget("fe80::1%eth0"),
    }


@pytest.mark.parametrize(
    "block",
    [
        "Host nixswarm-x\n  HostName a;b",
        "Host nixswarm-x\n  HostName 10.0.0.9\n  Port \uff12\uff12",
        "Host nixswarm-x\n  HostName 10.0.0.9\n  User -oProxyCommand=x",
        "Host nixswarm-x\n  Port 22",
        "Host nixswarm-x\n  HostName 10.0.0.9\n  IdentityFile ~/key",
        "Host other\n  HostName 10.0.0.9",
    ],
)
def test_a_block_with_a_hostile_or_missing_value_is_left_out(block: str) -> None:
    assert read_aliases(block) == {}


def test_an_alias_without_a_block_is_skipped_with_the_reason_and_the_rest_imported() -> None:
    text = "ssh-ng://nixswarm-b1 x86_64-linux - 4\nssh-ng://nixswarm-gone x86_64-linux\nssh://b3.lan x86_64-linux\n"
    imported = hosts_from_machines(parse_machines(text, "m").raise_for_problems(), read_aliases(OWN_CONFIG))
    hosts = {entry.host.name: entry.host for entry, _ in imported.hosts}
    assert sorted(hosts) == ["b1", "b3.lan"]
    b1 = hosts["b1"]
    assert (b1.addresses, b1.port, b1.user, b1.identity_file) == (("10.0.0.2",), 2222, "root", "/root/.ssh/id_b1")
    assert imported.skipped == ["nixswarm-gone: an alias of nixswarm's ssh config, which has no Host block for it"]


def test_write_then_import_into_a_fresh_config_gives_back_the_same_host(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hosts", "add", "b1", "root@10.0.0.2:2222"]) == 0
    save_state(paths.state_file(), load_state(paths.state_file()).approve("b1", KEY))
    assert main(["write"]) == 0
    machines = paths.machines_file().read_text()
    assert "nixswarm-b1" in machines
    kept = Path(paths.machines_file()).with_suffix(".kept")
    kept.write_text(machines)
    paths.config_file().unlink()
    paths.state_file().unlink()

    assert main(["hosts", "import", str(kept)]) == 0

    entry = load_settings(paths.config_file()).host("b1")
    assert entry is not None
    assert (entry.host.addresses, entry.host.port, entry.host.user) == (("10.0.0.2",), 2222, "root")
    assert load_state(paths.state_file()).approved_key("b1") == KEY
    assert "imported 1 host(s)" in capsys.readouterr().out

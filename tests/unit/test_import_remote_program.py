"""`hosts import` keeps `?remote-program=` (validated) through the config into the machines file nixswarm writes."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli_w

from nixswarm.errors import ConfigError, ValidationError
from nixswarm.files.importer import hosts_from_machines
from nixswarm.files.nixos_export import render_nixos
from nixswarm.files.selection import machine_entry, resolve
from nixswarm.model import validate
from nixswarm.model.host import Host
from nixswarm.model.nixversion import NIX_2_8
from nixswarm.nix.entry import MachineEntry
from nixswarm.nix.machines_parse import parse_machines
from nixswarm.nix.machines_render import render_machines
from nixswarm.store.settings import Defaults, HostEntry, Settings
from nixswarm.store.settings_file import load_settings, save_settings
from nixswarm.store.state import State
from tests.unit.hostile import HOSTILE, HOSTILE_PARAMS, KEY, assert_names_value_safely

NIX_STORE = "/nix/var/nix/profiles/default/bin/nix-store"
NIX_DAEMON = "/nix/var/nix/profiles/default/bin/nix-daemon"


def _import(text: str) -> tuple[dict[str, HostEntry], list[str]]:
    imported = hosts_from_machines(parse_machines(text, "machines").raise_for_problems())
    return {entry.host.name: entry for entry, _ in imported.hosts}, imported.skipped


def _written(entries: dict[str, HostEntry], folder: Path, defaults: Defaults) -> str:
    """The machines file nixswarm writes for the hosts, after a round trip through config.toml."""
    config = folder / "config.toml"
    save_settings(config, Settings(defaults, tuple(entries.values())))
    settings = load_settings(config)
    state = State()
    for name in entries:
        state = state.approve(name, KEY)
    selected, skipped = resolve(settings, state)
    assert skipped == []
    return render_machines([machine_entry(s, settings.defaults) for s in selected], NIX_2_8)


def test_an_imported_remote_program_reaches_the_written_machines_file_with_its_scheme(tmp_path: Path) -> None:
    hosts, skipped = _import(
        f"ssh://nix@b1?remote-program={NIX_STORE} x86_64-linux - 2\n"
        f"ssh-ng://b2?remote-program=nix-daemon x86_64-linux\n"
        "ssh://b3 x86_64-linux\n"
    )
    assert skipped == []
    assert (hosts["b1"].host.scheme, hosts["b1"].host.remote_program) == ("ssh", NIX_STORE)
    assert (hosts["b2"].host.scheme, hosts["b2"].host.remote_program) == ("ssh-ng", "nix-daemon")
    assert (hosts["b3"].host.scheme, hosts["b3"].host.remote_program) == (None, None)  # defaults.scheme, as before

    lines = _written(hosts, tmp_path, Defaults(scheme="ssh-ng")).splitlines()[1:]
    assert [line.split()[0] for line in lines] == [
        f"ssh://nixswarm-b1?remote-program={NIX_STORE}",  # nix-store needs ssh://, whatever defaults.scheme says
        "ssh-ng://nixswarm-b2?remote-program=nix-daemon",
        "ssh-ng://nixswarm-b3",
    ]
    reread = parse_machines("\n".join(lines), "written").raise_for_problems()
    assert reread[0].params == (("remote-program", NIX_STORE),)


def test_the_config_keeps_scheme_and_remote_program_and_export_nixos_names_them(tmp_path: Path) -> None:
    host = Host("b1", ("10.0.0.2",), scheme="ssh", remote_program=NIX_STORE)
    config = tmp_path / "config.toml"
    save_settings(config, Settings(hosts=(HostEntry(host),)))
    text = config.read_text()
    assert 'scheme = "ssh"' in text and f'remote_program = "{NIX_STORE}"' in text
    assert load_settings(config).hosts[0].host == host
    selected, _ = resolve(load_settings(config), State().approve("b1", KEY))
    nixos = render_nixos(selected, Defaults(scheme="ssh-ng"))
    assert f'hostName = "10.0.0.2?remote-program={NIX_STORE}";' in nixos and 'protocol = "ssh";' in nixos


def test_ssh_key_and_host_key_parameters_fill_empty_columns_and_other_parameters_are_named() -> None:
    text = (
        f"ssh://b1?ssh-key=/keys/b1&base64-ssh-public-host-key={KEY.column8}&compress=true x86_64-linux\n"
        f"ssh://b2?ssh-key=/keys/param x86_64-linux /keys/column\n"
    )
    imported = hosts_from_machines(parse_machines(text, "machines").raise_for_problems())
    (b1, b1_key), (b2, _) = imported.hosts
    assert (b1.host.identity_file, b1_key) == ("/keys/b1", KEY)
    assert b2.host.identity_file == "/keys/column"  # the column wins, as in Nix
    assert imported.skipped == [
        "b1: store URI parameter 'compress' (nixswarm keeps remote-program, ssh-key, base64-ssh-public-host-key)"
    ]


SHELL_HOSTILE = {
    **HOSTILE,
    "command-substitution": "$(evil)",
    "backticks": "`evil`",
    "pipe": "/bin/nix|evil",
    "and": "/bin/nix&&evil",
    "redirect": "/bin/nix>evil",
    "glob": "/bin/nix*evil",
    "percent-encoded": "/bin/%24(evil)",
    "plus": "/bin/nix+evil",
    "relative-path": "bin/evil",
    "leading-dash": "-evil",
    "trailing-slash": "/nix/evil/",
    "double-slash": "/nix//evil",
    "empty": "",
    "long-path": "/" + "e" * 1100 + "vil",
}


@pytest.mark.parametrize("value", SHELL_HOSTILE.values(), ids=SHELL_HOSTILE.keys())
def test_a_hostile_remote_program_is_refused_by_name(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate.remote_program(value)
    assert_names_value_safely(caught.value.message, value)
    with pytest.raises(ValidationError):
        Host("b1", ("10.0.0.2",), remote_program=value)


@pytest.mark.parametrize("value", ["%24evil", "/bin/nix+evil", "-evil", "bin/evil", "/x/evil/", "a,evil", "=evil"])
def test_an_entry_whose_remote_program_a_uri_allows_but_a_shell_must_not_get_is_skipped(value: str) -> None:
    entry = MachineEntry("b1", params=(("remote-program", value),))
    imported = hosts_from_machines([entry, MachineEntry("b2")])
    assert [e.host.name for e, _ in imported.hosts] == ["b2"]
    (reason,) = imported.skipped
    assert reason.startswith("b1: invalid store URI parameter remote-program ")
    assert_names_value_safely(reason, value)


@pytest.mark.parametrize("value", HOSTILE_PARAMS)
def test_a_hostile_remote_program_in_the_config_is_a_config_error(tmp_path: Path, value: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps({"hosts": {"b1": {"addresses": ["10.0.0.2"], "remote_program": value}}}))
    with pytest.raises(ConfigError, match=r"\[hosts\.b1\]: invalid remote program"):
        load_settings(config)


def test_a_scheme_in_the_config_must_be_one_nixswarm_writes(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps({"hosts": {"b1": {"addresses": ["10.0.0.2"], "scheme": "file"}}}))
    with pytest.raises(ConfigError, match="invalid scheme 'file'"):
        load_settings(config)

"""`export nixos` keeps a port other than 22: an ssh alias for the nix-daemon's ssh, and `[host]:port` known."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from nixswarm.files.nixos_export import nix_indented, render_nixos
from nixswarm.files.selection import Selected
from nixswarm.model.host import Host
from nixswarm.store.settings import Defaults, HostEntry
from tests.unit.hostile import KEY


def _evaluate(text: str) -> dict[str, Any]:
    """The snippet evaluated by Nix itself, as JSON, with the options flattened to their dotted names."""
    done = subprocess.run(
        ["nix-instantiate", "--eval", "--strict", "--json", "-E", text[text.index("{") :]],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    tree = json.loads(done.stdout)
    return {
        "nix.buildMachines": tree["nix"]["buildMachines"],
        **{f"programs.ssh.{k}": v for k, v in tree["programs"]["ssh"].items()},
    }


def test_a_host_on_another_port_is_reached_through_an_alias_with_that_port() -> None:
    hosts = [
        Selected(HostEntry(Host("hosted", ("build.example.com",), port=2222, user="nixbuild")), KEY),
        Selected(HostEntry(Host("b1", ("10.0.0.2",))), KEY),
    ]
    config = _evaluate(render_nixos(hosts, Defaults()))
    machines = config["nix.buildMachines"]
    assert [m["hostName"] for m in machines] == ["nixswarm-hosted", "10.0.0.2"]
    assert machines[0]["sshUser"] == "nixbuild" and machines[0]["publicHostKey"] == KEY.column8
    assert config["programs.ssh.extraConfig"] == (
        "Host nixswarm-hosted\n  HostName build.example.com\n  Port 2222\nHost *\n"
    )
    known = config["programs.ssh.knownHosts"]
    assert known["hosted"] == {"hostNames": ["[build.example.com]:2222"], "publicKey": KEY.line}
    assert known["b1"] == {"hostNames": ["10.0.0.2"], "publicKey": KEY.line}


def test_hosts_on_port_22_need_no_ssh_config() -> None:
    text = render_nixos([Selected(HostEntry(Host("b1", ("10.0.0.2",))), KEY)], Defaults())
    assert "extraConfig" not in text and "nixswarm-b1" not in text


def test_an_ipv6_host_gets_an_alias_too_with_its_scope_escaped_for_ssh() -> None:
    config = _evaluate(render_nixos([Selected(HostEntry(Host("v6", ("fe80::1%eth0",))), KEY)], Defaults()))
    assert config["programs.ssh.extraConfig"] == "Host nixswarm-v6\n  HostName fe80::1%%eth0\n  Port 22\nHost *\n"


def test_indented_strings_escape_what_would_end_or_interpolate_them() -> None:
    done = subprocess.run(
        ["nix-instantiate", "--eval", "--json", "-E", nix_indented("a '' b ${c} ''${d}\n")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert json.loads(done.stdout) == "a '' b ${c} ''${d}\n", done.stderr

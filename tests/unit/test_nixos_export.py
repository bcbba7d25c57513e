"""`nixswarm export nixos`: a configuration.nix snippet Nix itself parses."""

from __future__ import annotations

import subprocess

from nixswarm.files.nixos_export import nix_string, render_nixos
from nixswarm.files.selection import Selected
from nixswarm.model.choice import Choice
from nixswarm.model.host import Host
from nixswarm.store.settings import Defaults, HostEntry
from tests.unit.hostile import KEY


def test_the_snippet_is_valid_nix_with_every_column_and_the_pinned_key() -> None:
    hosts = [
        Selected(
            HostEntry(
                Host(
                    "b1",
                    ("10.0.0.2",),
                    user="nix",
                    identity_file="/home/a/.ssh/id_ed25519",
                    systems=("x86_64-linux", "i686-linux"),
                    features=("kvm",),
                ),
                Choice(max_jobs=4, speed_factor=2),
            ),
            KEY,
        ),
        Selected(HostEntry(Host("b2", ("fe80::1",), port=2222)), KEY),
    ]
    text = render_nixos(hosts, Defaults(user="root"))
    parsed = subprocess.run(["nix-instantiate", "--parse", "-E", text], capture_output=True, text=True, check=False)
    assert parsed.returncode == 0, parsed.stderr
    assert 'hostName = "10.0.0.2";' in text and 'sshUser = "nix";' in text and 'sshUser = "root";' in text
    assert "maxJobs = 4;" in text and 'systems = [ "x86_64-linux" "i686-linux" ];' in text
    assert f'publicHostKey = "{KEY.column8}";' in text
    assert 'hostNames = [ "[fe80::1]:2222" ];' in text and f'publicKey = "{KEY.line}";' in text


def test_nix_strings_escape_what_would_end_or_interpolate_them() -> None:
    assert nix_string('a"b') == '"a\\"b"'
    assert nix_string("${evil}") == '"\\${evil}"'
    assert nix_string("a\\") == '"a\\\\"'
    done = subprocess.run(
        ["nix-instantiate", "--eval", "-E", nix_string('x"${y}\\\n')], capture_output=True, text=True, check=False
    )
    assert done.stdout.strip() == '"x\\"\\${y}\\\\\\n"', done.stderr

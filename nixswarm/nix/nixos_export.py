"""The selection as a NixOS configuration snippet: `nix.buildMachines` and `programs.ssh.knownHosts`."""

from __future__ import annotations

from collections.abc import Sequence

from nixswarm.selection import Selected
from nixswarm.store.settings import Defaults


def nix_string(text: str) -> str:
    """A Nix string literal (values are validated already; escaping keeps it so whatever they hold)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("${", "\\${").replace("\n", "\\n")
    return f'"{escaped}"'


def _list(items: Sequence[str]) -> str:
    return "[ " + " ".join(nix_string(i) for i in items) + " ]"


def render_nixos(selected: Sequence[Selected], defaults: Defaults) -> str:
    """A snippet for configuration.nix; host keys are pinned through knownHosts, not column 8."""
    machines, known = [], []
    for s in selected:
        host, choice = s.entry.host, s.entry.choice
        user = host.user or defaults.user
        key = host.identity_file or defaults.identity
        fields = [
            f"      hostName = {nix_string(host.address)};",
            f"      protocol = {nix_string(defaults.scheme)};",
            f"      systems = {_list(host.systems)};" if host.systems else None,
            f"      sshUser = {nix_string(user)};" if user else None,
            f"      sshKey = {nix_string(key)};" if key else None,
            f"      maxJobs = {choice.max_jobs};",
            f"      speedFactor = {max(1, round(choice.speed_factor))};",
            f"      supportedFeatures = {_list(host.features)};",
            f"      mandatoryFeatures = {_list(host.mandatory_features)};",
            f"      publicHostKey = {nix_string(s.key.column8)};",
        ]
        machines.append("    {\n" + "\n".join(f for f in fields if f) + "\n    }")
        port = f"[{host.address}]:{host.port}" if host.port != 22 else host.address
        known.append(f"    {nix_string(host.name)} = {{\n      hostNames = {_list([port])};\n"
                     f"      publicKey = {nix_string(s.key.line)};\n    }};")  # fmt: skip
    lines = [
        "# nixswarm export nixos: the hosts you chose and trusted, for configuration.nix",
        "{",
        "  nix.distributedBuilds = true;",
        "  nix.buildMachines = [",
        *machines,
        "  ];",
        "  programs.ssh.knownHosts = {",
        *known,
        "  };",
        "}",
    ]
    return "\n".join(lines) + "\n"

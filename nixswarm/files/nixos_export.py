"""The selection as a NixOS configuration snippet: `nix.buildMachines`, `programs.ssh.knownHosts`, ssh aliases."""

from __future__ import annotations

from collections.abc import Sequence

from nixswarm.files.selection import Selected
from nixswarm.model.host import Host
from nixswarm.ssh.alias import alias_for
from nixswarm.ssh.config_render import hostname_value
from nixswarm.store.settings import Defaults


def nix_string(text: str) -> str:
    """A Nix string literal (values are validated already; escaping keeps it so whatever they hold)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("${", "\\${").replace("\n", "\\n")
    return f'"{escaped}"'


def nix_indented(text: str) -> str:
    """A Nix indented string (two single quotes around it), with its two escapes, so Nix takes text as it is."""
    return "''\n" + text.replace("''", "'''").replace("${", "''${") + "''"


def _list(items: Sequence[str]) -> str:
    return "[ " + " ".join(nix_string(i) for i in items) + " ]"


def _needs_alias(host: Host) -> bool:
    """nix.buildMachines has no port option, and Nix before 2.31 misreads an IPv6 address in the store URI."""
    return host.port != 22 or ":" in host.address


def _alias_block(host: Host) -> str:
    """The Host block that root's ssh (the nix-daemon's) reads from /etc/ssh/ssh_config."""
    return f"    Host {alias_for(host.name)}\n      HostName {hostname_value(host.address)}\n      Port {host.port}\n"


def render_nixos(selected: Sequence[Selected], defaults: Defaults) -> str:
    """A snippet for configuration.nix; host keys are pinned through knownHosts and publicHostKey.

    A host on a port other than 22, or at an IPv6 address, is named by its alias `nixswarm-NAME`, whose Host block
    in programs.ssh.extraConfig gives the address and the port."""
    machines, known, aliases = [], [], []
    for s in selected:
        host, choice = s.entry.host, s.entry.choice
        user = host.user or defaults.user
        key = host.identity_file or defaults.identity
        if _needs_alias(host):
            aliases.append(_alias_block(host))
        name = alias_for(host.name) if _needs_alias(host) else host.address
        program = f"?remote-program={host.remote_program}" if host.remote_program else ""  # NixOS has no option
        fields = [
            f"      hostName = {nix_string(name + program)};",
            f"      protocol = {nix_string(host.scheme or defaults.scheme)};",
            f"      systems = {_list(host.systems)};" if host.systems else None,
            f"      sshUser = {nix_string(user)};" if user else None,
            f"      sshKey = {nix_string(key)};" if key else None,
            f"      maxJobs = {s.entry.max_jobs};",
            f"      speedFactor = {max(1, round(choice.speed_factor))};",
            f"      supportedFeatures = {_list(host.features)};",
            f"      mandatoryFeatures = {_list(host.mandatory_features)};",
            f"      publicHostKey = {nix_string(s.key.column8)};",
        ]
        machines.append("    {\n" + "\n".join(f for f in fields if f) + "\n    }")
        port = f"[{host.address}]:{host.port}" if host.port != 22 else host.address
        known.append(
            f"    {nix_string(host.name)} = {{\n      hostNames = {_list([port])};\n"
            f"      publicKey = {nix_string(s.key.line)};\n    }};"
        )
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
    ]
    if aliases:  # `Host *` last: lines other modules add to extraConfig after ours apply to every host again
        lines.append(f"  programs.ssh.extraConfig = {nix_indented(''.join(aliases) + '    Host *' + chr(10))};")
    lines.append("}")
    return "\n".join(lines) + "\n"

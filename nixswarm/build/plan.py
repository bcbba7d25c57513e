"""Plan one build: which hosts Nix gets, under which names, with which files and command line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nixswarm.build.nix_setup import NixSetup
from nixswarm.errors import ValidationError
from nixswarm.files.selection import Selected, Skipped, machine_entry
from nixswarm.model import validate
from nixswarm.nix.entry import MachineEntry
from nixswarm.nix.machines_render import render_entry
from nixswarm.ssh.alias import alias_for
from nixswarm.store.settings import Defaults

_KERNELS = "linux|darwin|freebsd|netbsd|openbsd|cygwin|windows"
_SYSTEM = re.compile(rf"(?<![a-z0-9_-])[a-z0-9_]{{1,32}}-({_KERNELS})(?![a-z0-9_])")


@dataclass(frozen=True)
class HostLine:
    """A host given to Nix: its machines line and the name Nix will print for it."""

    selected: Selected
    """The host and its approved key."""
    entry: MachineEntry
    """Its machines entry."""
    line: str
    """The rendered line."""

    @property
    def name(self) -> str:
        return self.selected.entry.host.name


@dataclass(frozen=True)
class Plan:
    """What nixswarm build will give Nix."""

    hosts: tuple[HostLine, ...]
    """Hosts in the builders file, in order."""
    skipped: tuple[Skipped, ...]
    """Hosts left out, with the reason."""
    needed_systems: tuple[str, ...]
    """Systems this build needs, as far as the command line tells."""
    notes: tuple[str, ...] = field(default=())
    """What the user should know (daemon mode, weight fallbacks)."""

    def machine_names(self) -> dict[str, str]:
        """Nix's name for each host's machine (its store URI) to the host name."""
        return {h.entry.store_uri: h.name for h in self.hosts}


def needed_systems(nix_args: tuple[str, ...], setup: NixSetup) -> tuple[str, ...]:
    """The local systems, plus any system named in the installables or by --system / --option system."""
    found = [setup.settings.system, *setup.settings.extra_platforms]
    for i, arg in enumerate(nix_args):
        if arg == "--system" and i + 1 < len(nix_args):
            found.append(nix_args[i + 1])
        elif arg == "--option" and i + 2 < len(nix_args) and nix_args[i + 1] == "system":
            found.append(nix_args[i + 2])
        elif not arg.startswith("-") and "#" in arg:
            found += [m.group(0) for m in _SYSTEM.finditer(arg.split("#", 1)[1])]
    return tuple(dict.fromkeys(found))


def plan_build(
    selected: list[Selected],
    skipped: list[Skipped],
    *,
    defaults: Defaults,
    setup: NixSetup,
    nix_args: tuple[str, ...],
    system_aliases: frozenset[str] = frozenset(),
) -> Plan:
    """Machines lines for the usable hosts; every other host with the reason it is left out."""
    needed = needed_systems(nix_args, setup)
    local_system = setup.settings.system
    lines: list[HostLine] = []
    left_out = list(skipped)
    for chosen in selected:
        host = chosen.entry.host
        systems = host.systems or (local_system,)
        if not set(systems) & set(needed):
            left_out.append(Skipped(host.name, f"builds {', '.join(systems)}, none of {', '.join(needed)}"))
            continue
        s = chosen
        via_alias = not setup.daemon or alias_for(host.name) in system_aliases  # root's ssh reads those
        key_file = True if setup.daemon else None  # root's ssh: always the key the check proved, in column 3
        entry = machine_entry(s, defaults, via_alias=via_alias, key_file=key_file)
        try:
            line = render_entry(entry, setup.settings.version)
        except ValidationError as err:
            hint = " (the daemon's ssh reads no alias of ours: sudo nixswarm write --system)" if setup.daemon else ""
            left_out.append(Skipped(host.name, f"{err.message}{hint}"))
            continue
        lines.append(HostLine(s, entry, line))
    for system in needed:
        validate.system(system, "needed system")
    return Plan(tuple(lines), tuple(left_out), needed)

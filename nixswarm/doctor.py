"""Checks of the local set-up that decide whether Nix will really use remote builders."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from nixswarm.errors import ConfigError
from nixswarm.store import paths
from nixswarm.store.settings import Settings
from nixswarm.store.settings_file import load_settings
from nixswarm.store.state import State, load_state

if TYPE_CHECKING:
    from nixswarm.build.nix_setup import NixSetup

Level = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Finding:
    """One check's outcome."""

    check: str
    """What was checked."""
    level: Level
    """ok, warn or fail."""
    message: str
    """What was found."""
    fix: str | None = None
    """What to do about it."""


async def run_checks(config: Path) -> list[Finding]:
    """Every check, in the order a user would fix them."""
    import os

    from nixswarm.build.nix_setup import check_nix
    from nixswarm.errors import NixswarmError

    findings: list[Finding] = []
    setup: NixSetup | None = None
    try:
        setup = await check_nix(os.environ)  # what `nixswarm build` checks, asked of Nix once
        systems = ", ".join((setup.settings.system, *setup.settings.extra_platforms))
        findings.append(Finding("nix", "ok", f"Nix {setup.settings.version}, systems {systems}"))
    except NixswarmError as err:
        findings.append(Finding("nix", "fail", err.message, "sudo apt-get install nix-bin"))
    for tool in ("ssh", "ssh-keygen"):
        found = shutil.which(tool)
        findings.append(
            Finding(tool, "ok", found)
            if found
            else Finding(tool, "fail", f"`{tool}` is not on PATH", "sudo apt-get install openssh-client")
        )
    settings, state = None, None
    try:
        settings = load_settings(config)
        findings.append(_readable("config", config))
    except ConfigError as err:
        findings.append(Finding("config", "fail", err.message, f"fix or move away {config}"))
    try:
        state = load_state(paths.state_file())
        findings.append(_readable("state", paths.state_file()))
    except ConfigError as err:
        findings.append(Finding("state", "fail", err.message, f"fix or move away {paths.state_file()}"))
    if setup is not None:
        findings += _build_checks(setup)
    if setup is not None and setup.daemon and settings is not None and state is not None:
        findings += await _root_key_checks(settings, state)
    if settings is not None and state is not None:
        findings += _key_checks(settings, state)
    return findings


def _readable(label: str, path: Path) -> Finding:
    return Finding(label, "ok", f"{path} is readable" if path.exists() else f"{path} (not yet)")


def _build_checks(setup: NixSetup) -> list[Finding]:
    """What `nixswarm build` checks before nix runs: who runs ssh, and whether --builders would be honoured."""
    import os

    from nixswarm.files.system_files import system_aliases, system_targets

    if not setup.daemon:
        return [Finding("builders", "ok", "no nix-daemon: nix runs ssh as you, with nixswarm's ssh config")]
    found = [Finding("daemon", "ok", "a nix-daemon builds: it runs ssh as root")]
    if setup.trusted:
        found.append(Finding("trusted-users", "ok", f"the daemon trusts {setup.user}: --builders is honoured"))
    else:
        found.append(
            Finding(
                "trusted-users",
                "fail",
                f"the daemon does not trust {setup.user}: it silently ignores --builders (and --local-weight)",
                f"add {setup.user} to trusted-users in /etc/nix/nix.conf, then restart nix-daemon",
            )
        )
    drop_in = system_targets().ssh_config
    if system_aliases():
        found.append(Finding("root ssh", "ok", "root's ssh reads nixswarm's drop-in (tuned transport, aliases)"))
    elif drop_in.exists() and not os.access(drop_in, os.R_OK):
        found.append(
            Finding(
                "root ssh",
                "fail",
                f"{drop_in} exists, but {setup.user} cannot read it, so nixswarm build cannot use its aliases",
                "sudo nixswarm write --system (it writes the file 0644; it holds no secret)",
            )
        )
    else:
        found.append(
            Finding(
                "root ssh",
                "warn",
                "root's ssh reads no nixswarm settings: default transport, no connection reuse",
                "sudo nixswarm write --system",
            )
        )
    return found


async def _root_key_checks(settings: Settings, state: State) -> list[Finding]:
    """Through a daemon: the key file root's ssh is given for each enabled host, or why it has none."""
    import os

    from nixswarm.files.root_key import root_keys
    from nixswarm.files.selection import resolve

    selected, _ = resolve(settings, state)
    keys = await root_keys(selected, settings.defaults, agent=bool(os.environ.get("SSH_AUTH_SOCK")))
    found: list[Finding] = []
    given: dict[str, list[str]] = {}
    for key in keys:
        if key.path is not None:
            given.setdefault(key.path, []).append(key.name)
        if key.problem is not None:
            found.append(Finding("root key", "fail", f"{key.name}: {key.problem}", key.fix))
        if key.caution is not None:
            found.append(Finding("root key", "warn", f"{key.name}: {key.caution}"))
    for path, names in given.items():
        found.insert(0, Finding("root key", "ok", f"root's ssh is given {path} for {', '.join(names)}"))
    return found


def _key_checks(settings: Settings, state: State) -> list[Finding]:
    """Identity files exist, are private, and every enabled host has an approved key."""
    import stat

    found: list[Finding] = []
    keys = {h.host.identity_file or settings.defaults.identity for h in settings.hosts} - {None}
    for key in sorted(k for k in keys if k):
        try:
            mode = Path(key).stat().st_mode
        except OSError as err:
            found.append(Finding("identity", "fail", f"{key}: {err.strerror}", "ssh-keygen -t ed25519 -f " + key))
            continue
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            found.append(
                Finding("identity", "fail", f"{key} is readable by others: ssh refuses it", f"chmod 600 {key}")
            )
        else:
            found.append(Finding("identity", "ok", f"{key} is private"))
    for entry in settings.hosts:
        if entry.choice.enabled and state.approved_key(entry.host.name) is None:
            name = entry.host.name
            found.append(
                Finding(
                    "host key", "warn", f"{name}: key not approved, so it is never used", f"nixswarm hosts trust {name}"
                )
            )
    return found

"""Check the local Nix before a build: what would silently ignore or break --builders."""

from __future__ import annotations

import getpass
import grp
import json
import os
import pwd
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from nixswarm.errors import ConnectionFailure, NixswarmError, ValidationError
from nixswarm.model.nixversion import NixVersion
from nixswarm.nix.commands import EXPERIMENTAL
from nixswarm.nix.local_nix import local_nix_config, run_nix
from nixswarm.nix.local_settings import LocalNixSettings, parse_local_settings

STATE_DIR = Path("/nix/var/nix")
TRUSTED_FIELD = NixVersion(2, 15)
STORE_INFO = NixVersion(2, 19)


@dataclass(frozen=True)
class NixSetup:
    """How this build's nix will run."""

    settings: LocalNixSettings
    """The local Nix's settings."""
    daemon: bool
    """A nix-daemon builds: it runs ssh as root, reading neither NIX_SSHOPTS nor nixswarm's ssh config."""
    trusted: bool
    """The daemon (if any) honours this user's --builders."""
    user: str
    """Who runs nix."""


def uses_daemon(store: str, env: Mapping[str, str]) -> bool:
    """Nix's own choice between the local store and the daemon (`auto` picks the daemon without db access)."""
    value = env.get("NIX_REMOTE") or store
    if value == "daemon" or value.startswith("unix://"):
        return True
    if value not in ("", "auto"):
        return False
    if os.access(STATE_DIR / "db", os.W_OK) or (not (STATE_DIR / "db").exists() and os.access("/nix", os.W_OK)):
        return False
    socket = env.get("NIX_DAEMON_SOCKET_PATH") or str(STATE_DIR / "daemon-socket" / "socket")
    return Path(socket).exists()


def trusted_by_config(user: str, trusted_users: tuple[str, ...]) -> bool:
    """Whether trusted-users names the user, one of its groups, or `*`."""
    if user == "root" or "*" in trusted_users or user in trusted_users:
        return True
    groups = {t[1:] for t in trusted_users if t.startswith("@")}
    if not groups:
        return False
    try:
        primary = grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name
    except KeyError:
        primary = None
    return primary in groups or any(user in grp.getgrnam(g).gr_mem for g in groups if _group_exists(g))


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


async def _daemon_says_trusted(version: NixVersion, env: Mapping[str, str]) -> bool | None:
    """From 2.15 the daemon tells a client whether it is trusted; None when it cannot be asked."""
    if version < TRUSTED_FIELD:
        return None
    verb = ["store", "info"] if version >= STORE_INFO else ["store", "ping"]
    try:
        trusted = json.loads(await run_nix(["nix", *EXPERIMENTAL, *verb, "--json"], 15, env)).get("trusted")
    except (RuntimeError, OSError, ValueError, AttributeError):
        return None
    return bool(trusted) if isinstance(trusted, int) else None


async def check_nix(env: Mapping[str, str]) -> NixSetup:
    """The local Nix's setup; NixswarmError naming what would make Nix ignore or fail the builders."""
    try:
        version, config = await local_nix_config(15, env)
    except RuntimeError as err:
        raise NixswarmError(str(err), title="No Nix") from None
    try:
        settings = parse_local_settings(config, version)
    except ValidationError as err:
        raise NixswarmError(f"the local Nix gave unexpected output: {err.message}", title="Nix config") from None
    user = _user()
    daemon = uses_daemon(settings.store, env)
    trusted = True
    if daemon:
        asked = await _daemon_says_trusted(version, env)
        trusted = asked if asked is not None else trusted_by_config(user, settings.trusted_users)
    return NixSetup(settings, daemon, trusted, user)


def _user() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return getpass.getuser()


def require_trusted(setup: NixSetup) -> None:
    """The plain error Nix never gives: the daemon would ignore --builders (2.8 says so only at -vvvv, from 2.22 in
    a warning before the build goes on without them)."""
    if setup.daemon and not setup.trusted:
        version = setup.settings.version
        ignore, told = (
            ("ignore", f"Nix {version} only warns that it ignores the setting")
            if version.warns_ignored_builders
            else ("silently ignore", f"Nix {version} says so only at -vvvv")
        )
        raise ConnectionFailure(
            f"the nix-daemon does not trust user {setup.user!r}, so it would {ignore} --builders and build "
            f"everything locally ({told}). Add the user to trusted-users in /etc/nix/nix.conf (now: "
            f"{' '.join(setup.settings.trusted_users) or 'empty'}) and restart nix-daemon, or build as a trusted user.",
            title="Builders would be ignored",
        )

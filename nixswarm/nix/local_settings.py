"""The settings of the local Nix that decide whether a build with --builders can work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nixswarm.errors import ValidationError
from nixswarm.model.nixversion import NixVersion
from nixswarm.nix.config_parse import load_config_json, setting_value


@dataclass(frozen=True)
class LocalNixSettings:
    """What nixswarm build checks before it runs nix."""

    version: NixVersion
    """`nix --version`."""
    system: str
    """The local system."""
    extra_platforms: tuple[str, ...]
    """Other systems the local machine builds."""
    store: str
    """The `store` setting: auto, daemon, local, a URI."""
    trusted_users: tuple[str, ...]
    """Users (and @groups) the daemon trusts with --builders."""
    build_hook: tuple[str, ...]
    """The hook program and its arguments (one path on 2.8, a list later)."""
    max_jobs: int
    """Local build slots."""


def _words(config: dict[str, Any], key: str) -> tuple[str, ...]:
    value = setting_value(config, key, [])
    items = value.split() if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) and len(i) < 4096 for i in items):
        raise ValidationError(f"nix setting {key!r}", value, "must be a list of words")
    return tuple(items)[:256]


def parse_local_settings(text: str | bytes, version: NixVersion) -> LocalNixSettings:
    """From `nix show-config --json` / `nix config show --json`; ValidationError naming the setting otherwise."""
    config = load_config_json(text)
    system, store, jobs = (
        setting_value(config, "system", None),
        setting_value(config, "store", "auto"),
        setting_value(config, "max-jobs", 1),
    )
    if not isinstance(system, str) or not isinstance(store, str):
        raise ValidationError("nix setting 'system' or 'store'", (system, store), "missing or not text")
    if isinstance(jobs, bool) or not isinstance(jobs, int):
        raise ValidationError("nix setting 'max-jobs'", jobs, "must be a whole number")
    return LocalNixSettings(
        version=version,
        system=system,
        extra_platforms=_words(config, "extra-platforms"),
        store=store,
        trusted_users=_words(config, "trusted-users"),
        build_hook=_words(config, "build-hook"),
        max_jobs=jobs,
    )

"""Ask the local Nix for its facts."""

from __future__ import annotations

import os
from collections.abc import Mapping

from nixswarm.captured import captured
from nixswarm.errors import ValidationError
from nixswarm.model.facts import NixFacts
from nixswarm.model.nixversion import NixVersion
from nixswarm.nix.commands import config_show_argv, version_argv
from nixswarm.nix.config_parse import parse_nix_config


async def run_nix(argv: list[str], timeout: float, env: Mapping[str, str] | None = None) -> bytes:
    """stdout of a Nix command; FileNotFoundError without nix, RuntimeError saying why it failed or hung."""
    return await captured(argv, timeout, f"`{' '.join(argv)}`", env=dict(env if env is not None else os.environ))


async def local_nix_config(timeout: float = 10.0, env: Mapping[str, str] | None = None) -> tuple[NixVersion, bytes]:
    """The local Nix's version and its JSON config dump; RuntimeError saying why not."""
    try:
        out = await run_nix(version_argv(), timeout, env)
    except FileNotFoundError:
        raise RuntimeError("Nix is not installed (no `nix` on PATH)") from None
    try:
        version = NixVersion.parse(out.decode("utf-8", "replace"))
    except ValidationError as err:
        raise RuntimeError(f"the local Nix gave unexpected output: {err.message}") from None
    return version, await run_nix(config_show_argv(version), timeout, env)


async def local_nix_facts(timeout: float = 10.0) -> NixFacts:
    """Version, systems and features of the local Nix; RuntimeError saying why not."""
    version, config = await local_nix_config(timeout)
    try:
        return parse_nix_config(config, version)
    except ValidationError as err:
        raise RuntimeError(f"the local Nix gave unexpected output: {err.message}") from None

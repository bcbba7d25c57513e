"""Ask the local Nix for its facts."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping

from nixswarm.errors import ValidationError
from nixswarm.model.facts import NixFacts
from nixswarm.model.nixversion import NixVersion
from nixswarm.nix.commands import config_show_argv, version_argv
from nixswarm.nix.config_parse import parse_nix_config


async def run_nix(argv: list[str], timeout: float, env: Mapping[str, str] | None = None) -> bytes:
    """stdout of a Nix command; FileNotFoundError without nix, RuntimeError saying why it failed or hung."""
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=dict(env if env is not None else os.environ),
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise RuntimeError(f"`{' '.join(argv)}` did not answer within {timeout:g} s") from None
    if proc.returncode != 0:
        detail = err.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"`{' '.join(argv)}` failed: {detail[-1] if detail else proc.returncode}")
    return out


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

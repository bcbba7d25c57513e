"""Ask the local Nix for its facts."""

from __future__ import annotations

import asyncio
import os

from nixswarm.errors import ValidationError
from nixswarm.model.facts import NixFacts
from nixswarm.model.nixversion import NixVersion
from nixswarm.nix.commands import config_show_argv, version_argv
from nixswarm.nix.config_parse import parse_nix_config


async def _run(argv: list[str], timeout: float) -> bytes:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=os.environ.copy()
    )
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


async def local_nix_facts(timeout: float = 10.0) -> NixFacts:
    """Version, systems and features of the local Nix; RuntimeError saying why not."""
    try:
        out = await _run(version_argv(), timeout)
    except FileNotFoundError:
        raise RuntimeError("Nix is not installed (no `nix` on PATH)") from None
    try:
        version = NixVersion.parse(out.decode("utf-8", "replace"))
        config = await _run(config_show_argv(version), timeout)
        return parse_nix_config(config, version)
    except ValidationError as err:
        raise RuntimeError(f"the local Nix gave unexpected output: {err.message}") from None

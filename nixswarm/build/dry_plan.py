"""Which derivations a build will build, asked of Nix with a dry run beside the real build.

`nix build` names the derivations it will build only with `--dry-run` (Nix 2.8, 2.26 and 2.34 alike). The dry
run evaluates the same installables once more, alongside the real build rather than before it, so the build never
waits for it; its list feeds the ETA's critical path (build_graph.py). It is stopped after LIMIT seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence

from nixswarm.build.build_graph import BuildGraph
from nixswarm.build.log_events import Message, parse_line

LIMIT = 120.0
"""Seconds the dry run may take (a huge evaluation gives up; the ETA then keeps its rule without the graph)."""


def dry_argv(argv: Sequence[str]) -> list[str]:
    """The build's nix command line as a dry run: `--dry-run` after `build`, and `--no-write-lock-file` so that
    it never writes a flake's lock file while the build may."""
    at = list(argv).index("build") + 1
    return [*argv[:at], "--dry-run", "--no-write-lock-file", *argv[at:]]


class DryPlan:
    """One dry run beside the build; stop() ends it without cancelling a task that may be starting a process
    (Python 3.11's subprocess start, cancelled halfway, waits forever: python/cpython#103847)."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        self.argv = dry_argv(argv)
        self.env = dict(env)
        self.stopping = False
        self.proc: asyncio.subprocess.Process | None = None

    async def run(self) -> list[str]:
        """The .drv paths Nix would build; [] when the dry run fails, takes too long or is stopped."""
        listing = BuildGraph()
        try:
            self.proc = proc = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                env=self.env,
                limit=1 << 20,
            )
        except OSError:
            return []
        try:
            if self.stopping:
                return []
            async with asyncio.timeout(LIMIT):
                assert proc.stderr is not None
                while line := await proc.stderr.readline():
                    event = parse_line(line.decode("utf-8", "replace").rstrip("\n"))
                    if isinstance(event, Message):
                        listing.message(event.text, read=False)
                await proc.wait()
        except (TimeoutError, ValueError):
            return []
        finally:
            if proc.returncode is None:
                proc.kill()
                with contextlib.suppress(ProcessLookupError):
                    await proc.wait()
        return listing.planned if proc.returncode == 0 and not self.stopping else []

    def stop(self) -> None:
        """End the dry run now (the build is over)."""
        self.stopping = True
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()

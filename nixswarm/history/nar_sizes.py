"""The NAR size of what a build's derivations output, asked of the local Nix (`nix-store --query --size`) at once.

`nix-store --query --size` exists in Nix 2.8 through 2.34 and prints one number per path, in order; one path that
is not valid fails the whole call, so only paths on disk are asked about, and a call that fails is asked again in
halves (a path on disk but not valid, such as an output left by a failed build, costs its neighbours nothing).
Whatever else goes wrong (no nix-store, a hang past TIMEOUT, a line that is not a number) leaves the sizes unknown.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

from nixswarm.hook.drvinputs import output_paths

TIMEOUT = 5.0
"""Seconds nix-store gets for one build, over all its calls; what is not answered by then stays unknown."""
CHUNK_BYTES = 64 * 1024
"""Most bytes of store paths on one command line (far below any system's limit)."""
_SIZE = re.compile(rb"[0-9]{1,19}")

Runner = Callable[[list[str], float], bytes]
"""Runs an argv with a timeout in seconds: its stdout; OSError or subprocess.SubprocessError when it fails."""


def run_argv(argv: list[str], timeout: float) -> bytes:
    """stdout of argv (no shell, no stdin); CalledProcessError for a non-zero exit, TimeoutExpired for a hang."""
    return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=True).stdout


def chunks(paths: Sequence[str], limit: int = CHUNK_BYTES) -> Iterator[list[str]]:
    """paths in order, cut into lists of at most limit bytes (a longer path alone)."""
    chunk: list[str] = []
    size = 0
    for path in paths:
        if chunk and size + len(path) + 1 > limit:
            yield chunk
            chunk, size = [], 0
        chunk.append(path)
        size += len(path) + 1
    if chunk:
        yield chunk


def query_sizes(
    paths: Sequence[str], nix_store: str, *, run: Runner = run_argv, timeout: float | None = None
) -> dict[str, int]:
    """The NAR size of each of paths nix-store answered for: one call per chunk of paths, all within timeout
    (TIMEOUT unless told)."""
    deadline = time.monotonic() + (TIMEOUT if timeout is None else timeout)
    sizes: dict[str, int] = {}
    waiting = list(chunks(paths))
    waiting.reverse()
    while waiting:
        chunk = waiting.pop()
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            out = run([nix_store, "--query", "--size", *chunk], left)
        except subprocess.CalledProcessError:
            if len(chunk) > 1:  # one path nix refused: ask again in halves, in order
                half = len(chunk) // 2
                waiting += [chunk[half:], chunk[:half]]
            continue
        except (OSError, subprocess.SubprocessError):
            break  # no nix-store, or it hung past the deadline: asking again would too
        lines = out.splitlines()
        if len(lines) == len(chunk) and all(_SIZE.fullmatch(line) for line in lines):
            sizes.update(zip(chunk, map(int, lines), strict=True))
    return sizes


def nar_sizes(
    drvs: Iterable[str],
    *,
    nix_store: str | None = None,
    exists: Callable[[str], bool] = os.path.exists,
    run: Runner = run_argv,
) -> dict[str, int | None]:
    """Each .drv -> the sum of its outputs' NAR sizes (None when one of them is unknown, or it names none).

    Its outputs come from the .drv file; nix-store is the one on PATH unless nix_store names it."""
    outputs = {drv: output_paths(drv) for drv in drvs}
    present = sorted({path for paths in outputs.values() for path in paths if exists(path)})
    binary = nix_store or shutil.which("nix-store")
    sizes = query_sizes(present, binary, run=run) if present and binary else {}
    return {
        drv: sum(sizes[path] for path in paths) if paths and all(path in sizes for path in paths) else None
        for drv, paths in outputs.items()
    }

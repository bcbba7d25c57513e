"""Which Nix a lab host runs: the one of the root the tests run in, or another Debian's in a cached chroot."""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

CACHE = Path("/var/cache/nixswarm-lab")
"""Where tests/matrix/nixroot.sh keeps the chroots (as this machine's own root sees it)."""
SUITES = ("trixie", "sid")
"""The chroots besides this machine's own Debian: Nix 2.26 and 2.34."""


class NixRootMissing(RuntimeError):
    """No root on this machine holds the Nix a test asked for."""


def host_root() -> Path:
    """This machine's own root: / outside a chroot, its bind mount when the tests run inside one."""
    return Path(os.environ.get("NIXSWARM_LAB_HOST_ROOT") or "/")


def nix_series(root: Path) -> str | None:
    """The nix-bin installed in root as MAJOR.MINOR (2.8, 2.26, 2.34), or None."""
    done = subprocess.run(
        ["dpkg-query", f"--admindir={root / 'var/lib/dpkg'}", "-W", "-f", "${Version}", "nix-bin"],
        capture_output=True,
        text=True,
        check=False,
    )
    version = done.stdout.strip().split(":")[-1]
    parts = version.split(".")
    if done.returncode != 0 or len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):
        return None
    return f"{parts[0]}.{parts[1]}"


@functools.cache
def roots() -> dict[str, Path]:
    """Each Nix series this machine can run, with the root that holds it ("/" for the one the tests run in)."""
    found: dict[str, Path] = {}
    own = nix_series(Path("/"))
    if own:
        found[own] = Path("/")
    base = host_root()
    for candidate in (base, *(base / str(CACHE).lstrip("/") / s for s in SUITES)):
        series = nix_series(candidate) if (candidate / "usr/bin/nix-build").exists() else None
        if series and series not in found:
            found[series] = candidate
    return found


def own_series() -> str:
    """The Nix series of the root the tests run in (the client's Nix)."""
    series = nix_series(Path("/"))
    if series is None:
        raise NixRootMissing("nix-bin is not installed here (tests/run.sh installs it)")
    return series


def root_for(series: str | None) -> Path:
    """The root whose Nix is series (None: the tests' own)."""
    if series is None:
        return Path("/")
    found = roots()
    if series not in found:
        have = ", ".join(sorted(found)) or "none"
        raise NixRootMissing(
            f"no chroot with Nix {series} (have: {have}); tests/run.sh makes them in {CACHE} "
            "(NIXSWARM_NIX_MATRIX=0 skips the other versions)"
        )
    return found[series]


def matrix_wanted() -> bool:
    """Whether the other Nix versions must run (only an explicit NIXSWARM_NIX_MATRIX=0 skips them)."""
    return os.environ.get("NIXSWARM_NIX_MATRIX") != "0"

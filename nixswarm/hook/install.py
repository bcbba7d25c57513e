"""What a build wrapper needs to put the proxy in front of Nix's build hook for one nix invocation."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nixswarm
from nixswarm.hook.config import ENV
from nixswarm.model import NixVersion

LAUNCHER = "nixswarm-build-hook"
SHEBANG_MAX = 255
"""Linux reads at most 256 bytes of a #! line (BINPRM_BUF_SIZE, kernel 5.1+)."""


def real_hook_of(setting: str | list[str]) -> list[str]:
    """The build-hook value Nix reports (`nix show-config --json`): a path up to 2.16, a list or words later."""
    words = setting if isinstance(setting, list) else setting.split()
    if not words:
        raise ValueError("the build-hook setting is empty: Nix does no remote builds")
    return words


def decline_to_wait(version: NixVersion) -> bool:
    """Up to 2.35.1 a derivation waiting for a build slot is asked again whenever any build ends (worker.cc)."""
    return version < NixVersion(2, 35, 2)


def policy_json(
    local_share: float | None,
    ledger: Path,
    real_hook: list[str],
    version: NixVersion,
    *,
    hosts: list[dict[str, object]] | None = None,
    loads: Path | None = None,
    durations: Path | None = None,
) -> str:
    """The value of NIXSWARM_HOOK_POLICY for this Nix: the local share (None: Nix's own), and the builders the
    scheduler places work on (none: Nix's own hook chooses)."""
    policy: dict[str, object] = {
        "local_share": local_share,
        "ledger": str(ledger),
        "real_hook": real_hook,
        "decline_to_wait": decline_to_wait(version),
    }
    if hosts:
        policy["hosts"] = hosts
    if loads is not None:
        policy["loads"] = str(loads)
    if durations is not None:
        policy["durations"] = str(durations)
    return json.dumps(policy)


def launcher_text(policy: str | None, python: str = sys.executable) -> str:
    """A script Nix can exec: Python without site (-S, fast) or PYTHON* variables (-E), the policy built in.

    Nix 2.8 accepts only an absolute path as build-hook; a daemon runs the hook with its own environment, so the
    policy travels inside the file (a NIXSWARM_HOOK_POLICY set in the hook's environment still wins).
    """
    shebang = f"#!{python} -SE"
    if len(shebang) > SHEBANG_MAX or any(c.isspace() for c in python):
        raise ValueError(f"{python!r} cannot follow #! (spaces, or longer than {SHEBANG_MAX} bytes)")
    package_root = str(Path(nixswarm.__file__).resolve().parent.parent)
    lines = [shebang, "import os, sys", f"sys.path.insert(0, {package_root!r})"]
    if policy is not None:
        lines.append(f"os.environ.setdefault({ENV!r}, {policy!r})")
    lines += ["from nixswarm.hook.__main__ import main", "raise SystemExit(main())", ""]
    return "\n".join(lines)


def write_launcher(folder: Path, policy: str | None, python: str = sys.executable) -> Path:
    """folder/nixswarm-build-hook, executable, written atomically."""
    target = folder / LAUNCHER
    temp = folder / f".{LAUNCHER}.{os.getpid()}.tmp"
    with temp.open("w") as out:
        out.write(launcher_text(policy, python))
        out.flush()
        os.fsync(out.fileno())
    temp.chmod(0o755)
    temp.replace(target)
    return target


def build_hook_options(launcher: Path) -> list[str]:
    """Arguments for nix / nix-build: one absolute path works on 2.8 (a path setting) and on current Nix (a list)."""
    return ["--option", "build-hook", str(launcher)]

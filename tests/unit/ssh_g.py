"""Ask the real OpenSSH client how it reads a config file: `ssh -G -F FILE ALIAS`."""

from __future__ import annotations

import subprocess
from pathlib import Path

SSH = "/usr/bin/ssh"


def ssh_g(config: Path, alias: str) -> dict[str, str]:
    """ssh's resolved options for alias (lower-case keyword to value; the last of repeated keywords)."""
    done = subprocess.run(
        [SSH, "-G", "-F", str(config), alias],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=10,
        check=False,
    )
    assert done.returncode == 0, f"ssh -G -F {config} {alias}: {done.stderr}"
    options: dict[str, str] = {}
    for line in done.stdout.splitlines():
        key, _, value = line.partition(" ")
        options[key] = value
    return options

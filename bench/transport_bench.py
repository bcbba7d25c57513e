"""Transport: copy a 256 MiB store path of random bytes to a lab builder with nixswarm's ssh settings, with
OpenSSH's defaults, and with `Compression yes`; side by side in one run."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from tests.lab import Builder, BuilderSpec, Lab

SIZE_MIB = 256
ROUNDS = 3


def _ssh_base(lab: Lab) -> str:
    return f"-F /dev/null -i {lab.client_key} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no " \
           "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"  # fmt: skip


VARIANTS = {
    "nixswarm (aes128-gcm, Compression no)": "-o Ciphers=aes128-gcm@openssh.com -o Compression=no",
    "OpenSSH defaults": "",
    "Compression yes": "-o Compression=yes",
}


def _copy(lab: Lab, b: Builder, path: str, extra: str) -> float:
    env = {**lab.client_env(), "NIX_SSHOPTS": f"{_ssh_base(lab)} {extra}".strip()}
    argv = ["nix", "--extra-experimental-features", "nix-command", "copy", "--to", f"ssh-ng://root@{b.address}", path]
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True, timeout=900)
    took = time.perf_counter() - started
    ssh = ["ssh", *_ssh_base(lab).split(), f"root@{b.address}", "nix-store", "--delete", path]
    subprocess.run(ssh, check=True, capture_output=True, timeout=120)
    return took


def run() -> str:
    """The markdown section."""
    samples: dict[str, list[float]] = {}
    with Lab([BuilderSpec()]) as lab, tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
        blob = Path(tmp) / "random.bin"
        with blob.open("wb") as out:
            for _ in range(SIZE_MIB):
                out.write(os.urandom(1 << 20))
        path = subprocess.run(["nix-store", "--add", str(blob)], capture_output=True, text=True, check=True,
                              env=lab.client_env()).stdout.strip()  # fmt: skip
        try:
            for _ in range(ROUNDS):  # interleaved
                for name, extra in VARIANTS.items():
                    samples.setdefault(name, []).append(_copy(lab, lab.builders[0], path, extra))
        finally:
            subprocess.run(["nix-store", "--delete", path], capture_output=True, check=False, env=lab.client_env())
    base = statistics.median(samples["nixswarm (aes128-gcm, Compression no)"])
    rows = []
    for name, s in samples.items():
        median = statistics.median(s)
        rows.append(f"| {name} | {median:.2f} ({min(s):.2f}-{max(s):.2f}) | {SIZE_MIB / median:.0f} "
                    f"| {median / base:.2f}x |")  # fmt: skip
    return "\n".join([
        "## Transport: copying a 256 MiB store path",
        "",
        f"`nix copy --to ssh-ng://` of a {SIZE_MIB} MiB path of random bytes to a lab builder (over a veth, so the "
        f"cipher and compression are the limit), {ROUNDS} interleaved rounds; the path is deleted on the builder "
        "after each copy. Time relative to nixswarm's settings (higher is slower).",
        "",
        "| ssh settings | seconds, median (min-max) | MiB/s | time vs nixswarm |",
        "|---|---:|---:|---:|",
        *rows,
    ])  # fmt: skip

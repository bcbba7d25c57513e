"""Transport: copy a 256 MiB store path of random bytes to a lab builder with nixswarm's ssh settings, with
them but the chacha20-poly1305 cipher, with OpenSSH's defaults, and with `Compression yes`; side by side in one run."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.plots import link
from bench.results import Section
from nixswarm.model.host import Host
from nixswarm.ssh.alias import alias_for
from nixswarm.ssh.config_render import CIPHERS, Transport, render_ssh_config
from tests.lab import Builder, BuilderSpec, Lab

SIZE_MIB = 256
ROUNDS = 5
BASELINE = "nixswarm (aes128-gcm first, Compression no)"
CHACHA = "chacha20-poly1305@openssh.com"
QUIET = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"


def _settings(lab: Lab, b: Builder, folder: Path) -> dict[str, tuple[str, str]]:
    """Each row's NIX_SSHOPTS and ssh destination; nixswarm's rows read the Host block nixswarm writes."""
    host = Host(b.name, (b.address,), user="root", identity_file=str(lab.client_key))
    config = folder / "ssh_config"
    config.write_text(render_ssh_config([host], Transport()))
    ours, alias = f"{QUIET} -F {config}", alias_for(b.name)
    plain, address = f"{QUIET} -F /dev/null -i {lab.client_key} -o IdentitiesOnly=yes", f"root@{b.address}"
    return {
        BASELINE: (ours, alias),
        f"nixswarm's, Ciphers {CHACHA}": (f"-o Ciphers={CHACHA} {ours}", alias),
        "OpenSSH defaults": (plain, address),
        "OpenSSH defaults + Compression yes": (f"{plain} -o Compression=yes", address),
    }


def _copy(lab: Lab, b: Builder, path: str, sshopts: str, destination: str) -> float:
    env = {**lab.client_env(), "NIX_SSHOPTS": sshopts}
    argv = ["nix", "--extra-experimental-features", "nix-command", "copy", "--to", f"ssh-ng://{destination}", path]
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True, timeout=900)
    took = time.perf_counter() - started
    ssh = ["ssh", *QUIET.split(), "-F", "/dev/null", "-i", str(lab.client_key), f"root@{b.address}"]
    subprocess.run([*ssh, "nix-store", "--delete", path], check=True, capture_output=True, timeout=120)
    return took


def run() -> Section:
    """The markdown section and its samples."""
    samples: dict[str, list[float]] = {}
    with Lab([BuilderSpec()]) as lab, tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
        builder = lab.builders[0]
        settings = _settings(lab, builder, Path(tmp))
        blob = Path(tmp) / "random.bin"
        with blob.open("wb") as out:
            for _ in range(SIZE_MIB):
                out.write(os.urandom(1 << 20))
        path = subprocess.run(
            ["nix-store", "--add", str(blob)], capture_output=True, text=True, check=True, env=lab.client_env()
        ).stdout.strip()
        try:
            for _ in range(ROUNDS):  # interleaved
                for name, (sshopts, destination) in settings.items():
                    samples.setdefault(name, []).append(_copy(lab, builder, path, sshopts, destination))
        finally:
            subprocess.run(["nix-store", "--delete", path], capture_output=True, check=False, env=lab.client_env())
    base = statistics.median(samples[BASELINE])
    rows = []
    for name, s in samples.items():
        median = statistics.median(s)
        rows.append(
            f"| {name} | {median:.2f} ({min(s):.2f}-{max(s):.2f}) | {SIZE_MIB / median:.0f} | {median / base:.2f}x |"
        )
    markdown = "\n".join(
        [
            f"## Transport: copying a {SIZE_MIB} MiB store path",
            "",
            f"`nix copy --to ssh-ng://` of a {SIZE_MIB} MiB path of random bytes to a lab builder (over a veth, so the "
            f"cipher and compression are the limit), {ROUNDS} interleaved rounds; the path is deleted on the builder "
            "after each copy. nixswarm's rows read the Host block nixswarm writes (`Ciphers "
            f"{CIPHERS}`, `Compression no`; no ControlMaster, which one copy does not use), the second with `-o "
            f"Ciphers={CHACHA}` on top; OpenSSH's defaults put {CHACHA} first. Time relative to nixswarm's settings "
            "(higher is slower).",
            "",
            "| ssh settings | seconds, median (min-max) | MiB/s | time vs nixswarm |",
            "|---|---:|---:|---:|",
            *rows,
            "",
            link("transport"),
        ]
    )
    data = {"size_mib": SIZE_MIB, "rounds": ROUNDS, "baseline": BASELINE, "seconds": samples}
    return Section("transport", markdown, data)

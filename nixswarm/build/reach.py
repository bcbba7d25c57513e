"""Before a build: open an ssh master to every selected host at once; it proves the host answers with its
approved key and lets the user in, and Nix's ssh then reuses it instead of connecting once per derivation.
Through a nix-daemon, whose ssh runs as root, the check logs in as root's ssh will: with the host's key file
only, and without the user's agent."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from nixswarm.build.workdir import OPEN_MASTER, BuildDir
from nixswarm.files.root_key import FIX
from nixswarm.files.selection import Selected, Skipped
from nixswarm.model.probe import FailureKind, ProbeFailure
from nixswarm.ssh.alias import alias_for

CHECK_TIMEOUT = 1.0
"""Seconds a host gets to accept the connection: a LAN host answers in milliseconds (`--timeout` for far ones)."""
RECENT = 10.0
"""Seconds a failed probe stays fresher than the check: a host whose ssh failed that recently is left out unchecked."""
_NO_SSH = frozenset({FailureKind.REFUSED, FailureKind.TIMEOUT, FailureKind.UNREACHABLE, FailureKind.HOST_KEY_CHANGED})
"""Probe failures the check would repeat: the host did not answer, or presented another key."""
LOAD_AND_CORES = "cat /proc/loadavg; nproc"
"""What the check runs once logged in: the host's load and CPUs when the build begins (a fixed command)."""
_FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}")
_PRINTABLE = re.compile(r"[^\x20-\x7e]+")


@dataclass(frozen=True)
class ProbeVerdict:
    """How a recent probe of a host failed, and when."""

    at: float
    """time.monotonic() when it failed (this process's clock: a verdict never crosses processes)."""
    failure: ProbeFailure
    """What failed."""


def recently_failed(
    selected: Sequence[Selected], verdicts: Mapping[str, ProbeVerdict], now: float
) -> tuple[list[Selected], list[Skipped]]:
    """The hosts still to check, and those whose ssh failed less than RECENT seconds ago (a stale verdict, or one
    from a host that answered ssh, is ignored)."""
    check: list[Selected] = []
    left_out: list[Skipped] = []
    for s in selected:
        verdict = verdicts.get(s.entry.host.name)
        age = now - verdict.at if verdict is not None else RECENT
        if verdict is None or verdict.failure.kind not in _NO_SSH or not 0 <= age < RECENT:
            check.append(s)
            continue
        said = _PRINTABLE.sub(" ", verdict.failure.message).strip()[:200]
        left_out.append(Skipped(s.entry.host.name, f"{verdict.failure.kind}: {said} (probed {age:.0f} s ago)"))
    return check, left_out


def why_ssh_failed(selected: Selected, stderr: str, timeout: float, *, as_root: bool = False) -> str:
    """ssh's complaint in words the user can act on (stderr is ssh's own text, cleaned and bounded)."""
    name = selected.entry.host.name
    key = selected.entry.host.identity_file
    if "IDENTIFICATION HAS CHANGED" in stderr or "Host key verification failed" in stderr:
        now = _FINGERPRINT.search(stderr)
        return (
            f"HOST KEY CHANGED: approved {selected.key.fingerprint}, now {now.group(0) if now else 'another'}; "
            f"never used until you check why (nixswarm hosts trust {name})"
        )
    if "Connection refused" in stderr:
        return "unreachable: connection refused (is sshd running?)"
    if "timed out" in stderr:
        return _no_answer(timeout)
    if "UNPROTECTED PRIVATE KEY FILE" in stderr and as_root and key:
        return f"{key} is readable by others, so your ssh refuses it and the check cannot prove it: chmod 600 {key}"
    if "Permission denied" in stderr and as_root and key:
        return (
            f"ssh login refused with {key}, the key file the nix-daemon's ssh (root, without your agent) "
            f"would use: add its public key to the host's authorized_keys, or {FIX.format(name=name)}"
        )
    if "Permission denied" in stderr:
        return "ssh login refused: check the user and identity file (nixswarm hosts list)"
    last = [line for line in stderr.splitlines() if line.strip()][-1:] or ["ssh failed"]
    return "unreachable: " + _PRINTABLE.sub(" ", last[0]).strip()[:200]


def _no_answer(timeout: float) -> str:
    hint = " (a far host? give it longer with --timeout SEC)" if timeout == CHECK_TIMEOUT else ""
    return f"unreachable: no answer within {timeout:g} s{hint}"


async def _open(selected: Selected, where: BuildDir, timeout: float, as_root: bool) -> Skipped | None:
    alias = alias_for(selected.entry.host.name)
    log = where.root / f"check-{alias}.log"
    no_agent = ["-o", "IdentityAgent=none"] if as_root else []  # root's ssh has no agent of the user's
    # files, not pipes: the master that stays behind keeps stderr open
    with log.open("w") as err, check_output(where, alias).open("w") as out:
        proc = await asyncio.create_subprocess_exec(
            "ssh",
            "-F",
            str(where.ssh_config),
            *OPEN_MASTER,
            "-o",
            "BatchMode=yes",
            "-o",
            f"ConnectTimeout={math.ceil(timeout)}",
            *no_agent,
            alias,
            LOAD_AND_CORES,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
    try:
        code = await asyncio.wait_for(proc.wait(), timeout + 0.5)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return Skipped(selected.entry.host.name, _no_answer(timeout))
    if code == 0:
        return None
    told = log.read_text(errors="replace")[-4000:]
    return Skipped(selected.entry.host.name, why_ssh_failed(selected, told, timeout, as_root=as_root))


def check_output(where: BuildDir, alias: str) -> Path:
    """Where the check of alias leaves what LOAD_AND_CORES printed."""
    return where.root / f"check-{alias}.out"


def checked_loads(selected: Sequence[Selected], where: BuildDir) -> dict[str, tuple[float | None, int | None]]:
    """Host name -> (1-minute load, online CPUs) as its check read them; None where the output was not that."""
    from nixswarm.hook.loads import parse_loadavg

    found: dict[str, tuple[float | None, int | None]] = {}
    for s in selected:
        try:
            with check_output(where, alias_for(s.entry.host.name)).open("rb") as out:
                lines = out.read(4096).decode("utf-8", "replace").splitlines()
        except OSError:
            lines = []
        load = parse_loadavg(lines[0]) if lines else None
        text = lines[1].strip() if len(lines) > 1 else ""
        cores = int(text) if text.isascii() and text.isdigit() and len(text) < 6 else None
        found[s.entry.host.name] = (load, cores if cores else None)
    return found


async def check_reachable(
    selected: Sequence[Selected], where: BuildDir, timeout: float = CHECK_TIMEOUT, *, as_root: bool = False
) -> tuple[list[Selected], list[Skipped]]:
    """The hosts that let us in with their approved key, and why each other one is left out.

    as_root: a nix-daemon's ssh (root) will connect, so the check uses no agent, only the hosts' key files.
    """
    verdicts = await asyncio.gather(*(_open(s, where, timeout, as_root) for s in selected))
    ok = [s for s, v in zip(selected, verdicts, strict=True) if v is None]
    return ok, [v for v in verdicts if v is not None]

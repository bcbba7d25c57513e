"""Before a build: open an ssh master to every selected host at once; it proves the host answers with its
approved key and lets the user in, and Nix's ssh then reuses it instead of connecting once per derivation."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Sequence

from nixswarm.build.workdir import BuildDir
from nixswarm.selection import Selected, Skipped
from nixswarm.ssh.alias import alias_for

CHECK_TIMEOUT = 1.0
"""Seconds a host gets to accept the connection: a LAN host answers in milliseconds (`--timeout` for far ones)."""
_FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}")
_PRINTABLE = re.compile(r"[^\x20-\x7e]+")


def why_ssh_failed(selected: Selected, stderr: str, timeout: float) -> str:
    """ssh's complaint in words the user can act on (stderr is ssh's own text, cleaned and bounded)."""
    name = selected.entry.host.name
    if "IDENTIFICATION HAS CHANGED" in stderr or "Host key verification failed" in stderr:
        now = _FINGERPRINT.search(stderr)
        return (f"HOST KEY CHANGED: approved {selected.key.fingerprint}, now {now.group(0) if now else 'another'}; "
                f"never used until you check why (nixswarm hosts trust {name})")  # fmt: skip
    if "Connection refused" in stderr:
        return "unreachable: connection refused (is sshd running?)"
    if "timed out" in stderr:
        return _no_answer(timeout)
    if "Permission denied" in stderr:
        return "ssh login refused: check the user and identity file (nixswarm hosts list)"
    last = [line for line in stderr.splitlines() if line.strip()][-1:] or ["ssh failed"]
    return "unreachable: " + _PRINTABLE.sub(" ", last[0]).strip()[:200]


def _no_answer(timeout: float) -> str:
    hint = " (a far host? give it longer with --timeout SEC)" if timeout == CHECK_TIMEOUT else ""
    return f"unreachable: no answer within {timeout:g} s{hint}"


async def _open(selected: Selected, where: BuildDir, timeout: float) -> Skipped | None:
    alias = alias_for(selected.entry.host.name)
    log = where.root / f"check-{alias}.log"
    with log.open("w") as err:  # a file, not a pipe: the master that stays behind keeps stderr open
        proc = await asyncio.create_subprocess_exec(
            "ssh", "-F", str(where.ssh_config), "-o", "BatchMode=yes", "-o", f"ConnectTimeout={math.ceil(timeout)}",
            alias, "true", stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    try:
        code = await asyncio.wait_for(proc.wait(), timeout + 0.5)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return Skipped(selected.entry.host.name, _no_answer(timeout))
    if code == 0:
        return None
    return Skipped(selected.entry.host.name, why_ssh_failed(selected, log.read_text(errors="replace")[-4000:], timeout))


async def check_reachable(
    selected: Sequence[Selected], where: BuildDir, timeout: float = CHECK_TIMEOUT
) -> tuple[list[Selected], list[Skipped]]:
    """The hosts that let us in with their approved key, and why each other one is left out."""
    verdicts = await asyncio.gather(*(_open(s, where, timeout) for s in selected))
    ok = [s for s, v in zip(selected, verdicts, strict=True) if v is None]
    return ok, [v for v in verdicts if v is not None]

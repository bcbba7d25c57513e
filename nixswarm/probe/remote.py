"""Probe one host over one ssh connection: connect, check its key, run one fixed script."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from nixswarm.errors import ValidationError
from nixswarm.model.facts_cache import CachedFacts, FactsCache
from nixswarm.model.hostkey import HostKey
from nixswarm.model.probe import FailureKind, ProbeFailure, ProbeResult
from nixswarm.probe.parse_output import (
    MAX_OUTPUT,
    LiveFacts,
    ScriptRun,
    parse_full,
    parse_live,
    shell_failure,
    split_sections,
)
from nixswarm.probe.pool import ConnectionPool
from nixswarm.probe.remote_script import FULL, REFRESH
from nixswarm.probe.ssh_target import SshTarget

CIPHERS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-ctr")


async def probe_host(
    target: SshTarget, cache: FactsCache | None = None, pool: ConnectionPool | None = None
) -> ProbeResult | ProbeFailure:
    """Facts of the host, or a classified failure naming it; never raises for network or output faults.

    With a pool, the connection stays open for the next probe (a refresh then costs one command).
    """
    try:
        async with asyncio.timeout(target.timeout):
            return await _probe(target, cache, pool)
    except TimeoutError:
        return ProbeFailure(FailureKind.TIMEOUT, f"{_where(target)}: no answer within {target.timeout:g} s")


def _where(target: SshTarget) -> str:
    return f"{target.host.name} ({target.host.address}:{target.host.port})"


async def _connect(target: SshTarget) -> Any:
    """An open connection, or the ProbeFailure that explains why not."""
    import asyncssh

    where = _where(target)
    try:
        return await asyncssh.connect(**_connect_options(target))
    except asyncssh.HostKeyNotVerifiable:
        presented = await _presented_key(target)
        shown = presented.fingerprint if presented else "an unknown key"
        approved = target.approved_key.fingerprint if target.approved_key else "?"
        return ProbeFailure(
            FailureKind.HOST_KEY_CHANGED,
            f"{where}: HOST KEY CHANGED: approved {approved}, presented {shown}; not used",
            presented,
        )
    except asyncssh.PermissionDenied as err:
        return ProbeFailure(FailureKind.AUTH_FAILED, f"{where}: login refused ({err.reason})")
    except ConnectionRefusedError:
        return ProbeFailure(FailureKind.REFUSED, f"{where}: connection refused (no sshd listening)")
    except TimeoutError:
        return ProbeFailure(FailureKind.TIMEOUT, f"{where}: no answer within {target.timeout:g} s")
    except OSError as err:
        return ProbeFailure(FailureKind.UNREACHABLE, f"{where}: {err.strerror or err}")
    except asyncssh.Error as err:
        return ProbeFailure(FailureKind.UNREACHABLE, f"{where}: ssh failed ({err.reason})")


async def _probe(
    target: SshTarget, cache: FactsCache | None, pool: ConnectionPool | None
) -> ProbeResult | ProbeFailure:
    import asyncssh

    started = time.monotonic()
    where = _where(target)
    conn = pool.get(target) if pool is not None else None
    reused = conn is not None
    if conn is None:
        conn = await _connect(target)
        if isinstance(conn, ProbeFailure):
            return conn
        if pool is not None:
            pool.put(target, conn)
    rtt_ms = (time.monotonic() - started) * 1000
    key = _host_key(conn)
    cached = cache.get(key) if cache is not None and key is not None else None
    try:
        run = await _run(conn, REFRESH if cached else FULL)
    except (asyncssh.Error, OSError) as err:
        if pool is not None:
            pool.drop(target)
            if reused:  # the kept connection went stale: one fresh attempt
                return await _probe(target, cache, pool)
        return ProbeFailure(FailureKind.UNREACHABLE, f"{where}: the probe command failed ({err})", key)
    finally:
        if pool is None:
            conn.close()
    try:
        sections = split_sections(run.stdout)
        if cached is not None:
            return _result(cached, parse_live(sections), key, rtt_ms, started)
        full = parse_full(sections)
        if full is None:
            return ProbeFailure(FailureKind.NO_NIX, f"{where}: no `nix` on the non-interactive PATH", key)
        facts = CachedFacts(full.nix, full.has_nix_store, full.has_nix_daemon)
        if cache is not None and key is not None:
            cache.put(key, facts)
        return _result(facts, full.live, key, rtt_ms, started)
    except ValidationError as err:
        reason = shell_failure(run)  # no section marker at all: the shell never ran the script
        kind = FailureKind.NO_SHELL if reason else FailureKind.BAD_OUTPUT
        return ProbeFailure(kind, f"{where}: {reason or f'unusable probe output: {err.message}'}", key)


def _result(facts: CachedFacts, live: LiveFacts, key: HostKey | None, rtt_ms: float, started: float) -> ProbeResult:
    return ProbeResult(
        nix=facts.nix,
        cores=live.cores,
        load=live.load,
        mem_total_bytes=live.mem_total_bytes,
        mem_available_bytes=live.mem_available_bytes,
        store_free_bytes=live.store_free_bytes,
        host_key=key,
        rtt_ms=round(rtt_ms, 1),
        probe_ms=round((time.monotonic() - started) * 1000, 1),
        has_nix_store=facts.has_nix_store,
        has_nix_daemon=facts.has_nix_daemon,
    )


def _connect_options(target: SshTarget) -> dict[str, Any]:
    import asyncssh

    known: Any = None
    if target.approved_key is not None:
        known = ([asyncssh.import_public_key(target.approved_key.line)], [], [])
    options: dict[str, Any] = {
        "host": target.host.address,
        "port": target.host.port,
        "known_hosts": known,
        "server_host_key_algs": ["ssh-ed25519"],
        "encryption_algs": list(CIPHERS),
        "compression_algs": None,
        "connect_timeout": target.timeout,
        "config": None,
    }
    if target.user:
        options["username"] = target.user
    if target.identity:
        options["client_keys"] = [target.identity]
        options["agent_path"] = None
    return options


def _host_key(conn: Any) -> HostKey | None:
    key = conn.get_server_host_key()
    if key is None:
        return None
    try:
        return HostKey.parse(key.export_public_key("openssh").decode("ascii"))
    except (ValidationError, UnicodeDecodeError):
        return None


async def _presented_key(target: SshTarget) -> HostKey | None:
    from nixswarm.errors import ConnectionFailure
    from nixswarm.probe.hostkey_fetch import fetch_host_key

    try:
        return await fetch_host_key(target.host.address, target.host.port, target.timeout)
    except ConnectionFailure:
        return None


async def _run(conn: Any, script: str) -> ScriptRun:
    """Run the script with `sh -s` (the login shell may not be POSIX), reading at most MAX_OUTPUT."""
    process = await conn.create_process("sh -s", encoding="utf-8", errors="replace")
    process.stdin.write(script)
    process.stdin.write_eof()
    stderr = asyncio.ensure_future(_read_tail(process.stderr))  # read alongside: a full stderr must not block
    try:
        stdout = await _read_all(process)
    except BaseException:
        stderr.cancel()
        raise
    await process.wait_closed()
    return ScriptRun(stdout, await stderr, process.exit_status)


async def _read_all(process: Any) -> str:
    chunks: list[str] = []
    size = 0
    while chunk := await process.stdout.read(65536):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_OUTPUT:
            process.close()
            raise ValidationError("probe output", f"over {MAX_OUTPUT} characters", "too large")
    return "".join(chunks)


async def _read_tail(stream: Any, keep: int = 4096) -> str:
    """The last `keep` characters of stream, read to its end (so the host never blocks on a full stderr)."""
    tail = ""
    while chunk := await stream.read(65536):
        tail = (tail + chunk)[-keep:]
    return tail

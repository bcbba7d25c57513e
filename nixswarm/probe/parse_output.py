"""Turn the (untrusted) output of a probe script into validated facts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nixswarm.errors import ValidationError
from nixswarm.model.facts import NixFacts
from nixswarm.model.nixversion import NixVersion
from nixswarm.nix.config_parse import parse_nix_config
from nixswarm.probe.remote_script import MARK

MAX_OUTPUT = 8 << 20
_SECTIONS = frozenset({"version", "config", "path", "nproc", "loadavg", "meminfo", "df", "end"})
_NUMBER = re.compile(r"\d{1,20}")
_LOAD = re.compile(r"\{?\s*(\d{1,6}(?:[.,]\d{1,6})?)\b")


@dataclass(frozen=True)
class ScriptRun:
    """What the probe's `sh -s` left: its (untrusted) output and how it ended."""

    stdout: str
    """Everything it printed, up to MAX_OUTPUT."""
    stderr: str
    """The tail of what it printed on stderr."""
    exit_status: int | None
    """Its exit status; None when ssh reported none (killed by a signal)."""


@dataclass(frozen=True)
class LiveFacts:
    """What changes often."""

    cores: int
    load: float
    mem_total_bytes: int
    mem_available_bytes: int
    store_free_bytes: int


@dataclass(frozen=True)
class FullFacts:
    """A full probe: Nix's facts, PATH checks and the live facts."""

    nix: NixFacts
    has_nix_store: bool
    has_nix_daemon: bool
    live: LiveFacts


def split_sections(text: str) -> dict[str, str]:
    """Sections of the output by marker; an unknown or repeated marker, or no end, is bad output."""
    if len(text) > MAX_OUTPUT:
        raise ValidationError("probe output", f"{len(text)} characters", "larger than 8 MiB")
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.split("\n"):
        if line.startswith(MARK):
            name = line[len(MARK) :].strip()
            if name not in _SECTIONS or name in sections:
                raise ValidationError("probe output", line, "unknown or repeated section")
            current = sections.setdefault(name, [])
            continue
        if current is not None:
            current.append(line)
    if "end" not in sections:
        raise ValidationError("probe output", text[-80:], "ended early (no end marker)")
    return {k: "\n".join(v).strip() for k, v in sections.items()}


def shell_failure(run: ScriptRun) -> str | None:
    """Why the script never started (no section marker at all), in words the user can act on; None if it ran."""
    if MARK in run.stdout:
        return None
    said = [line for line in (_printable(line) for line in run.stderr.split("\n")) if line]
    status = "no exit status" if run.exit_status is None else f"exit {run.exit_status}"
    detail = f"{said[-1][:200]} ({status})" if said else f"{status}, no message"
    if run.exit_status == 127 or "not found" in run.stderr:
        return (
            f"the probe's shell command failed: {detail}. nixswarm needs a POSIX `sh` on the builder's PATH "
            "for its probe (`ssh USER@HOST sh -c true` must work); Nix itself only needs nix-store or nix-daemon"
        )
    return (
        f"the probe's shell command failed: {detail}. nixswarm runs its probe as `sh -s` through the login shell "
        "of the ssh user, which must run commands (`ssh USER@HOST sh -c true` must work); Nix's own ssh needs that too"
    )


def _printable(line: str) -> str:
    """line without control characters or terminal escapes (a hostile host's stderr), trimmed."""
    return "".join(c for c in line if c.isprintable() and c.isascii()).strip()


def _int(field: str, text: str) -> int:
    if not _NUMBER.fullmatch(text):
        raise ValidationError(field, text, "expected a whole number")
    return int(text)


def parse_live(sections: dict[str, str]) -> LiveFacts:
    """cores, load, memory and store space."""
    cores = _int("cores", sections.get("nproc", "").split("\n", 1)[0].strip())
    load_match = _LOAD.match(sections.get("loadavg", "").strip())
    if load_match is None:
        raise ValidationError("load", sections.get("loadavg", ""), "expected a load average")
    load = float(load_match[1].replace(",", "."))
    memory: dict[str, int] = {}
    for line in sections.get("meminfo", "").split("\n"):
        key, _, rest = line.partition(":")
        words = rest.split()
        if key in ("MemTotal", "MemAvailable") and words:
            memory[key] = _int(key, words[0]) * 1024
    if "MemTotal" not in memory:
        raise ValidationError("memory", sections.get("meminfo", ""), "no MemTotal")
    df_fields = sections.get("df", "").split()
    store_free = _int("store free space", df_fields[3]) * 1024 if len(df_fields) >= 4 else 0
    return LiveFacts(
        cores=cores,
        load=load,
        mem_total_bytes=memory["MemTotal"],
        mem_available_bytes=memory.get("MemAvailable", 0),
        store_free_bytes=store_free,
    )


def parse_full(sections: dict[str, str]) -> FullFacts | None:
    """Everything; None when the host has no Nix on its non-interactive PATH."""
    version_text = sections.get("version", "")
    if not version_text:
        return None
    version = NixVersion.parse(version_text.split("\n", 1)[0])
    nix = parse_nix_config(sections.get("config", ""), version)
    paths = sections.get("path", "").split("\n")
    return FullFacts(
        nix=nix,
        has_nix_store=any(p.endswith("/nix-store") for p in paths),
        has_nix_daemon=any(p.endswith("/nix-daemon") for p in paths),
        live=parse_live(sections),
    )

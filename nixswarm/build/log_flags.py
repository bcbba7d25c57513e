"""What `nix build`'s log options ask for (-L, --log-format, -v, --quiet, --debug), read as each Nix version reads them.

nix itself always logs internal-json to nixswarm: for_nix takes -L and --log-format out of its command line (on
Nix 2.8 -L replaces the log format; a later --log-format does on every Nix). nixswarm then shows what the user
asked for. -v, --quiet and --debug stay: they change which messages Nix sends, never its log format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from nixswarm.build.argv import read_nix_line
from nixswarm.model.nixversion import NixVersion

__all__ = ["DEBUG", "ERROR", "INFO", "VOMIT", "WARN", "LogStyle", "LogWish", "for_nix", "log_wish"]

LogStyle: TypeAlias = Literal["live", "plain", "json"]
"""live: lanes on a terminal (Nix's bar); plain: a line per event (raw); json: Nix's internal-json lines, as sent."""

ERROR, WARN, INFO, DEBUG, VOMIT = 0, 1, 3, 6, 7
"""Nix's verbosity levels (lvlError ... lvlVomit)."""
PRINT_BUILD_LOGS_SETTING = NixVersion(2, 11)
"""From 2.11 -L asks the current logger to print build logs (only the bar does); before, it chose bar-with-logs."""
_PRINT_LOGS = frozenset({"-L", "--print-build-logs"})


@dataclass(frozen=True)
class LogWish:
    """How the user asked Nix to log; nixswarm honours it while nix logs internal-json."""

    style: LogStyle = "live"
    """How the build is shown."""
    print_logs: bool = False
    """Print the builds' own output (-L, a format ending in -with-logs)."""
    verbosity: int = INFO
    """Nix's verbosity (nix runs with its stderr on a pipe, where it starts at info)."""

    def shows(self, level: int) -> bool:
        """Whether a Nix message of this level is shown: errors and warnings (less with --quiet), more with -v."""
        return level <= (self.verbosity if self.verbosity > INFO else min(WARN, self.verbosity))


def log_wish(nix_args: tuple[str, ...], version: NixVersion) -> LogWish:
    """The LogWish of nix_args on this Nix: the flags act in order, as Nix's own handlers do."""
    log_format, print_logs, verbosity = "bar", False, INFO  # Nix's main() starts with the bar
    for flag in read_nix_line(nix_args).flags:
        if flag.name == "--log-format" and flag.values:
            log_format = flag.values[0]
            print_logs = log_format.endswith("-with-logs")
        elif flag.name in _PRINT_LOGS:
            if version < PRINT_BUILD_LOGS_SETTING:
                log_format, print_logs = "bar-with-logs", True
            elif log_format.startswith("bar"):  # raw and internal-json loggers ignore it
                print_logs = True
        elif flag.name in ("-v", "--verbose"):
            verbosity = min(verbosity + 1, VOMIT)
        elif flag.name == "--quiet":
            verbosity = max(verbosity - 1, ERROR)
        elif flag.name == "--debug":
            verbosity = DEBUG
    style: LogStyle = "json" if log_format == "internal-json" else "plain" if log_format.startswith("raw") else "live"
    return LogWish(style, print_logs, verbosity)


def for_nix(nix_args: tuple[str, ...]) -> tuple[str, ...]:
    """nix_args without -L, --print-build-logs and --log-format X (a compound `-Lv` keeps its `-v`)."""
    line = read_nix_line(nix_args)
    dropped: set[int] = set()
    for flag in line.flags:
        if flag.name in _PRINT_LOGS or flag.name == "--log-format":
            dropped.update(range(flag.at, flag.at + 1 + len(flag.values)))
    touched = {line.words[at][0] for at in dropped}
    out: list[str] = []
    for at, (source, word) in enumerate(line.words):
        if source not in touched:
            if at == 0 or line.words[at - 1][0] != source:
                out.append(nix_args[source])
        elif at not in dropped:
            out.append(word)
    return tuple(out)

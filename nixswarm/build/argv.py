"""Split `nixswarm build` arguments into nixswarm's own options and the ones passed to `nix build`."""

from __future__ import annotations

from dataclasses import dataclass

from nixswarm.errors import NixswarmError

OWN_WITH_VALUE = frozenset(
    {
        "--hosts",
        "--exclude",
        "--local-weight",
        "--placement",
        "--json-summary",
        "--interface",
        "--user",
        "--identity",
        "--timeout",
        "--config",
    }
)
OWN_FLAGS = frozenset({"--no-local", "--no-plan", "--dry-run", "--no-mdns", "-h", "--help"})

NIX_VALUES = {
    "--arg": 2,
    "--argstr": 2,
    "--option": 2,
    "--override-input": 2,
    "--override-flake": 2,
    "-I": 1,
    "--include": 1,
    "-f": 1,
    "--file": 1,
    "--expr": 1,
    "-o": 1,
    "--out-link": 1,
    "-j": 1,
    "--max-jobs": 1,
    "--cores": 1,
    "--store": 1,
    "--eval-store": 1,
    "--profile": 1,
    "--update-input": 1,
    "--inputs-from": 1,
    "--reference-lock-file": 1,
    "--output-lock-file": 1,
    "--system": 1,
    "--extra-experimental-features": 1,
    "--experimental-features": 1,
    "--log-format": 1,
    "--builders": 1,
}
"""Nix options that take values, so a value is never mistaken for one of ours."""

LOG_FORMATS = ("raw", "raw-with-logs", "internal-json", "bar", "bar-with-logs")
"""The values of Nix's --log-format (the same in Nix 2.8, 2.26 and 2.34)."""

REFUSED = {"--builders": "nixswarm passes --builders itself; choose hosts with --hosts and --exclude"}
REFUSED_SETTINGS = {"builders": REFUSED["--builders"], "build-hook": "nixswarm may install its own build hook"}


class BuildUsageError(NixswarmError):
    """A `nixswarm build` command line that cannot work."""

    title = "Usage"


@dataclass(frozen=True)
class NixFlag:
    """One flag of a `nix build` command line as Nix reads it, with the values it takes."""

    at: int
    """Its position in NixLine.words."""
    name: str
    """The flag: `-L`, `--log-format`, `--argstr`, ..."""
    values: tuple[str, ...]
    """The words it takes as values (the words after it)."""


@dataclass(frozen=True)
class NixLine:
    """A `nix build` command line read as Nix reads it (src/libutil/args.cc, the same in 2.8, 2.26 and 2.34)."""

    words: tuple[tuple[int, str], ...]
    """Each word with the index of the argument it came from: a compound `-Lv` gives `-L` and `-v`, `-j4` gives
    `-j` and `4`."""
    flags: tuple[NixFlag, ...]
    """The flags, in order; none after Nix's own `--`."""


@dataclass(frozen=True)
class SplitArgs:
    """The two halves of a `nixswarm build` command line."""

    own: tuple[str, ...]
    """nixswarm's options, for its argument parser."""
    nix: tuple[str, ...]
    """Everything for `nix build`, in order."""


def split_build_argv(argv: list[str]) -> SplitArgs:
    """Our options anywhere before `--`; Nix's options with their values; everything after `--` is Nix's."""
    own: list[str] = []
    nix: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        name = arg.split("=", 1)[0] if arg.startswith("--") else arg
        if arg == "--":
            nix.extend(argv[i + 1 :])
            break
        if name in REFUSED:
            raise BuildUsageError(f"{name}: {REFUSED[name]}")
        if name in OWN_FLAGS:
            own.append(arg)
            i += 1
        elif name in OWN_WITH_VALUE:
            width = 1 if "=" in arg else 2
            own.extend(argv[i : i + width])
            i += width
        elif name in NIX_VALUES:
            width = 1 + NIX_VALUES[name]
            values = argv[i + 1 : i + width]
            if name == "--option" and values and values[0] in REFUSED_SETTINGS:
                raise BuildUsageError(f"--option {values[0]}: {REFUSED_SETTINGS[values[0]]}")
            nix.extend(argv[i : i + width])
            i += width
        else:
            nix.append(arg)
            i += 1
    _check_log_format(tuple(nix))
    return SplitArgs(tuple(own), tuple(nix))


def read_nix_line(nix_args: tuple[str, ...]) -> NixLine:
    """The words and flags of nix_args; a flag takes as many values as NIX_VALUES says (0 when not listed)."""
    words = [(i, arg) for i, arg in enumerate(nix_args)]
    flags: list[NixFlag] = []
    at = 0
    while at < len(words):
        source, word = words[at]
        if word == "--":
            break
        if _compound(word):  # Nix: `-qlf` is `-q -l -f`, and at the first non-letter the rest is one value
            words[at : at + 1] = [(source, part) for part in _expand(word)]
            word = words[at][1]
        if not word.startswith("-"):
            at += 1
            continue
        width = NIX_VALUES.get(word, 0)
        flags.append(NixFlag(at, word, tuple(w for _, w in words[at + 1 : at + 1 + width])))
        at += 1 + width
    return NixLine(tuple(words), tuple(flags))


def _compound(word: str) -> bool:
    return len(word) > 2 and word[0] == "-" and word[1] != "-" and word[1].isascii() and word[1].isalpha()


def _expand(word: str) -> list[str]:
    parts = [f"-{word[1]}"]
    for j, char in enumerate(word[2:], start=2):
        if not (char.isascii() and char.isalpha()):
            parts.append(word[j:])
            break
        parts.append(f"-{char}")
    return parts


def _check_log_format(nix_args: tuple[str, ...]) -> None:
    """--log-format takes one of Nix's formats (nixswarm honours it itself, so Nix would not say so)."""
    for flag in read_nix_line(nix_args).flags:
        if flag.name == "--log-format" and (not flag.values or flag.values[0] not in LOG_FORMATS):
            given = f"'{flag.values[0]}'" if flag.values else "nothing"
            raise BuildUsageError(f"--log-format: expected one of {', '.join(LOG_FORMATS)}, got {given}")


def user_max_jobs(nix_args: tuple[str, ...]) -> str | None:
    """The -j / --max-jobs value the user gave Nix, if any (the last one wins, as in Nix)."""
    found = None
    for i, arg in enumerate(nix_args[:-1]):
        if arg in ("-j", "--max-jobs"):
            found = nix_args[i + 1]
    return found


def without_max_jobs(nix_args: tuple[str, ...]) -> tuple[str, ...]:
    """nix_args without -j / --max-jobs and their values."""
    out: list[str] = []
    skip = False
    for arg in nix_args:
        if skip:
            skip = False
        elif arg in ("-j", "--max-jobs"):
            skip = True
        else:
            out.append(arg)
    return tuple(out)

"""Split `nixswarm build` arguments into nixswarm's own options and the ones passed to `nix build`."""

from __future__ import annotations

from dataclasses import dataclass

from nixswarm.errors import NixswarmError

OWN_WITH_VALUE = frozenset(
    {"--hosts", "--exclude", "--local-weight", "--json-summary", "--interface", "--user", "--identity", "--timeout",
     "--config"}
)  # fmt: skip
OWN_FLAGS = frozenset({"--no-local", "--dry-run", "--no-mdns", "-h", "--help"})

NIX_VALUES = {
    "--arg": 2, "--argstr": 2, "--option": 2, "--override-input": 2, "--override-flake": 2,
    "-I": 1, "--include": 1, "-f": 1, "--file": 1, "--expr": 1, "-o": 1, "--out-link": 1, "-j": 1,
    "--max-jobs": 1, "--cores": 1, "--store": 1, "--eval-store": 1, "--profile": 1, "--update-input": 1,
    "--inputs-from": 1, "--reference-lock-file": 1, "--output-lock-file": 1, "--system": 1,
    "--extra-experimental-features": 1, "--experimental-features": 1, "--log-format": 1, "--builders": 1,
}  # fmt: skip
"""Nix options that take values, so a value is never mistaken for one of ours."""

REFUSED = {
    "--builders": "nixswarm passes --builders itself; choose hosts with --hosts and --exclude",
    "--log-format": "nixswarm reads Nix's internal-json log to show where each derivation builds",
}
REFUSED_SETTINGS = {"builders": REFUSED["--builders"], "build-hook": "nixswarm may install its own build hook"}


class BuildUsageError(NixswarmError):
    """A `nixswarm build` command line that cannot work."""

    title = "Usage"


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
    return SplitArgs(tuple(own), tuple(nix))


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

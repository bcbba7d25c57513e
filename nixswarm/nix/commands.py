"""argv of the Nix commands nixswarm runs, chosen by Nix version."""

from __future__ import annotations

from nixswarm.model.nixversion import NixVersion

EXPERIMENTAL = ("--extra-experimental-features", "nix-command")


def config_show_argv(version: NixVersion) -> list[str]:
    """`nix config show --json` from 2.20, `nix show-config --json` before."""
    verb = ["config", "show"] if version.config_show else ["show-config"]
    return ["nix", *EXPERIMENTAL, *verb, "--json"]


def version_argv() -> list[str]:
    """`nix --version`."""
    return ["nix", "--version"]

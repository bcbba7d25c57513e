"""`write` and `export nixos` fill a host's unknown systems and features from its last probe, as `build` does."""

from __future__ import annotations

import pytest

from nixswarm.cli.main import main
from nixswarm.model import NixFacts, NixVersion
from nixswarm.model.facts_cache import CachedFacts, FactsCache
from nixswarm.store import paths
from nixswarm.store.facts_file import save_facts
from nixswarm.store.state import load_state, save_state
from tests.unit.hostile import KEY


@pytest.fixture
def probed_host() -> None:
    """b1 configured without systems or features, its key approved, and its last probe cached."""
    assert main(["hosts", "add", "b1", "root@10.0.0.2"]) == 0
    save_state(paths.state_file(), load_state(paths.state_file()).approve("b1", KEY))
    cache = FactsCache()
    nix = NixFacts(NixVersion(2, 18, 1), ("aarch64-linux",), ("kvm", "big-parallel"))
    cache.put(KEY, CachedFacts(nix, has_nix_store=True, has_nix_daemon=True))
    save_facts(paths.facts_file(), cache)


@pytest.mark.usefixtures("probed_host")
def test_write_gives_nix_the_systems_and_features_the_host_reported(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["write", "--dry-run"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("ssh-ng://nixswarm-b1 "))
    assert line.split()[1] == "aarch64-linux" and set(line.split()[5].split(",")) == {"kvm", "big-parallel"}


@pytest.mark.usefixtures("probed_host")
def test_export_nixos_carries_them_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "nixos"]) == 0
    out = capsys.readouterr().out
    assert '"aarch64-linux"' in out and '"kvm"' in out

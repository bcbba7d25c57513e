"""A host whose probe failed seconds ago is left out of a build without the check's wait; others get the check."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from nixswarm.build import prepare as prepare_module
from nixswarm.build.nix_setup import NixSetup
from nixswarm.build.prepare import BuildRequest, prepare
from nixswarm.build.reach import RECENT, ProbeVerdict
from nixswarm.build.workdir import BuildDir
from nixswarm.files.selection import Selected, Skipped
from nixswarm.model import NIX_2_8, FailureKind, ProbeFailure
from nixswarm.model.host import Host
from nixswarm.nix.local_settings import LocalNixSettings
from nixswarm.store.settings import HostEntry, Settings
from nixswarm.store.state import State
from tests.unit.hostile import KEY

HOSTS = (HostEntry(Host("b1", ("10.0.0.2",), user="nix")), HostEntry(Host("b2", ("10.0.0.3",), user="nix")))
STATE = State().approve("b1", KEY).approve("b2", KEY)


def verdict(kind: FailureKind, age: float) -> ProbeVerdict:
    return ProbeVerdict(time.monotonic() - age, ProbeFailure(kind, f"b2: {kind} from the probe"))


def build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recent: dict[str, ProbeVerdict]
) -> tuple[list[str], list[str], tuple[Skipped, ...]]:
    """Prepare a build with fake Nix and a fake check; the hosts checked, given to Nix, and left out."""
    checked: list[str] = []

    async def nix(env: object) -> NixSetup:
        return NixSetup(LocalNixSettings(NIX_2_8, "x86_64-linux", (), "auto", ("root",), (), 1), False, True, "alice")

    async def check(
        selected: Sequence[Selected], *args: object, **kwargs: object
    ) -> tuple[list[Selected], list[Skipped]]:
        checked.extend(s.entry.host.name for s in selected)
        return list(selected), []

    monkeypatch.setattr(prepare_module, "check_nix", nix)
    monkeypatch.setattr(prepare_module, "check_reachable", check)
    where = BuildDir(tmp_path / "build")
    where.root.mkdir()
    done = asyncio.run(prepare(Settings(hosts=HOSTS), STATE, BuildRequest(recent_probes=recent), where))
    return checked, [h.name for h in done.plan.hosts], done.plan.skipped


@pytest.mark.parametrize("kind", [FailureKind.REFUSED, FailureKind.TIMEOUT, FailureKind.HOST_KEY_CHANGED])
def test_a_host_whose_ssh_failed_seconds_ago_is_left_out_without_being_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: FailureKind
) -> None:
    checked, given, skipped = build(tmp_path, monkeypatch, {"b2": verdict(kind, 2.0)})
    assert checked == ["b1"] and given == ["b1"]
    assert [s.name for s in skipped] == ["b2"]
    assert skipped[0].reason == f"{kind}: b2: {kind} from the probe (probed 2 s ago)"


def test_an_old_verdict_is_ignored_and_the_host_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checked, given, skipped = build(tmp_path, monkeypatch, {"b2": verdict(FailureKind.REFUSED, RECENT + 1)})
    assert checked == ["b1", "b2"] and given == ["b1", "b2"] and not skipped


def test_a_verdict_from_the_future_is_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checked, _, skipped = build(tmp_path, monkeypatch, {"b2": verdict(FailureKind.TIMEOUT, -5.0)})
    assert checked == ["b1", "b2"] and not skipped


def test_a_host_that_answered_ssh_is_still_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recent = {"b1": verdict(FailureKind.NO_NIX, 1.0), "b2": verdict(FailureKind.AUTH_FAILED, 1.0)}
    checked, given, skipped = build(tmp_path, monkeypatch, recent)
    assert checked == ["b1", "b2"] and given == ["b1", "b2"] and not skipped

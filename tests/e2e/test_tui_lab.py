"""The TUI against real builders: discover over mDNS, trust, toggle and build; the outputs say where it built."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from pathlib import Path

import pytest

from nixswarm.scan.session import ScanOptions
from nixswarm.store import paths
from nixswarm.store.settings import Overrides
from nixswarm.store.settings_file import load_settings
from nixswarm.store.state import load_state
from nixswarm.tui import make_app
from nixswarm.tui.screens.build import BuildScreen
from nixswarm.tui.screens.installable import InstallableScreen
from nixswarm.tui.screens.trust import TrustScreen
from tests.e2e.helpers import MakeLab, salt
from tests.lab import BuilderSpec
from tests.lab.graph import graph_args, read_graph_outputs
from tests.tui.pilot import rows, select, settle


async def test_the_tui_discovers_trusts_toggles_and_builds_on_the_chosen_builder(
    make_lab: MakeLab, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    lab = make_lab([BuilderSpec(), BuilderSpec()])
    lab.start_advertisers()
    monkeypatch.setenv("NIX_CONF_DIR", str(lab.dir / "client-nix"))
    b1 = lab.builder("b1")
    app = make_app(
        overrides=Overrides(user="root", identity=str(lab.client_key), timeout=2.0),
        options=ScanOptions(interfaces=(lab.bridge_address,)),
        refresh_interval=None,
    )
    tag = salt()
    args = graph_args(lab.graph_dir, tag, 2, 1, 0)
    nix = lab.graph()
    async with app.run_test(size=(160, 45)) as pilot:
        deadline = time.monotonic() + 15
        while not {"b1", "b2"} <= set(rows(app)) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert {"b1", "b2"} <= set(rows(app)), rows(app)
        await settle(pilot)

        await select(pilot, "b1")
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TrustScreen)
        await pilot.press("y")
        await settle(pilot)
        approved = load_state(paths.state_file()).approved_key("b1")
        assert approved is not None and approved.fingerprint == b1.fingerprint()

        def used() -> bool | None:
            entry = load_settings(paths.config_file()).host("b1")
            return entry.choice.enabled if entry else None

        assert used() is True  # trusting adds it as used
        await select(pilot, "b1")
        await pilot.press("space")
        await settle(pilot)
        assert used() is False
        await pilot.press("space")
        await settle(pilot)
        assert used() is True

        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, InstallableScreen)
        quoted = " ".join(a if a else "''" for a in args)
        summary_file = tmp_path / "summary.json"
        await pilot.press(*f"-f {nix} {quoted} --no-link -j 0 --json-summary {summary_file}", "enter")
        await pilot.pause()
        assert isinstance(app.screen, BuildScreen)
        await settle(pilot)
        summary = str(app.screen.summary_text())
        assert "b1" in summary

    drvs = subprocess.run(
        ["nix-instantiate", str(nix), *args], capture_output=True, text=True, check=True, env=lab.client_env()
    ).stdout.split()
    outs = subprocess.run(
        ["nix-store", "-q", "--outputs", *drvs], capture_output=True, text=True, check=True, env=lab.client_env()
    ).stdout.split()
    nodes = read_graph_outputs(outs)
    assert len(nodes) == 2 and all(Path(o).exists() for o in outs)
    assert {n.built_by for n in nodes} == {b1.lab_id}  # b2 was never trusted, so never used
    written = json.loads(summary_file.read_text())
    assert written["exit_code"] == 0 and written["hosts"]["b1"]["built"] == 2 and "b2" not in written["hosts"]

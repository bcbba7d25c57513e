"""The --json-summary's placement: where the hook put each derivation, by whom, and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nixswarm.build.summary_file import placement, read_decisions
from nixswarm.build.workdir import BuildDir
from nixswarm.hook.ledger import DATA
from nixswarm.hook.scheduler import PLACEMENTS

SCORES = [{"host": "b1", "finish_s": 10.0, "wait_s": 0.0, "free_slot": True, "copy_bytes": 0}]


def build_dir(tmp_path: Path, ledger: str | None, decisions: list[dict[str, Any]] | str = "") -> BuildDir:
    where = BuildDir(tmp_path)
    where.ledger.mkdir()
    if ledger is not None:
        (where.ledger / DATA).write_text(ledger)
    if isinstance(decisions, list):
        decisions = "".join(json.dumps(d) + "\n" for d in decisions)
    if decisions:
        (where.ledger / PLACEMENTS).write_text(decisions)
    return where


def decision(drv: str, why: str, **more: Any) -> dict[str, Any]:
    return {"drv": drv, "host": "b1", "why": why, "at": 1700000000.5, "decided_ms": 0.25, **more}


def test_each_ledger_entry_is_placed_in_the_order_nix_asked(tmp_path: Path) -> None:
    ledger = "remote:b1 /b.drv /nix/store/x.lock\nlocal /a.drv\nremote /c.drv\n"
    record = decision("/b.drv", "inputs there: 3 MiB", scores=SCORES, left_out=[{"host": "b2", "why": "lacks kvm"}])
    where = build_dir(tmp_path, ledger, [record])
    assert placement(where) == [
        {
            "drv": "/b.drv",
            "where": "remote",
            "host": "b1",
            "why": "inputs there: 3 MiB",
            "scores": SCORES,
            "left_out": [{"host": "b2", "why": "lacks kvm"}],
            "decided_ms": 0.25,
            "at": 1700000000.5,
        },
        {"drv": "/a.drv", "where": "local", "host": None, "why": "the local weight"},
        {"drv": "/c.drv", "where": "remote", "host": None, "why": "Nix's own hook"},
    ]


def test_a_decision_without_a_reason_falls_back_to_who_placed_it(tmp_path: Path) -> None:
    where = build_dir(tmp_path, "local /a.drv\nremote /c.drv\n", [decision("/a.drv", ""), decision("/c.drv", "")])
    found = {e["drv"]: e for e in placement(where)}
    assert found["/a.drv"]["why"] == "the local weight"
    assert found["/c.drv"]["why"] == "Nix's own hook"
    assert found["/a.drv"]["scores"] == []  # the record is there, without scores
    assert found["/a.drv"]["left_out"] == []


def test_a_local_decision_of_the_scheduler_keeps_its_reason(tmp_path: Path) -> None:
    where = build_dir(tmp_path, "local /a.drv\n", [decision("/a.drv", "b1 is full: built here", host=None)])
    (entry,) = placement(where)
    assert (entry["where"], entry["host"], entry["why"]) == ("local", None, "b1 is full: built here")


def test_the_last_decision_about_a_derivation_counts(tmp_path: Path) -> None:
    records = [decision("/a.drv", "waits for a slot on b1", host=None), decision("/a.drv", "soonest finish")]
    where = build_dir(tmp_path, "remote:b1 /a.drv\n", records)
    assert placement(where)[0]["why"] == "soonest finish"
    assert read_decisions(where)["/a.drv"]["why"] == "soonest finish"


def test_torn_and_foreign_decision_lines_are_skipped(tmp_path: Path) -> None:
    good = json.dumps(decision("/a.drv", "soonest finish"))
    lines = ['{"drv": "/a.drv", "why": "to', "[]", '{"drv": 1, "why": "x"}', '{"drv": "/b.drv"}', good, good[:30]]
    where = build_dir(tmp_path, "remote:b1 /a.drv\nremote:b2 /b.drv\n", "\n".join(lines))
    assert set(read_decisions(where)) == {"/a.drv"}
    entries = placement(where)
    assert entries[0]["why"] == "soonest finish"
    assert (entries[1]["host"], "scores" in entries[1]) == ("b2", False)


def test_no_ledger_means_no_placement(tmp_path: Path) -> None:
    assert placement(build_dir(tmp_path, None, [decision("/a.drv", "x")])) == []
    assert placement(BuildDir(tmp_path / "gone")) == []


def test_no_decisions_file_gives_the_ledger_alone(tmp_path: Path) -> None:
    where = build_dir(tmp_path, "remote:b1 /a.drv\nlocal /b.drv\n")
    assert read_decisions(where) == {}
    assert [(e["drv"], e["where"], e["host"]) for e in placement(where)] == [
        ("/a.drv", "remote", "b1"),
        ("/b.drv", "local", None),
    ]


def test_a_scheduler_placement_without_its_record_is_not_blamed_on_nix_s_hook(tmp_path: Path) -> None:
    (entry,) = placement(build_dir(tmp_path, "remote:b1 /a.drv\n"))
    assert entry["why"] != "Nix's own hook"

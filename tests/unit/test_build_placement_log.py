"""The placement log as the build screen reads it: complete lines only, the last reason per derivation."""

from __future__ import annotations

import json
from pathlib import Path

from nixswarm.build.placement_log import PlacementLog, no_reason


def line(drv: str, why: str, **more: object) -> bytes:
    return (json.dumps({"drv": drv, "host": "b1", "why": why, **more}) + "\n").encode()


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as log:
        log.write(data)


def test_an_unknown_derivation_or_a_missing_log_has_no_reason(tmp_path: Path) -> None:
    log = PlacementLog(tmp_path / "placements.jsonl")
    assert log.why("/nix/store/x.drv") == ""
    (tmp_path / "placements.jsonl").write_bytes(line("/a.drv", "inputs there: 3 MiB"))
    assert log.why("/nix/store/x.drv") == ""
    assert log.why("/a.drv") == "inputs there: 3 MiB"


def test_a_half_written_line_is_read_once_it_is_complete(tmp_path: Path) -> None:
    path = tmp_path / "placements.jsonl"
    whole = line("/a.drv", "least busy (load 0.2)")
    path.write_bytes(line("/b.drv", "soonest finish") + whole[:20])
    log = PlacementLog(path)
    assert log.why("/b.drv") == "soonest finish"
    assert log.why("/a.drv") == ""
    append(path, whole[20:])
    assert log.why("/a.drv") == "least busy (load 0.2)"
    assert log.why("/b.drv") == "soonest finish"


def test_the_last_reason_for_a_derivation_wins(tmp_path: Path) -> None:
    path = tmp_path / "placements.jsonl"
    path.write_bytes(line("/a.drv", "waits for a slot on b1"))
    log = PlacementLog(path)
    assert log.why("/a.drv") == "waits for a slot on b1"
    append(path, line("/a.drv", "inputs there: 1 MiB") + line("/c.drv", "x"))
    assert log.why("/a.drv") == "inputs there: 1 MiB"


def test_garbage_and_foreign_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "placements.jsonl"
    path.write_bytes(
        b"not json\n"
        b"\xff\xfe\x00\n"
        b"[1, 2]\n"
        b'{"drv": 3, "why": "x"}\n'
        b'{"drv": "/a.drv", "why": null}\n'
        b'{"drv": "/a.drv"}\n' + line("/b.drv", "soonest finish")
    )
    log = PlacementLog(path)
    assert log.why("/a.drv") == ""
    assert log.why("/b.drv") == "soonest finish"


def test_a_long_reason_is_cut_short(tmp_path: Path) -> None:
    path = tmp_path / "placements.jsonl"
    path.write_bytes(line("/a.drv", "x" * 5000))
    assert PlacementLog(path).why("/a.drv") == "x" * 300


def test_lines_are_read_once(tmp_path: Path) -> None:
    path = tmp_path / "placements.jsonl"
    path.write_bytes(line("/a.drv", "first"))
    log = PlacementLog(path)
    assert log.why("/a.drv") == "first"
    # rewriting what was already read changes nothing: only bytes after the offset are new
    path.write_bytes(line("/a.drv", "later"))
    assert log.why("/a.drv") == "first"


def test_a_build_without_the_scheduler_gives_no_reason() -> None:
    assert no_reason("/a.drv") == ""

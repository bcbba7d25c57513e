"""The scheduler's state beside the ledger: read, changed and saved under the ledger's lock."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from nixswarm.hook.ledger import DATA, STATE, Ledger, Placed


def test_the_state_starts_empty_and_keeps_what_a_change_put_in_it(tmp_path: Path) -> None:
    ledger = Ledger(str(tmp_path / "ledger"))
    assert ledger.state() == {}

    def book(placed: Placed, state: dict[str, Any]) -> str:
        placed["/a.drv"] = ("remote:b1", ("/nix/store/x.lock",))
        state.setdefault("has", {})["b1"] = ["/nix/store/p"]
        return "booked"

    assert ledger.schedule(book) == "booked"
    assert ledger.state() == {"has": {"b1": ["/nix/store/p"]}}
    assert ledger.entries() == {"/a.drv": ("remote:b1", ("/nix/store/x.lock",))}


def test_the_change_sees_the_saved_entries_and_state(tmp_path: Path) -> None:
    ledger = Ledger(str(tmp_path))

    def change(placed: Placed, state: dict[str, Any]) -> None:
        state["down"] = {"b1": 5.0}
        placed["/a.drv"] = ("local", ())

    ledger.schedule(change)
    seen: list[tuple[Placed, dict[str, Any]]] = []
    ledger.schedule(lambda placed, state: seen.append((dict(placed), dict(state))))
    assert seen == [({"/a.drv": ("local", ())}, {"down": {"b1": 5.0}})]


@pytest.mark.parametrize("text", ["[1, 2]", "not json", "", '"text"', "\xff"])
def test_a_state_file_that_is_not_a_json_object_reads_as_empty(tmp_path: Path, text: str) -> None:
    (tmp_path / STATE).write_text(text, errors="surrogateescape")
    assert Ledger(str(tmp_path)).state() == {}


def test_an_unchanged_state_is_not_rewritten(tmp_path: Path) -> None:
    ledger = Ledger(str(tmp_path))
    ledger.schedule(lambda _, state: state.update(runs={"/a.drv": ["b1", 1.0, None, False]}))
    before = (tmp_path / STATE).stat().st_ino
    ledger.schedule(lambda _, state: state.update(runs={"/a.drv": ["b1", 1.0, None, False]}))  # the same value
    assert ledger.state() == {"runs": {"/a.drv": ["b1", 1.0, None, False]}}
    assert (tmp_path / STATE).stat().st_ino == before
    assert not (tmp_path / DATA).exists()  # no entry changed: no ledger written either


def test_update_leaves_the_state_alone(tmp_path: Path) -> None:
    (tmp_path / STATE).write_text("kept as it is")
    Ledger(str(tmp_path)).update(lambda placed: placed.update({"/a.drv": ("local", ())}))
    assert (tmp_path / STATE).read_text() == "kept as it is"
    assert (tmp_path / DATA).read_text() == "local /a.drv\n"


def test_saves_are_atomic_and_leave_no_temporary_file(tmp_path: Path) -> None:
    ledger = Ledger(str(tmp_path))
    for index in range(3):

        def change(placed: Placed, state: dict[str, Any], i: int = index) -> None:
            state["n"] = i
            placed[f"/{i}.drv"] = ("local", ())

        ledger.schedule(change)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([DATA, STATE, "ledger.lock"])


def test_a_folder_whose_parent_is_gone_is_not_made_again(tmp_path: Path) -> None:
    ledger = Ledger(str(tmp_path / "swept" / "ledger"))
    with pytest.raises(FileNotFoundError):
        ledger.schedule(lambda _, state: state.update(x=1))
    assert not (tmp_path / "swept").exists()


def _count(folder: str) -> None:
    ledger = Ledger(folder)
    for _ in range(25):
        ledger.schedule(lambda _, state: state.update(n=state.get("n", 0) + 1))


def test_concurrent_hooks_lose_no_change_to_the_state(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_count, args=(str(tmp_path),)) for _ in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(30)
        assert process.exitcode == 0
    assert Ledger(str(tmp_path)).state() == {"n": 100}

"""A build's NAR sizes come from one `nix-store --query --size` of the outputs on disk; any doubt: unknown."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from nixswarm.history.nar_sizes import chunks, nar_sizes, query_sizes
from tests.unit.fake_nix_store import FakeNixStore, store_path, write_drv

HELLO = store_path("hello-2.12.1")
HELLO_DOC = store_path("hello-2.12.1-doc", "b")
ZLIB = store_path("zlib-1.3", "c")


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeNixStore:
    store = FakeNixStore(tmp_path / "bin", monkeypatch)
    store.sizes({HELLO: 226_712, HELLO_DOC: 10_240, ZLIB: 131_072})
    return store


def test_a_derivations_size_is_the_sum_of_its_outputs_asked_in_one_call(fake: FakeNixStore, tmp_path: Path) -> None:
    hello = write_drv(tmp_path, "hello-2.12.1", {"out": HELLO, "doc": HELLO_DOC})
    zlib = write_drv(tmp_path, "zlib-1.3", {"out": ZLIB})
    present = {HELLO, HELLO_DOC, ZLIB}  # what exists on disk
    assert nar_sizes([hello, zlib], exists=present.__contains__) == {hello: 236_952, zlib: 131_072}
    assert fake.calls() == [["--query", "--size", HELLO, HELLO_DOC, ZLIB]]


def test_only_paths_on_disk_are_asked_and_a_derivation_missing_one_output_is_unknown(
    fake: FakeNixStore, tmp_path: Path
) -> None:
    hello = write_drv(tmp_path, "hello-2.12.1", {"out": HELLO, "doc": HELLO_DOC})
    zlib = write_drv(tmp_path, "zlib-1.3", {"out": ZLIB})
    present = {HELLO, ZLIB}
    assert nar_sizes([hello, zlib], exists=present.__contains__) == {hello: None, zlib: 131_072}
    assert fake.calls() == [["--query", "--size", HELLO, ZLIB]]


def test_a_path_nix_does_not_know_is_asked_apart_and_only_its_size_is_unknown(
    fake: FakeNixStore, tmp_path: Path
) -> None:
    fake.sizes({HELLO: 226_712, HELLO_DOC: 10_240})  # zlib's output is on disk but not valid (a build died writing it)
    hello = write_drv(tmp_path, "hello-2.12.1", {"out": HELLO, "doc": HELLO_DOC})
    zlib = write_drv(tmp_path, "zlib-1.3", {"out": ZLIB})
    assert nar_sizes([hello, zlib], exists=lambda path: True) == {hello: 236_952, zlib: None}
    asked = sorted([HELLO, HELLO_DOC, ZLIB])
    assert fake.calls()[0] == ["--query", "--size", *asked]  # refused whole, then asked again in halves
    assert 1 < len(fake.calls()) <= 5


def test_halving_a_refused_call_asks_each_path_once_per_level_and_keeps_the_order() -> None:
    paths = [store_path(f"p{i:03d}") for i in range(64)]
    bad = {paths[5], paths[40]}
    asked: list[list[str]] = []

    def run(argv: list[str], timeout: float) -> bytes:
        asked.append(argv[3:])
        if bad & set(argv[3:]):
            raise subprocess.CalledProcessError(1, argv)
        return "".join(f"{len(p)}\n" for p in argv[3:]).encode()

    sizes = query_sizes(paths, "nix-store", run=run)
    assert sizes == {p: len(p) for p in paths if p not in bad}
    assert len(asked) <= 1 + 2 * 2 * 6  # two bad paths: at most two branches of depth log2(64)
    assert [p for chunk in asked if not bad & set(chunk) for p in chunk] == [p for p in paths if p not in bad]


def test_a_missing_nix_store_is_not_asked_again_in_halves() -> None:
    asked: list[list[str]] = []

    def run(argv: list[str], timeout: float) -> bytes:
        asked.append(argv)
        raise FileNotFoundError(argv[0])

    assert query_sizes([HELLO, HELLO_DOC, ZLIB], "nix-store", run=run) == {}
    assert len(asked) == 1


def test_output_that_is_not_one_number_per_path_is_not_believed(fake: FakeNixStore, tmp_path: Path) -> None:
    fake.mode("garbage")
    hello = write_drv(tmp_path, "hello-2.12.1", {"out": HELLO})
    assert nar_sizes([hello], exists=lambda path: True) == {hello: None}
    assert query_sizes([HELLO], str(fake.folder / "nix-store"), run=lambda argv, timeout: b"12\n13\n") == {}
    assert query_sizes([HELLO], "nix-store", run=lambda argv, timeout: b"-12\n") == {}
    assert query_sizes([HELLO], "nix-store", run=lambda argv, timeout: b"12\n") == {HELLO: 12}


def test_a_nix_store_that_hangs_is_given_up_on_within_the_timeout(fake: FakeNixStore) -> None:
    fake.mode("hang")
    start = time.monotonic()
    assert query_sizes([HELLO, ZLIB], str(fake.folder / "nix-store"), timeout=0.5) == {}
    assert time.monotonic() - start < 5


def test_without_nix_store_on_path_the_sizes_are_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    hello = write_drv(tmp_path, "hello-2.12.1", {"out": HELLO})
    assert nar_sizes([hello], exists=lambda path: True) == {hello: None}


def test_an_unreadable_or_floating_derivation_is_unknown_and_asks_nothing(fake: FakeNixStore, tmp_path: Path) -> None:
    floating = write_drv(tmp_path, "ca-1.0", {"out": ""})
    missing = str(tmp_path / f"{'e' * 32}-gone.drv")
    assert nar_sizes([floating, missing], exists=lambda path: True) == {floating: None, missing: None}
    assert fake.calls() == []


def test_a_long_list_is_cut_into_calls_of_at_most_the_limit_in_bytes() -> None:
    paths = [store_path(f"p{i:03d}") for i in range(100)]
    cut = list(chunks(paths, limit=1000))
    assert [p for chunk in cut for p in chunk] == paths
    assert all(sum(len(p) + 1 for p in chunk) <= 1000 for chunk in cut)
    asked: list[list[str]] = []

    def run(argv: list[str], timeout: float) -> bytes:
        asked.append(argv)
        return "".join(f"{len(p)}\n" for p in argv[3:]).encode()

    sizes = query_sizes(paths * 30, "nix-store", run=run)  # 3000 paths, about 150 KB
    assert len(asked) > 1 and all(argv[:3] == ["nix-store", "--query", "--size"] for argv in asked)
    assert sizes == {p: len(p) for p in paths}

"""The live loads file: /proc/loadavg lines read from builders, and the file the hooks read them from."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixswarm.hook.loads import FRESH, parse_loadavg, parse_loads, read_loads, render_loads, write_loads


@pytest.mark.parametrize(
    ("line", "load"),
    [
        ("0.52 0.58 0.59 1/1086 263512\n", 0.52),
        ("12.00 8.31 4.02 17/2048 9", 12.0),
        ("  3.1 0.0 0.0 0/1 1  ", 3.1),
    ],
)
def test_a_proc_loadavg_line_gives_its_one_minute_load(line: str, load: float) -> None:
    assert parse_loadavg(line) == load


@pytest.mark.parametrize(
    "line",
    [
        "",
        "\n",
        "0.52 0.58 0.59 1/1086",  # a field missing
        "0.52 0.58 0.59 1/1086 263512 extra",
        "0.52 0.58 0.59 1/1086 263512; rm -rf ~",
        "99999999999.0 0.58 0.59 1/1086 263512",
        "1e308 0.58 0.59 1/1086 263512",
        "nan 0.58 0.59 1/1086 263512",
        "inf 0.58 0.59 1/1086 263512",
        "-1.00 0.58 0.59 1/1086 263512",
        "abc 0.58 0.59 1/1086 263512",
        "0.52\t0.58 0.59 1/1086 263512",
        "0.52 0.58 0.59 1/1086 263512\n0.1 0.1 0.1 1/1 1",
        "x" * 10_000,
    ],
)
def test_anything_else_is_no_load(line: str) -> None:
    assert parse_loadavg(line) is None


def test_non_ascii_digits_are_no_load() -> None:
    assert parse_loadavg("\u0660.\u0665\u0660 0.58 0.59 1/1086 263512") is None


def test_the_loads_file_skips_malformed_lines() -> None:
    text = "\n".join(
        [
            "b1 0.50 1700000000.000",
            "b2 nope 1700000000.000",
            "b3 1.0",
            "b4 1.0 2.0 3.0",
            "b5 nan 1700000000.000",
            "b6 -1.0 1700000000.000",
            "b7 1.0 inf",
            "",
            "b8 2.25 1700000001.5",
        ]
    )
    assert parse_loads(text) == {"b1": (0.5, 1700000000.0), "b8": (2.25, 1700000001.5)}


def test_only_fresh_readings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "loads"
    now = 1_700_000_000.0
    path.write_text(render_loads({"fresh": (1.5, now - 1), "stale": (2.0, now - FRESH - 1), "future": (3.0, now + 60)}))
    assert read_loads(str(path), now) == {"fresh": 1.5}


def test_a_missing_loads_file_reads_as_no_loads(tmp_path: Path) -> None:
    assert read_loads(str(tmp_path / "absent"), 0.0) == {}
    assert read_loads(str(tmp_path), 0.0) == {}  # a folder: unreadable


def test_written_loads_read_back(tmp_path: Path) -> None:
    path = str(tmp_path / "loads")
    now = 1_700_000_000.0
    write_loads(path, {"b2": (0.25, now - 0.5), "b1": (3.0, now)})
    assert read_loads(path, now) == {"b1": 3.0, "b2": 0.25}
    assert Path(path).read_text().splitlines()[0].startswith("b1 3.00 ")  # sorted by name
    write_loads(path, {"b1": (4.0, now)})
    assert read_loads(path, now) == {"b1": 4.0}  # replaced whole
    write_loads(path, {})
    assert read_loads(path, now) == {}


def test_a_write_leaves_no_temporary_file_behind(tmp_path: Path) -> None:
    path = tmp_path / "loads"
    for index in range(3):
        write_loads(str(path), {"b1": (float(index), 1.0)})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loads"]


def test_a_write_replaces_the_file_rather_than_rewriting_it(tmp_path: Path) -> None:
    path = tmp_path / "loads"
    write_loads(str(path), {"b1": (1.0, 1.0)})
    with path.open() as reader:  # a hook that opened the old file still reads it whole
        write_loads(str(path), {"b2": (2.0, 2.0), "b3": (3.0, 3.0)})
        assert reader.read() == "b1 1.00 1.000\n"
    assert path.read_text() == "b2 2.00 2.000\nb3 3.00 3.000\n"

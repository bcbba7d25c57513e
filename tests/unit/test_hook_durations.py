"""The durations table the scheduler reads: one name looked up by a byte search, hostile lines ignored."""

from __future__ import annotations

from pathlib import Path

from nixswarm.hook.durations import ANY, Durations, drv_name, render_durations, write_durations


def test_a_name_s_rows_are_found_and_no_other_name_s(tmp_path: Path) -> None:
    path = tmp_path / "durations"
    rows = [("hello-1.0", "b1", 12.0), ("hello-1.0", ANY, 9.5), ("hello-1.0-doc", "b1", 1.0), ("ello-1.0", "b2", 3.0)]
    write_durations(str(path), rows)
    table = Durations(str(path))
    assert table.of("hello-1.0") == {"b1": 12.0, ANY: 9.5}
    assert table.of("ello-1.0") == {"b2": 3.0}
    assert table.of("nothing") == {}


def test_a_missing_file_is_an_empty_table(tmp_path: Path) -> None:
    assert Durations(str(tmp_path / "absent")).of("x") == {}
    assert Durations(None).of("x") == {}


def test_bad_values_and_names_with_tabs_or_newlines_never_enter_the_table(tmp_path: Path) -> None:
    assert render_durations([("a\tb", "h", 1.0), ("a\nb", "h", 1.0), ("n", "h", float("nan")), ("n", "h", -1.0)]) == ""
    path = tmp_path / "durations"
    path.write_text("n\th\tnan\nn\th2\t-3\nn\th3\tx\nn\th4\t7.5\nn\tonly-two-fields\n")
    assert Durations(str(path)).of("n") == {"h4": 7.5}


def test_the_last_line_without_a_newline_is_read(tmp_path: Path) -> None:
    path = tmp_path / "durations"
    path.write_text("a\th\t1.0\nb\th\t2.5")
    assert Durations(str(path)).of("b") == {"h": 2.5}


def test_drv_name_drops_the_store_hash_and_suffix() -> None:
    assert drv_name("/nix/store/" + "a" * 32 + "-hello-1.0.drv") == "hello-1.0"
    assert drv_name("/x/plain.drv") == "plain"

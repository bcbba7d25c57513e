"""Every Nix 2.8 machines-file trap is one Problem naming file and line; the good lines around it still parse."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixswarm.errors import MachinesFileError, Problem
from nixswarm.model.nixversion import NIX_2_8, NixVersion
from nixswarm.nix.machines_parse import parse_machines
from tests.unit.hostile import HOSTILE, KEY

NIX_2_31 = NixVersion(2, 31, 0)


def _machines(include: Path, missing: Path) -> str:
    return "\n".join(
        [
            "# builders; managed by hand",  # 1: ';' inside a comment: before 2.29 "managed by hand" is a builder
            "ssh://good1 x86_64-linux - 2 1",  # 2
            "ssh://b2 x86_64-linux; ",  # 3: a trailing "; " is an empty entry
            " @/etc/nix/more",  # 4: taken as a local store at /@/etc/nix/more
            "ssh://b4:2222 x86_64-linux",  # 5: 2.8 resolves "b4:2222"
            "ssh://b5 x86_64-linux - 1 1.5",  # 6: float speedFactor
            f"@{missing}",  # 7: silently skipped by Nix
            "ssh://b7 x86_64-linux - 1 1 - - - extra",  # 8: nine columns
            "ssh://b8 x86_64-linux - 1 1 - - not*base64",  # 9: column 8 is not base64
            f"ssh://b9 x86_64-linux - 1 1 - - {'bm90IGEga2V5'}",  # 10: base64, but of "not a key"
            " ssh://good2 aarch64-linux",  # 11: a leading space before an entry is fine (Nix tokenizes it away)
            f"@{include}",  # 12: an include with one good and one bad line
            "ssh://b10 x86_64-linux - two",  # 13: maxJobs not a number
            "ssh-ng://good3 x86_64-linux - 1 1 kvm - " + KEY.column8,  # 14
            "ssh://b11 x86_64-linux - ² 1",  # 15: a digit Python's isdigit() takes but int() and Nix refuse
            "ssh://b12 x86_64-linux - \u0661 1",  # 16: a digit of another script, which Nix refuses
            "file:///b13 x86_64-linux",  # 17: not a remote builder
            "",
        ]
    )


EXPECTED_PROBLEMS = {
    1: "';' inside a comment",
    3: "empty entry",
    4: "local store",
    5: "tries to resolve 'host:port'",
    6: "needs a whole number",
    7: "no such file",
    8: "9 columns",
    9: "not base64",
    10: "host key",
    13: "column 4 (maxJobs)",
    15: "column 4 (maxJobs)",
    16: "column 4 (maxJobs)",
    17: "store URI",
}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    include = tmp_path / "included"
    include.write_text("ssh://good4 x86_64-linux\nssh://b14 x86_64-linux - 0x1\n")
    return include, tmp_path / "missing"


def test_each_nix_2_8_trap_is_a_problem_naming_file_and_line_and_the_good_lines_still_parse(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    origin = str(tmp_path / "machines")
    result = parse_machines(_machines(*files), origin, nix=NIX_2_8)
    mine = {p.line: p.message for p in result.problems if p.origin == origin}
    assert set(mine) == set(EXPECTED_PROBLEMS), result.problems
    for line, words in EXPECTED_PROBLEMS.items():
        assert words in mine[line], (line, mine[line])
    assert [p for p in result.problems if p.origin != origin] == [
        Problem(str(files[0]), 2, "invalid column 4 (maxJobs) '0x1': must be a whole number")
    ]
    assert [(p.entry.host, p.origin, p.line) for p in result.entries] == [
        ("good1", origin, 2),
        ("b2", origin, 3),  # the entry before the trailing "; " is fine
        ("good2", origin, 11),
        ("good4", str(files[0]), 1),
        ("good3", origin, 14),
    ]
    good3 = result.entries[-1].entry
    assert (good3.scheme, good3.supported_features, good3.host_key) == ("ssh-ng", ("kvm",), KEY)


def test_current_nix_accepts_the_port_the_float_and_a_semicolon_inside_a_comment(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    result = parse_machines(_machines(*files), str(tmp_path / "machines"), nix=NIX_2_31)
    lines = {p.line for p in result.problems}
    assert not lines & {1, 5, 6}
    by_host = {p.entry.host: p.entry for p in result.entries}
    assert by_host["b4"].port == 2222
    assert by_host["b5"].speed_factor == 1.5
    assert "managed" not in by_host


def test_a_semicolon_inside_a_comment_hides_a_builder_from_current_nix_but_not_from_nix_2_8() -> None:
    text = "ssh://b1 x86_64-linux # retired; ssh://b2 x86_64-linux\n"
    assert [p.entry.host for p in parse_machines(text, "m", nix=NIX_2_31).entries] == ["b1"]
    old = parse_machines(text, "m", nix=NIX_2_8)
    assert [p.line for p in old.problems] == [1]


def test_problems_raise_one_machines_file_error_listing_every_bad_line(tmp_path: Path) -> None:
    result = parse_machines("ssh://a x86_64-linux; \nssh://b - - x\n", "/etc/nix/machines")
    with pytest.raises(MachinesFileError) as caught:
        result.raise_for_problems()
    assert str(caught.value).splitlines() == [
        "/etc/nix/machines:1: an empty entry (a trailing ';' or '; '): Nix 2.8 fails on it",
        "/etc/nix/machines:2: invalid column 4 (maxJobs) 'x': must be a whole number",
    ]


def test_an_include_that_includes_itself_is_a_problem_not_a_recursion(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.write_text(f"ssh://b1\n@{loop}\n")
    result = parse_machines(f"@{loop}\n", "/etc/nix/machines")
    assert [(p.origin, p.line) for p in result.problems] == [(str(loop), 2)]
    assert "includes itself" in result.problems[0].message
    assert [p.entry.host for p in result.entries] == ["b1"]


def test_a_non_utf8_or_relative_include_is_a_problem(tmp_path: Path) -> None:
    latin = tmp_path / "latin"
    latin.write_bytes(b"ssh://caf\xe9\n")
    result = parse_machines(f"@{latin}\n@relative/file\n", "m")
    assert [(p.line, p.message) for p in result.problems] == [
        (1, f"include @{latin}: not UTF-8 text"),
        (2, "include @relative/file: the path must be absolute"),
    ]


@pytest.mark.parametrize("value", [pytest.param(v, id=c) for c, v in HOSTILE.items()])
@pytest.mark.parametrize("column", range(8))
def test_a_hostile_value_in_any_column_is_a_problem_or_a_validated_entry_never_a_crash(column: int, value: str) -> None:
    columns = ["ssh://b1", "x86_64-linux", "/k/id", "1", "1", "kvm", "-", KEY.column8]
    columns[column] = columns[column] + value if column == 0 else value
    result = parse_machines(" ".join(columns) + "\n", "m")
    assert result.entries or result.problems
    for parsed in result.entries:
        e = parsed.entry
        for text in (e.store_uri, *e.systems, e.ssh_key or "", *e.supported_features, *e.mandatory_features):
            assert text.isascii()
            assert not any(c in text for c in " \t\r\n;#'\"\0")

"""The Nix versions benchmark puts each client Nix in a column of one table, from samples alone, and reads back only
well-formed samples from the chroot's `--measure`."""

from __future__ import annotations

import json

import pytest

from bench.results import Figures
from bench.versions_bench import ROUNDS, ROUNDS_ENV, markdown, parse_client, rounds_wanted

OLD: Figures = {
    "nix": "2.8.0",
    "python": "3.11.7",
    "seconds": {"plain nix": [2.0, 2.2, 2.9], "nixswarm build": [1.0, 1.1, 1.5]},
}
NEW: Figures = {
    "nix": "2.34.8",
    "python": "3.14.10",
    "seconds": {"plain nix": [2.0, 2.5, 2.6], "nixswarm build": [2.6, 2.75, 3.0]},
}
DATA: Figures = {"rounds": 3, "machine": "quiet", "cores": 8, "date": "2026-12-02", "load": 0.04, "clients": [OLD, NEW]}


def _table(text: str) -> dict[str, list[str]]:
    """Each table row's cells after the first, by the first."""
    rows = [line.strip("|").split("|") for line in text.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows}


def test_each_client_nix_is_a_column_in_the_order_measured() -> None:
    table = _table(markdown(DATA))
    assert table["client Nix"] == ["2.8.0", "2.34.8"]
    assert table["nixswarm's Python"] == ["3.11.7", "3.14.10"]
    assert all(len(cells) == 2 for cells in table.values())


def test_the_table_gives_medians_with_their_range_and_the_overhead_both_ways() -> None:
    table = _table(markdown(DATA))
    assert table["plain nix, s"] == ["2.200 (2.000-2.900)", "2.500 (2.000-2.600)"]
    assert table["nixswarm build, s"] == ["1.100 (1.000-1.500)", "2.750 (2.600-3.000)"]
    assert table["overhead, s"] == ["-1.100", "+0.250"]
    assert table["overhead, ratio"] == ["0.50x", "1.10x"]


def test_the_section_states_the_machine_the_date_and_the_rounds() -> None:
    text = markdown(DATA)
    assert text.startswith("## Nix versions: build overhead against plain nix\n")
    assert "Measured on quiet (8 cores, load average 0.04 when it started), 2026-12-02: 3 interleaved rounds" in text
    assert "![Build overhead by client Nix" in text
    separator = next(line for line in text.splitlines() if line.startswith("|---"))
    assert separator == "|---|---:|---:|"


def test_the_samples_are_the_last_line_the_chroot_printed() -> None:
    assert parse_client("lab: 3 builders up\n" + json.dumps(NEW) + "\n") == NEW


@pytest.mark.parametrize(
    "stdout",
    [
        "",
        "Traceback (most recent call last):\n",
        json.dumps({"nix": "2.34.8"}),
        json.dumps({**NEW, "seconds": {"plain nix": [2.0]}}),
        json.dumps({**NEW, "seconds": {"plain nix": [], "nixswarm build": []}}),
    ],
    ids=["nothing", "a traceback", "no samples", "one case missing", "no rounds"],
)
def test_anything_but_both_cases_samples_is_refused(stdout: str) -> None:
    with pytest.raises(ValueError, match="--measure"):
        parse_client(stdout)


def test_rounds_come_from_the_environment_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ROUNDS_ENV, raising=False)
    assert rounds_wanted() == ROUNDS
    monkeypatch.setenv(ROUNDS_ENV, "2")
    assert rounds_wanted() == 2
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(ROUNDS_ENV, bad)
        with pytest.raises(ValueError, match=ROUNDS_ENV):
            rounds_wanted()

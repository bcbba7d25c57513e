"""`nixswarm history`: the table per name and host (with the latest known NAR size), --hosts, --json, an empty
history, a corrupt one."""

from __future__ import annotations

import json

import pytest

from nixswarm.cli.main import main
from nixswarm.history.database import open_history
from nixswarm.history.runs import add_runs
from nixswarm.store import paths
from tests.unit.history_data import FP_A, FP_B, run


@pytest.fixture
def recorded() -> None:
    """hello on a (2, 4, 9 s; NAR 1 MiB, 2.5 MiB, then unknown) and on b (a failure after 1 s, 3 s, its size
    unknown); zlib on b (512 KiB)."""
    opened = open_history(paths.history_file())
    assert opened.db is not None
    add_runs(
        opened.db,
        [
            run("hello-2.12.1", FP_A, 2.0, nar_size=1024 * 1024),
            run("hello-2.12.1", FP_A, 9.0, nar_size=5 * 512 * 1024),
            run("hello-2.12.1", FP_B, 1.0, "failed", host_name="b"),
            run("hello-2.12.1", FP_A, 4.0),
            run("zlib-1.3", FP_B, 12.25, host_name="b", nar_size=512 * 1024),
            run("hello-2.12.1", FP_B, 3.0, host_name="b"),
        ],
        limit=1000,
    )
    opened.db.close()


@pytest.mark.usefixtures("recorded")
def test_the_table_has_runs_median_last_failures_and_the_latest_known_nar_size_per_name_and_host(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["history"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "name          host  runs  median s  last s  failures  NAR MiB",
        "hello-2.12.1  a     3     4.0       4.0     0         2.50",
        "hello-2.12.1  b     2     3.0       3.0     1         -",
        "zlib-1.3      b     1     12.2      12.2    0         0.50",
    ]


@pytest.mark.usefixtures("recorded")
def test_a_name_narrows_the_table_and_json_says_the_same(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "zlib", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "derivations": [
            {
                "name": "zlib-1.3",
                "host_key": FP_B,
                "host_name": "b",
                "runs": 1,
                "median": 12.25,
                "last": 12.25,
                "failures": 0,
                "nar_size": 512 * 1024,
            }
        ]
    }


@pytest.mark.usefixtures("recorded")
def test_hosts_gives_each_hosts_throughput_and_failure_rate(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--hosts"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "host  runs  built  failed  build s  per hour  failure rate",
        "a     3     3      0       15.0     720.0     0.0%",
        "b     3     2      1       16.2     443.1     33.3%",
    ]
    assert main(["history", "--hosts", "--json"]) == 0
    b = json.loads(capsys.readouterr().out)["hosts"][1]
    assert b == {
        "host_key": FP_B,
        "host_name": "b",
        "runs": 3,
        "built": 2,
        "failed": 1,
        "build_seconds": 16.25,
        "per_hour": pytest.approx(2 * 3600 / 16.25),
        "failure_rate": pytest.approx(1 / 3),
    }


def test_an_empty_history_prints_the_header_and_creates_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history"]) == 0
    assert capsys.readouterr().out == "name  host  runs  median s  last s  failures  NAR MiB\n"
    assert main(["history", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"derivations": []}
    assert not paths.history_file().exists()


def test_a_corrupt_history_is_named_on_stderr_and_the_data_is_empty(capsys: pytest.CaptureFixture[str]) -> None:
    paths.history_file().parent.mkdir(parents=True)
    paths.history_file().write_text("not sqlite " * 200)
    assert main(["history", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == {"derivations": []}
    assert err.startswith(f"nixswarm: history: {paths.history_file()} could not be read (file is not a database)")

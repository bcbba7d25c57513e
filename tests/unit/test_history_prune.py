"""The history stays bounded: past the limit the oldest rows go, and the per-name totals follow."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixswarm.errors import ConfigError
from nixswarm.history.database import open_history
from nixswarm.history.queries import drv_stats, host_stats
from nixswarm.history.runs import TIDY_EVERY, add_runs
from nixswarm.store.settings import Defaults
from nixswarm.store.settings_file import dump_settings, load_settings
from tests.unit.history_data import FP_A, FP_B, run


def test_past_the_limit_the_oldest_rows_are_dropped_and_the_stats_follow(tmp_path: Path) -> None:
    opened = open_history(tmp_path / "history.sqlite")
    assert opened.db is not None
    db = opened.db
    for batch in range(25):  # 250 rows in builds of 10: old-N for the first 150, new-N after
        prefix = "old" if batch < 15 else "new"
        runs = [run(f"{prefix}-{i % 3}", FP_A if i % 2 else FP_B, float(batch * 10 + i)) for i in range(10)]
        add_runs(db, runs, limit=100)
    assert db.execute("SELECT COUNT(*), MIN(seconds), MAX(seconds) FROM runs").fetchone() == (100, 150.0, 249.0)
    stats = drv_stats(db)
    assert {s.name for s in stats} == {"new-0", "new-1", "new-2"}
    assert sum(s.runs for s in stats) == 100
    assert sum(h.runs for h in host_stats(db)) == 100


def test_names_no_run_points_at_are_dropped_as_the_ids_pass_a_thousand(tmp_path: Path) -> None:
    opened = open_history(tmp_path / "history.sqlite")
    assert opened.db is not None
    db = opened.db
    add_runs(db, [run(f"once-{i}") for i in range(10)], limit=100)
    add_runs(db, [run("often") for _ in range(TIDY_EVERY)], limit=100)
    assert db.execute("SELECT name FROM names").fetchall() == [("often",)]


def test_history_rows_is_a_config_key_with_a_default_and_a_range(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    assert Defaults().history_rows == 100_000
    config.write_text("[defaults]\nhistory_rows = 5000\n")
    settings = load_settings(config)
    assert settings.defaults.history_rows == 5000
    assert "history_rows = 5000" in dump_settings(settings)
    config.write_text("[defaults]\nhistory_rows = 5\n")
    with pytest.raises(ConfigError, match=r"defaults\.history_rows.*100-10000000"):
        load_settings(config)
    config.write_text('[defaults]\nhistory_rows = "many"\n')
    with pytest.raises(ConfigError, match="history_rows must be int"):
        load_settings(config)

"""A host's details list its latest builds from the history, read in a thread when the table is shown."""

from __future__ import annotations

from nixswarm.history.database import open_history
from nixswarm.history.runs import LOCAL_KEY, Run, add_runs
from nixswarm.model.validate import LOCAL
from nixswarm.store import paths
from nixswarm.tui.screens.details import DetailsScreen
from tests.tui.pilot import select, settle
from tests.tui.recorded import KEY_ALPHA, Fakes


def record(*runs: Run) -> None:
    opened = open_history(paths.history_file())
    assert opened.db is not None
    add_runs(opened.db, runs, limit=1000)
    opened.db.close()


def built(name: str, key: str, host: str, seconds: float, outcome: str = "built") -> Run:
    return Run(name, "x86_64-linux", key, host, "2.18.1", 1_700_000_000.0, seconds, outcome)  # type: ignore[arg-type]


async def test_enter_shows_the_hosts_latest_builds_newest_first(fakes: Fakes) -> None:
    fp = KEY_ALPHA.fingerprint
    record(built("hello-2.12.1", fp, "alpha", 3.25), built("zlib-1.3", fp, "alpha", 1.0, "failed"))
    record(built("cowsay-3.7", LOCAL_KEY, LOCAL, 0.5))
    app = fakes.app()
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await select(pilot, "alpha")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        recent = [(label, value.split(" (")[0]) for label, value in app.screen.facts if "in " in value]
        assert recent == [("recent builds", "zlib-1.3 failed in 1.0 s"), ("", "hello-2.12.1 built in 3.2 s")]
        assert dict(app.screen.facts)["recent builds"].startswith("zlib-1.3 failed in 1.0 s (x86_64-linux, 11-1")
        await pilot.press("escape")
        await select(pilot, "bravo")  # a discovered host with no approved key: nothing recorded
        await pilot.press("enter")
        await pilot.pause()
        assert dict(app.screen.facts)["recent builds"] == "none recorded yet"
        await pilot.press("escape")
        await select(pilot, LOCAL)
        await pilot.press("enter")
        await pilot.pause()
        assert dict(app.screen.facts)["recent builds"].startswith("cowsay-3.7 built in 0.5 s (x86_64-linux, ")

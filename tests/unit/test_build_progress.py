"""Progress knows per host what builds, what ended, what failed and why, from real Nix 2.8 logs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nixswarm.build.log_events import (
    ActivityStopped,
    BuildCounts,
    BuildsActivity,
    BuildStarted,
    Connecting,
    CopyingOutputs,
    Event,
    LogLine,
    Message,
    PhaseChanged,
    PlainText,
)
from nixswarm.build.progress import Progress
from nixswarm.build.results import BuildBegan, BuildEnded, Change, HostUnreachable, NixMessage, drv_name
from nixswarm.model.validate import LOCAL
from tests.unit.fake_clock import Clock

DATA = Path(__file__).parent / "data"
B1 = "ssh-ng://root@10.77.186.11"
B2 = "ssh-ng://root@10.77.186.12"
B3 = "ssh-ng://root@10.77.186.13"
NAMES = {B1: "b1", B2: "b2", B3: "b3"}
DRV_A = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a.drv"
DRV_B = "/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-b.drv"


def replay(name: str, names: dict[str, str] | None = None) -> tuple[Progress, list[Change]]:
    """Feed a stderr capture of Nix 2.8, one second per line, then finish."""
    clock = Clock()
    progress = Progress(NAMES if names is None else names, clock=clock)
    changes: list[Change] = []
    for line in (DATA / name).read_text().splitlines():
        clock.now += 1
        changes += progress.feed_line(line)
    return progress, changes + progress.finish()


def host(progress: Progress, name: str) -> dict[str, object]:
    return dict(progress.summary()["hosts"][name])


# ---- successful builds ------------------------------------------------------------------------------


def test_a_local_build_counts_for_local() -> None:
    progress, changes = replay("nix28-local-ok.log")
    assert host(progress, LOCAL) == {"built": 1, "failed": 0, "build_seconds": 12.0, "errors": []}
    [derivation] = progress.summary()["derivations"]
    assert derivation["host"] == LOCAL
    assert derivation["ok"] is True
    assert derivation["drv"].endswith("-nxs-caecb8-hello.drv")
    assert [type(c) for c in changes] == [BuildBegan, BuildEnded]


def test_a_remote_ssh_ng_build_counts_once_for_its_host_under_its_friendly_name() -> None:
    progress, _ = replay("nix28-remote-ok.log")
    assert host(progress, "b1")["built"] == 1
    assert host(progress, LOCAL)["built"] == 0
    assert len(progress.results()) == 1


def test_a_remote_builders_log_lines_belong_to_the_build() -> None:
    progress, _ = replay("nix28-remote-ok.log")
    assert progress.results()[0].log_tail == ("building on b1-9e20e", "a line on stderr")


def test_a_machine_without_a_friendly_name_is_named_as_nix_names_it() -> None:
    progress, _ = replay("nix28-remote-ok-ssh.log")
    assert host(progress, "ssh://root@10.77.186.11")["built"] == 1


def test_a_machine_name_with_store_parameters_finds_its_friendly_name() -> None:
    progress = Progress({"ssh-ng://b1": "b1"})
    assert progress.host_name("ssh-ng://b1?compress=false") == "b1"
    assert progress.host_name("") == LOCAL


def test_named_hosts_are_listed_idle_before_they_build_and_local_comes_first() -> None:
    views = Progress(NAMES).hosts()
    assert [v.name for v in views] == [LOCAL, "b1", "b2", "b3"]
    assert all(not v.running and v.built == 0 for v in views)


def test_a_running_build_shows_its_drv_start_time_and_phase() -> None:
    clock = Clock()
    progress = Progress(NAMES, clock=clock)
    for line in (DATA / "nix28-remote-ok.log").read_text().splitlines():
        clock.now += 1
        progress.feed_line(line)
        if "buildPhase" in line:
            break
    [running] = progress.hosts()[1].running
    assert running.drv.endswith("-nxs-ff03d6-hello.drv")
    assert running.phase == "buildPhase"
    assert running.started < clock.now


# ---- when builds end: Nix 2.8 stops a dependency's activity only at the very end ---------------------


def test_in_nix_2_8_each_remote_host_runs_one_build_at_a_time() -> None:
    for name in ("nix28-remote-two-hosts.log", "nix28-remote-two-hosts-ssh.log"):
        progress = Progress()
        for line in (DATA / name).read_text().splitlines():
            progress.feed_line(line)
            assert all(len(view.running) <= 1 for view in progress.hosts()), (name, line)
        levels = [drv_name(r.drv).rsplit("-", 2)[1] for r in progress.results()]
        assert levels == ["l0", "l0", "l1", "l1"], name


def test_in_nix_2_8_a_local_dependency_ends_before_the_build_that_needs_it_starts() -> None:
    progress, changes = replay("nix28-local-chain.log")
    order = [
        (type(c).__name__, drv_name(c.drv if isinstance(c, BuildBegan) else c.result.drv))
        for c in changes
        if isinstance(c, BuildBegan | BuildEnded)
    ]
    names = [n for _, n in order]
    assert [kind for kind, _ in order] == ["BuildBegan", "BuildEnded", "BuildBegan", "BuildEnded"]
    assert names[0] == names[1] and names[0].endswith("-l0-n0")
    assert host(progress, LOCAL)["built"] == 2


def test_with_current_nixs_order_the_activity_that_stops_is_the_build_that_ended() -> None:
    clock = Clock()
    progress = Progress(clock=clock)
    script: list[Event] = [
        BuildsActivity(1),
        BuildStarted(10, DRV_A, ""),
        BuildStarted(11, DRV_B, ""),
        BuildCounts(1, done=1, expected=2, running=1, failed=0),
        ActivityStopped(11),
    ]
    for event in script:
        clock.now += 1
        progress.feed(event)
    [result] = progress.results()
    assert (result.drv, result.status, result.seconds) == (DRV_B, "built", 2.0)
    assert [r.drv for r in progress.hosts()[0].running] == [DRV_A]


def test_a_counted_build_goes_to_the_host_whose_outputs_are_copied_back() -> None:
    progress = Progress()
    script: list[Event] = [
        BuildsActivity(1),
        BuildStarted(10, DRV_A, "ssh://b1"),
        BuildStarted(11, DRV_B, "ssh://b2"),
        CopyingOutputs(12, "ssh://b2"),
        ActivityStopped(12),
        BuildCounts(1, done=1, expected=2, running=1, failed=0),
        Connecting(13, "ssh://b2"),
    ]
    for event in script:
        progress.feed(event)
    assert [(r.drv, r.status) for r in progress.results()] == [(DRV_B, "built")]


# ---- failures ------------------------------------------------------------------------------------------


def test_a_local_failure_carries_the_builders_last_line_and_nixs_error() -> None:
    progress, changes = replay("nix28-local-fail.log")
    ended = [c.result for c in changes if isinstance(c, BuildEnded)]
    assert ended[0].status == "failed"
    assert ended[0].failure() == "error: the widget is broken"  # all that is known when it stops
    [result] = progress.results()
    assert result.error == "builder for 'nxs-243efb-broken' failed with exit code 1"
    assert result.failure() == (
        "builder for 'nxs-243efb-broken' failed with exit code 1; last log line: error: the widget is broken"
    )
    assert host(progress, LOCAL)["failed"] == 1
    assert host(progress, LOCAL)["errors"] == [f"nxs-243efb-broken: {result.failure()}"]


def test_a_remote_failure_counts_for_its_host_with_the_hosts_own_error() -> None:
    progress, _ = replay("nix28-remote-fail.log")
    summary = progress.summary()
    assert summary["hosts"]["b1"]["failed"] == 1
    assert summary["hosts"]["b1"]["built"] == 0
    assert summary["hosts"]["b1"]["errors"] == [
        "nxs-b2a8bf-broken: builder for 'nxs-b2a8bf-broken' failed with exit code 1; "
        "last log line: error: the widget is broken"
    ]
    assert summary["derivations"][0]["ok"] is False
    assert summary["errors"] == []


def test_a_build_nix_gives_up_on_after_another_failed_is_stopped_not_built() -> None:
    progress, _ = replay("nix28-remote-fail-stops-other.log")
    status = {drv_name(r.drv): (r.host, r.status) for r in progress.results()}
    assert status == {"nxs-ba035d-quick-fail": ("b1", "failed"), "nxs-ba035d-slow": ("b3", "stopped")}
    assert host(progress, "b3")["built"] == 0
    # the closing error names both builds: it is Nix's, not one host's
    assert progress.errors == ("build of 'nxs-ba035d-slow', 'nxs-ba035d-quick-fail' failed",)


def test_an_error_naming_a_build_counted_as_built_makes_it_failed() -> None:
    progress = Progress()
    script: list[Event] = [
        BuildsActivity(1),
        BuildStarted(10, DRV_A, ""),
        BuildCounts(1, done=1, expected=1, running=0, failed=0),
        ActivityStopped(10),
        Message(0, f"error: hash mismatch in '{DRV_A}'"),
    ]
    for event in script:
        progress.feed(event)
    assert progress.results()[0].status == "failed"
    assert host(progress, LOCAL) == {
        "built": 0,
        "failed": 1,
        "build_seconds": 0.0,
        "errors": ["a: hash mismatch in 'a'"],
    }


def test_current_nixs_two_line_error_is_joined_into_one() -> None:
    progress = Progress()
    progress.feed(BuildStarted(10, DRV_A, ""))
    progress.feed(Message(0, f"error: Cannot build '{DRV_A}'.\n       Reason: builder failed with exit code 2.\n"))
    progress.feed(ActivityStopped(10))
    assert progress.results()[0].error == "Cannot build 'a': builder failed with exit code 2"


# ---- unreachable builders: the real cause ---------------------------------------------------------------


def test_a_refused_ssh_ng_builder_keeps_sshs_own_words_as_the_first_cause() -> None:
    progress, changes = replay("nix28-remote-refused.log")
    assert progress.connection_errors == {
        "b2": (
            "ssh: connect to host 10.77.186.12 port 22: Connection refused",
            "cannot open connection to remote store 'ssh-ng://root@10.77.186.12': unexpected end-of-file",
        )
    }
    assert HostUnreachable("b2", "ssh: connect to host 10.77.186.12 port 22: Connection refused") in changes
    assert progress.blames_missing_builder
    assert host(progress, "b2")["errors"] == list(progress.connection_errors["b2"])


def test_a_refused_ssh_builder_has_the_cause_inside_nixs_message() -> None:
    progress, _ = replay("nix28-remote-refused-ssh.log", {"ssh://root@10.77.186.12": "b2"})
    assert progress.connection_errors == {
        "b2": ("cannot connect to 'root@10.77.186.12': ssh: connect to host 10.77.186.12 port 22: Connection refused",)
    }


def test_a_builder_that_drops_packets_is_reported_as_timed_out() -> None:
    progress, _ = replay("nix28-remote-blackhole.log")
    assert progress.connection_errors["b3"][0] == "ssh: connect to host 10.77.186.13 port 22: Connection timed out"


def test_when_nix_falls_back_to_another_builder_the_dead_one_is_still_reported() -> None:
    progress, _ = replay("nix28-remote-refused-fallback.log")
    assert "b2" in progress.connection_errors
    assert host(progress, "b3")["built"] == 1
    assert not progress.blames_missing_builder


def test_nixs_blame_on_missing_features_is_an_error_of_nix_not_of_a_host() -> None:
    progress, changes = replay("nix28-remote-refused.log")
    assert progress.errors == ("unable to start any build; remote machines may not have all required system features.",)
    assert [c.level for c in changes if isinstance(c, NixMessage)] == [1, 0]


def test_an_evaluation_trace_is_shown_but_is_no_error() -> None:
    progress = Progress()
    assert progress.feed(Message(0, "trace: hello")) == [NixMessage(0, "trace: hello")]
    assert progress.errors == ()


def test_a_connection_error_seen_twice_is_reported_once() -> None:
    progress = Progress(NAMES)
    for _ in range(3):
        progress.feed(Connecting(5, B2))
        progress.feed(PlainText("ssh: connect to host 10.77.186.12 port 22: Connection refused"))
        progress.feed(ActivityStopped(5))
        progress.feed(Message(0, f"cannot build on '{B2}': error: cannot open connection"))
    assert len(progress.connection_errors["b2"]) == 2


def test_ssh_output_of_a_connection_that_succeeds_is_not_an_error() -> None:
    progress = Progress(NAMES)
    progress.feed(Connecting(5, B1))
    progress.feed(PlainText("Warning: Permanently added '10.77.186.11' (ED25519) to the list of known hosts."))
    progress.feed(ActivityStopped(5))
    progress.feed(BuildStarted(6, DRV_A, B1))
    assert progress.connection_errors == {}


def test_a_plain_line_while_two_hosts_connect_goes_to_the_one_it_names() -> None:
    progress = Progress(NAMES)
    progress.feed(Connecting(5, B1))
    progress.feed(Connecting(6, B2))
    progress.feed(PlainText("ssh: connect to host 10.77.186.12 port 22: Connection refused"))
    progress.feed(ActivityStopped(6))
    progress.feed(Message(0, f"cannot build on '{B2}': error: unexpected end-of-file"))
    assert list(progress.connection_errors) == ["b2"]
    assert progress.connection_errors["b2"][0].endswith("Connection refused")


# ---- summary and robustness -------------------------------------------------------------------------


def test_the_summary_is_json_with_every_host_and_derivation() -> None:
    progress, _ = replay("nix28-remote-two-hosts.log")
    summary = json.loads(json.dumps(progress.summary()))
    assert set(summary) == {"hosts", "derivations", "errors"}
    assert set(summary["hosts"]) == {LOCAL, "b1", "b2", "b3"}
    assert summary["hosts"]["b1"]["built"] == summary["hosts"]["b3"]["built"] == 2
    assert {d["host"] for d in summary["derivations"]} == {"b1", "b3"}
    assert all(set(d) == {"drv", "host", "started", "seconds", "ok", "status", "error"} for d in summary["derivations"])
    assert all(d["seconds"] > 0 for d in summary["derivations"])


def test_each_derivation_says_when_it_started_in_unix_time_from_one_reading_of_the_wall_clock() -> None:
    clock = Clock(5000.0)  # a monotonic clock: its zero is no particular time
    before = time.time()
    progress = Progress(NAMES, clock=clock)
    after = time.time()
    clock.now += 30
    progress.feed(BuildStarted(10, DRV_A, B1))
    clock.now += 12.5
    progress.feed(BuildStarted(11, DRV_B, ""))
    clock.now += 60
    progress.finish()
    started = {d["drv"]: d["started"] for d in progress.summary()["derivations"]}
    assert started.keys() == {DRV_A, DRV_B}
    a, b = started[DRV_A], started[DRV_B]
    assert a is not None and b is not None
    assert before + 30 - 0.001 <= a <= after + 30 + 0.001
    assert b - a == pytest.approx(12.5, abs=0.002)
    assert [r.started for r in progress.results()] == [5030.0, 5042.5]  # on the progress clock, as Running's


IDS = st.integers(min_value=0, max_value=6)
DRVS = st.sampled_from([DRV_A, DRV_B])
MACHINES = st.sampled_from(["", B1, B2])
EVENTS: st.SearchStrategy[Event] = st.one_of(
    st.builds(BuildStarted, IDS, DRVS, MACHINES),
    st.builds(ActivityStopped, IDS),
    st.builds(LogLine, IDS, st.text(max_size=10), st.booleans()),
    st.builds(PhaseChanged, IDS, st.text(max_size=10)),
    st.builds(
        Message,
        st.integers(0, 4),
        st.sampled_from(
            [f"error: x '{DRV_A}'", f"cannot build on '{B2}': no", "error: unable to start any build", "hm"]
        ),
    ),
    st.builds(Connecting, IDS, MACHINES),
    st.builds(CopyingOutputs, IDS, MACHINES),
    st.builds(BuildsActivity, IDS),
    st.builds(BuildCounts, IDS, st.integers(0, 5), st.integers(0, 5), st.integers(0, 5), st.integers(0, 5)),
    st.builds(PlainText, st.text(max_size=20)),
)


@settings(max_examples=300)
@given(st.lists(EVENTS, max_size=40))
def test_any_sequence_of_events_keeps_the_counts_consistent(script: list[Event]) -> None:
    progress = Progress(NAMES)
    for event in script:
        progress.feed(event)
    progress.finish()
    results = progress.results()
    views = progress.hosts()
    assert sum(v.built for v in views) == sum(r.status == "built" for r in results)
    assert sum(v.failed for v in views) == sum(r.status == "failed" for r in results)
    assert not any(v.running for v in views)
    json.dumps(progress.summary())


@settings(max_examples=200)
@given(st.lists(st.text(max_size=60) | st.sampled_from((DATA / "nix28-remote-fail.log").read_text().splitlines())))
def test_garbage_between_real_lines_never_raises(lines: list[str]) -> None:
    progress = Progress(NAMES)
    progress.feed_lines(lines)
    progress.finish()
    json.dumps(progress.summary())

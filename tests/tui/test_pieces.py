"""The TUI's pure pieces: the board, cells, sparkline, key check, machines line, write plan and edit parsing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from nixswarm.errors import ValidationError
from nixswarm.model import Choice, FailureKind, Host, NixVersion, ProbeFailure, TrustState
from nixswarm.model.trust import KeyCheck
from nixswarm.scan.inventory import Known
from nixswarm.scan.session import HostReport
from nixswarm.ssh.include import include_line
from nixswarm.store import paths
from nixswarm.store.settings import Defaults, HostEntry, Settings
from nixswarm.store.state import State
from nixswarm.tui.board import HISTORY, Board, HostRow
from nixswarm.tui.cells import host_cells
from nixswarm.tui.facts import host_facts
from nixswarm.tui.jobs.write_job import plan_write
from nixswarm.tui.machines_line import machines_line
from nixswarm.tui.palette import Palette
from nixswarm.tui.screens.edit import parse_choice
from nixswarm.tui.spark import sparkline
from tests.tui.recorded import (
    ALPHA,
    APPROVED,
    BRAVO,
    CONFIGURED,
    KEY_ALPHA,
    KEY_BRAVO,
    KEY_CHARLIE_NEW,
    KEY_CHARLIE_OLD,
    recorded_events,
    result,
)

PALETTE = Palette("green", "yellow", "red", "grey50", "blue")
SETTINGS = Settings(Defaults(), CONFIGURED)


def test_a_sparkline_scales_to_the_core_count_and_keeps_its_width() -> None:
    assert sparkline([0.0, 3.0, 7.0, 14.0], 7.0, 6) == "▁▄██  "
    assert sparkline([float(n) for n in range(20)], 20.0, 4) == "▇▇▇█"  # the last four only


def test_a_changed_key_is_confirmed_only_by_the_typed_host_name() -> None:
    changed = KeyCheck("charlie", "10.0.0.13:2222", KEY_CHARLIE_NEW, KEY_CHARLIE_OLD, None)
    assert changed.state is TrustState.CHANGED
    assert not changed.confirms("y")
    assert not changed.confirms("Charlie")
    assert changed.confirms(" charlie ")
    new = KeyCheck("bravo", "10.0.0.12:22", KEY_BRAVO, None, KEY_ALPHA.fingerprint)
    assert new.state is TrustState.UNKNOWN and new.advert_differs
    assert not new.confirms("bravo")  # nothing to type for a new key: the dialog's approve button does it
    assert KeyCheck("a", "x:22", KEY_ALPHA, KEY_ALPHA, None).state is TrustState.APPROVED


def test_a_late_scan_report_keeps_the_choice_the_user_made_meanwhile_and_todays_approvals() -> None:
    board = Board()
    for event in recorded_events():
        board.apply(event, SETTINGS, APPROVED)
    toggled = SETTINGS.with_host(HostEntry(ALPHA, Choice(enabled=False)))
    report = HostReport(Known(ALPHA, Choice(enabled=True), True), result(KEY_BRAVO, 1.0), TrustState.APPROVED)
    board.apply(report, toggled, APPROVED)
    row = board.row("alpha")
    assert row is not None
    assert row.known.choice == Choice(enabled=False)
    assert row.trust is TrustState.CHANGED  # presents bravo's key, not the approved one
    assert board.retrust(APPROVED.approve("alpha", KEY_BRAVO)) == ["alpha"]


def test_the_load_history_is_bounded() -> None:
    board = Board()
    board.apply(recorded_events()[1], SETTINGS, APPROVED)
    for n in range(HISTORY + 10):
        board.refreshed("alpha", result(KEY_ALPHA, float(n)), APPROVED)
    row = board.row("alpha")
    assert row is not None and len(row.loads) == HISTORY and row.loads[-1] == HISTORY + 9


def test_cells_show_hostile_text_as_text_never_as_markup() -> None:
    board = Board()
    board.apply(recorded_events()[1], SETTINGS, APPROVED)
    row = board.refreshed("alpha", ProbeFailure(FailureKind.BAD_OUTPUT, "[b]x[/b] [link=y]z"), APPROVED)
    assert row is not None
    assert host_cells(row, PALETTE)[-1].plain == "bad-output: [b]x[/b] [link=y]z"


def test_a_hosts_details_say_its_owners_limits_and_its_jobs_cell_keeps_to_them() -> None:
    limited = HostRow(
        Known(Host("b1", ("10.0.0.2",), max_jobs=4, max_load=2), Choice(max_jobs=8), True), TrustState.UNKNOWN
    )
    assert ("owner's limits", "4 jobs, load 2") in host_facts(limited)
    assert host_cells(limited, PALETTE)[6].plain == "4"
    free = replace(limited, known=replace(limited.known, host=Host("b1", ("10.0.0.2",))))
    assert "owner's limits" not in dict(host_facts(free))
    assert host_cells(free, PALETTE)[6].plain == "8"


def test_the_machines_line_says_why_a_host_gets_none_or_is_not_written() -> None:
    nix, defaults = NixVersion(2, 18, 1), Defaults()
    entry = HostEntry(BRAVO, Choice(enabled=False))
    assert machines_line(entry, None, defaults, nix, configured=False).line is None
    found = machines_line(entry, KEY_BRAVO, defaults, nix, configured=False)
    assert found.line == f"ssh-ng://nixswarm-bravo - - 1 1 - - {KEY_BRAVO.column8}"
    assert found.note.startswith("not written yet")
    old = machines_line(
        HostEntry(ALPHA, Choice(speed_factor=1.5)), KEY_ALPHA, defaults, NixVersion(2, 8), configured=True
    )
    assert old.line is not None and old.line.split()[4] == "2"  # an integer speed factor before Nix 2.20


def test_the_write_plan_diffs_against_the_files_there_and_knows_the_include_line(isolated_home: Path) -> None:
    state = State().approve("alpha", KEY_ALPHA)
    settings = Settings(Defaults(), (CONFIGURED[0],))
    first = plan_write(settings, state, NixVersion(2, 18, 1))
    assert [c.new for c in first.changes] == [True, True, True]
    assert first.include == include_line(paths.ssh_config_file())
    paths.machines_file().parent.mkdir(parents=True)
    paths.machines_file().write_text(first.rendered.machines)
    (isolated_home / ".ssh").mkdir()
    (isolated_home / ".ssh" / "config").write_text(f"{first.include}\n")
    wider = Settings(Defaults(), (replace(CONFIGURED[0], choice=Choice(max_jobs=3)),))
    second = plan_write(wider, state, NixVersion(2, 18, 1))
    machines = second.changes[0]
    assert not machines.new
    assert [line[0] for line in machines.diff[3:] if line[0] in "+-"] == ["-", "+"]
    assert second.include is None


def test_editing_names_the_field_that_is_wrong() -> None:
    base = Choice()
    assert parse_choice(base, " 4 ", "2.5") == Choice(max_jobs=4, speed_factor=2.5)
    with pytest.raises(ValidationError, match="max jobs"):
        parse_choice(base, "four", "1")
    with pytest.raises(ValidationError, match="max jobs"):
        parse_choice(base, "0", "1")
    with pytest.raises(ValidationError, match="speed factor"):
        parse_choice(base, "1", "-1")


def test_a_host_mdns_found_gets_a_probing_row_at_once_and_its_report_fills_it_in() -> None:
    from nixswarm.scan.session import Found

    board = Board()
    assert board.apply(Found(Known(BRAVO, Choice(), False)), SETTINGS, APPROVED) == "bravo"
    row = board.row("bravo")
    assert row is not None and not row.probed
    assert "probing" in host_cells(row, PALETTE)[-1].plain
    assert board.apply(Found(Known(BRAVO, Choice(), False)), SETTINGS, APPROVED) is None  # seen again: no change
    board.apply(
        HostReport(Known(BRAVO, Choice(), False), result(KEY_BRAVO, 0.5), TrustState.UNKNOWN), SETTINGS, APPROVED
    )
    row = board.row("bravo")
    assert row is not None and row.probed and row.result is not None


def test_the_board_offers_a_build_each_hosts_last_failed_probe_and_when_it_came() -> None:
    board = Board()
    board.expect(CONFIGURED, APPROVED)
    refused = ProbeFailure(FailureKind.REFUSED, "alpha: connection refused")
    board.apply(HostReport(Known(ALPHA, Choice(), True), refused, TrustState.APPROVED), SETTINGS, APPROVED, 100.0)
    board.apply(
        HostReport(Known(BRAVO, Choice(), True), result(KEY_BRAVO, 0.5), TrustState.APPROVED), SETTINGS, APPROVED, 100.0
    )
    recent = board.recent_probes()
    assert list(recent) == ["alpha"]
    assert (recent["alpha"].at, recent["alpha"].failure) == (100.0, refused)
    board.refreshed("alpha", result(KEY_ALPHA, 0.5), APPROVED, 105.0)
    assert board.recent_probes() == {}  # it answers again


def test_a_changed_key_stops_counting_as_a_failed_probe_once_the_user_approves_it() -> None:
    board = Board()
    board.expect(CONFIGURED, APPROVED)
    changed = ProbeFailure(FailureKind.HOST_KEY_CHANGED, "alpha: key changed", KEY_BRAVO)
    board.apply(HostReport(Known(ALPHA, Choice(), True), changed, TrustState.CHANGED), SETTINGS, APPROVED, 100.0)
    assert list(board.recent_probes()) == ["alpha"]
    board.retrust(APPROVED.approve("alpha", KEY_BRAVO))
    assert board.recent_probes() == {}

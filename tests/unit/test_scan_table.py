"""`nixswarm scan`'s table: the TRUST column names the approved key, or says what is known without one."""

from __future__ import annotations

from nixswarm.cli.cmd_scan import _host_row
from nixswarm.cli.report import report_dict
from nixswarm.model import Choice, Host, TrustState
from nixswarm.model.probe import FailureKind, ProbeFailure
from nixswarm.scan.inventory import Known
from nixswarm.scan.session import HostReport
from tests.unit.hostile import KEY


def _trust_cell(outcome: ProbeFailure, trust: TrustState) -> str:
    row = _host_row(report_dict(HostReport(Known(Host("b1", ("10.0.0.2",)), Choice(), True), outcome, trust)))
    return row.split()[8]


def test_an_approved_host_that_did_not_answer_says_approved_not_a_slice_of_the_word() -> None:
    assert _trust_cell(ProbeFailure(FailureKind.REFUSED, "b1: refused"), TrustState.APPROVED) == "approved"


def test_an_approved_host_that_presented_its_key_shows_the_fingerprints_start() -> None:
    outcome = ProbeFailure(FailureKind.NO_NIX, "b1: no nix", host_key=KEY)
    assert _trust_cell(outcome, TrustState.APPROVED) == KEY.fingerprint[7:15]


def test_an_unknown_or_changed_key_says_so() -> None:
    outcome = ProbeFailure(FailureKind.NO_NIX, "b1: no nix", host_key=KEY)
    assert _trust_cell(outcome, TrustState.UNKNOWN) == "unknown"
    assert _trust_cell(outcome, TrustState.CHANGED) == "changed"

"""A scan that finds no builder says what to do next, on stderr, and leaves the JSON document as it was."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from nixswarm.cli.cmd_scan import no_builder_hint
from nixswarm.cli.main import main
from nixswarm.scan import session as scan_session


async def _no_events(*_args: Any, **_kwargs: Any) -> AsyncIterator[object]:
    return
    yield  # an async generator that yields nothing


@pytest.fixture
def empty_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_session, "scan", _no_events)


@pytest.mark.usefixtures("empty_scan")
def test_an_empty_scan_table_is_followed_by_the_next_steps_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--mdns-wait", "0"]) == 0
    out, err = capsys.readouterr()
    assert "0 host(s)" in out and "advertise" not in out
    assert "no builder found" in err
    assert "nixswarm advertise" in err and "nixswarm hosts add NAME USER@ADDR" in err


@pytest.mark.usefixtures("empty_scan")
def test_an_empty_json_scan_keeps_its_schema_and_hints_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--json", "--no-mdns"]) == 0
    out, err = capsys.readouterr()
    assert set(json.loads(out)) == {"local", "hosts", "duration_s"}
    assert "nixswarm hosts add NAME USER@ADDR" in err and "--no-mdns" in err


def test_the_hint_names_failing_hosts_and_is_silent_once_a_builder_answered() -> None:
    failed = {"reachable": False}
    hint = no_builder_hint([failed], mdns=True)
    assert hint is not None and hint.startswith("no builder answered")
    assert no_builder_hint([failed, {"reachable": True}], mdns=True) is None

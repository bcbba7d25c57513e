"""`nixswarm hosts trust`: a new key by --fingerprint or a yes; a changed key only with --fingerprint NEW --replace."""

from __future__ import annotations

import pytest

from nixswarm.cli.main import main
from nixswarm.errors import ExitCode
from nixswarm.model.hostkey import HostKey
from nixswarm.probe import hostkey_fetch
from nixswarm.store import paths
from nixswarm.store.settings_file import load_settings
from nixswarm.store.state import State, load_state, save_state
from tests.unit.test_trust import NEW, OLD


@pytest.fixture(autouse=True)
def b1_presents_new(monkeypatch: pytest.MonkeyPatch) -> None:
    """b1 is configured and presents NEW."""

    async def fetch(address: str, port: int, timeout: float) -> HostKey:
        assert (address, port) == ("10.0.0.1", 22)
        return NEW

    monkeypatch.setattr(hostkey_fetch, "fetch_host_key", fetch)
    assert main(["hosts", "add", "b1", "root@10.0.0.1"]) == 0


def approved() -> HostKey | None:
    return load_state(paths.state_file()).approved_key("b1")


def test_a_new_key_is_approved_by_the_fingerprint_that_names_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hosts", "trust", "b1", "--fingerprint", OLD.fingerprint]) == ExitCode.USAGE
    assert "Host key mismatch" in capsys.readouterr().err and approved() is None
    assert main(["hosts", "trust", "b1", "--fingerprint", NEW.fingerprint]) == 0
    assert approved() == NEW
    assert f"approved {NEW.fingerprint} for b1\n" in capsys.readouterr().out


def test_a_changed_key_is_refused_loudly_naming_both_keys_and_the_replace_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    save_state(paths.state_file(), State().approve("b1", OLD))
    for argv in (
        ["hosts", "trust", "b1"],
        ["hosts", "trust", "b1", "--fingerprint", NEW.fingerprint],
        ["hosts", "trust", "b1", "--replace"],
    ):
        assert main(argv) == ExitCode.USAGE
        err = capsys.readouterr().err
        assert "Host key changed: HOST KEY CHANGED for b1" in err
        assert f"approved {OLD.fingerprint}, now {NEW.fingerprint}" in err
        assert f"nixswarm hosts trust b1 --fingerprint {NEW.fingerprint} --replace" in err
        assert approved() == OLD


def test_a_changed_key_is_replaced_by_the_fingerprint_and_replace(capsys: pytest.CaptureFixture[str]) -> None:
    save_state(paths.state_file(), State().approve("b1", OLD))
    assert main(["hosts", "trust", "b1", "--fingerprint", OLD.fingerprint, "--replace"]) == ExitCode.USAGE
    assert approved() == OLD
    assert main(["hosts", "trust", "b1", "--fingerprint", NEW.fingerprint, "--replace"]) == 0
    assert approved() == NEW
    assert f"approved {NEW.fingerprint} for b1 (replacing {OLD.fingerprint})" in capsys.readouterr().out


def test_the_approved_key_needs_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    save_state(paths.state_file(), State().approve("b1", NEW))
    assert main(["hosts", "trust", "b1", "--replace"]) == 0
    assert capsys.readouterr().out.endswith("already approved\n")


def test_enable_enables_and_disable_disables(capsys: pytest.CaptureFixture[str]) -> None:
    def enabled() -> bool:
        entry = load_settings(paths.config_file()).host("b1")
        assert entry is not None
        return entry.choice.enabled

    assert main(["hosts", "disable", "b1"]) == 0 and not enabled()
    assert main(["hosts", "enable", "b1"]) == 0 and enabled()
    assert main(["hosts", "enable", "b1"]) == 0 and enabled()
    assert capsys.readouterr().out.splitlines()[-3:] == ["b1 disabled", "b1 enabled", "b1 enabled"]

"""The command line: help on stdout, usage errors exit 2 on stderr, a bad config changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixswarm import __version__
from nixswarm.cli.main import EPILOG, main
from nixswarm.errors import ExitCode
from nixswarm.store import paths
from nixswarm.store.settings_file import load_settings
from tests.unit.hostile import HOSTILE_PARAMS, shown

COMMANDS = [
    [],
    ["scan"],
    ["build"],
    ["advertise"],
    ["hosts"],
    ["write"],
    ["explain"],
    ["doctor"],
    *(["hosts", action] for action in ("list", "add", "import", "trust", "forget", "enable", "disable")),
]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda argv: " ".join(argv) or "nixswarm")
def test_every_command_has_help_on_stdout_and_exits_0(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"usage: {' '.join(['nixswarm', *argv])}")
    assert err == ""


def test_the_top_help_lists_every_command_and_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("scan", "build", "advertise", "hosts", "write", "explain", "doctor"):
        assert f"    {command} " in out
    assert EPILOG.strip() in out


def test_version_prints_the_version_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr() == (f"nixswarm {__version__}\n", "")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["bogus"], "invalid choice: 'bogus'"),
        (["hosts"], "required: ACTION"),
        (["hosts", "add", "b1"], "required: [USER@]ADDR[:PORT]"),
        (["hosts", "list", "--nope"], "unrecognized arguments: --nope"),
        (["explain"], "one of the arguments --system --drv is required"),
        (["scan", "--timeout", "soon"], "not a number of seconds: 'soon'"),
        (["--timeout", "0", "scan"], "must be 0.1-300 seconds"),
        (["hosts", "add", "b1", "10.0.0.2", "--max-jobs", "many"], "invalid int value: 'many'"),
    ],
)
def test_a_usage_error_exits_2_with_the_message_on_stderr_and_nothing_on_stdout(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == ExitCode.USAGE
    assert ExitCode.USAGE.value == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("usage: nixswarm")
    assert "error: " in err
    assert words in err


def test_an_unknown_host_exits_2_suggesting_the_close_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hosts", "add", "builder1", "10.0.0.2"]) == 0
    capsys.readouterr()
    assert main(["hosts", "enable", "builder2"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "nixswarm: Unknown host: no host named 'builder2'; did you mean 'builder1'?\n"


@pytest.mark.parametrize("value", HOSTILE_PARAMS)
def test_hosts_add_with_a_hostile_name_exits_2_naming_it_on_one_line_and_saves_nothing(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["hosts", "add", "--", value, "10.0.0.2"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("nixswarm: Invalid host: invalid host name ")
    assert shown(value) in err
    assert err.count("\n") == 1
    assert not paths.config_file().exists()


MALFORMED = b'[hosts.b1]\naddresses = ["10.0.0.2"]\nport = "22"\n'


@pytest.mark.parametrize("explicit", [False, True], ids=["xdg-config", "--config"])
def test_write_with_a_malformed_config_exits_with_the_documented_code_names_the_file_and_changes_nothing(
    tmp_path: Path, isolated_home: Path, explicit: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "mine.toml" if explicit else paths.config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_bytes(MALFORMED)
    mtime = config.stat().st_mtime_ns
    before = sorted(p.relative_to(isolated_home) for p in isolated_home.rglob("*"))

    code = main(["write", *(["--config", str(config)] if explicit else [])])

    assert code == ExitCode.USAGE
    assert "  2    usage or configuration error" in EPILOG
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"nixswarm: Configuration error: {config}: hosts.b1.port must be int, not str\n"
    assert config.read_bytes() == MALFORMED
    assert config.stat().st_mtime_ns == mtime
    assert sorted(p.relative_to(isolated_home) for p in isolated_home.rglob("*")) == before
    assert not paths.machines_file().exists()
    assert not paths.ssh_config_file().exists()
    assert not paths.user_ssh_config().exists()


@pytest.mark.parametrize(
    "argv",
    [["hosts", "add", "b2", "10.0.0.3"], ["hosts", "disable", "b1"], ["hosts", "forget", "b1"], ["hosts", "list"]],
    ids=lambda argv: " ".join(argv[:2]),
)
def test_a_hosts_command_with_a_malformed_config_exits_2_and_leaves_it_byte_for_byte(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    config = paths.config_file()
    config.parent.mkdir(parents=True)
    config.write_bytes(MALFORMED)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert str(config) in err
    assert config.read_bytes() == MALFORMED
    assert sorted(p.name for p in config.parent.iterdir()) == ["config.toml"]


def test_options_for_this_run_before_a_hosts_command_are_not_saved_into_the_config() -> None:
    assert main(["hosts", "add", "b0", "10.0.0.1"]) == 0
    before = load_settings(paths.config_file()).defaults
    assert main(["--user", "bob", "--timeout", "7", "--identity", "/k", "hosts", "add", "b1", "10.0.0.2"]) == 0
    saved = load_settings(paths.config_file())
    assert saved.defaults == before and saved.host("b1") is not None

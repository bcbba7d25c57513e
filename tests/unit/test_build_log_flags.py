"""Nix's log options in a `nixswarm build` line: read as each Nix reads them, left out of nix's own command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixswarm.build.argv import BuildUsageError, read_nix_line, split_build_argv
from nixswarm.build.command import nix_argv
from nixswarm.build.log_flags import DEBUG, ERROR, INFO, LogWish, for_nix, log_wish
from nixswarm.build.workdir import BuildDir
from nixswarm.model.nixversion import NixVersion

NIX_2_8, NIX_2_26, NIX_2_34 = NixVersion(2, 8, 0), NixVersion(2, 26, 3), NixVersion(2, 34, 8)
EVERY_NIX = [NIX_2_8, NIX_2_26, NIX_2_34]


def flags(*args: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.name, f.values) for f in read_nix_line(args).flags]


# ---- reading the line as Nix does ------------------------------------------------------------------------------
def test_a_compound_short_flag_is_one_flag_per_letter_as_nix_reads_it() -> None:
    assert flags("-Lv", ".#a") == [("-L", ()), ("-v", ())]
    assert flags("-vvv") == [("-v", ()), ("-v", ()), ("-v", ())]


def test_at_the_first_non_letter_the_rest_of_a_compound_flag_is_a_value() -> None:
    assert flags("-Lj4") == [("-L", ()), ("-j", ("4",))]
    assert flags("-Lf", "g.nix", "-L") == [("-L", ()), ("-f", ("g.nix",)), ("-L", ())]


def test_values_and_words_after_nixs_own_double_dash_are_never_flags() -> None:
    assert flags("--argstr", "name", "-L", "--log-format", "raw") == [
        ("--argstr", ("name", "-L")),
        ("--log-format", ("raw",)),
    ]
    assert flags("-v", "--", "-L") == [("-v", ())]


# ---- the command line nix gets ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ((".#a", "-L"), (".#a",)),
        (("--print-build-logs", ".#a"), (".#a",)),
        (("--log-format", "bar-with-logs", ".#a", "-v"), (".#a", "-v")),
        (("-Lv", ".#a"), ("-v", ".#a")),
        (("-vL", "-Lj4"), ("-v", "-j", "4")),
        (("-vj4", "--quiet", "--debug"), ("-vj4", "--quiet", "--debug")),
        (("--argstr", "x", "-L", "--", "-L"), ("--argstr", "x", "-L", "--", "-L")),
    ],
)
def test_nix_gets_the_users_arguments_less_what_would_change_its_log_format(
    given: tuple[str, ...], kept: tuple[str, ...]
) -> None:
    assert for_nix(given) == kept


def test_nix_logs_internal_json_whatever_the_user_asked_and_keeps_the_verbosity(tmp_path: Path) -> None:
    where = BuildDir(tmp_path)
    argv = nix_argv(where, ("-f", "g.nix", "-Lv", "--log-format", "bar", "--quiet"))
    assert argv.count("--log-format") == 1 and argv[argv.index("--log-format") + 1] == "internal-json"
    assert "-L" not in argv and "bar" not in argv
    assert argv[-4:] == ["-f", "g.nix", "-v", "--quiet"]


def test_log_format_is_accepted_with_one_of_nixs_formats_and_refused_otherwise() -> None:
    assert split_build_argv([".#a", "--log-format", "raw"]).nix == (".#a", "--log-format", "raw")
    with pytest.raises(BuildUsageError, match="one of raw, raw-with-logs, internal-json, bar, bar-with-logs, got 'x'"):
        split_build_argv([".#a", "--log-format", "x"])
    with pytest.raises(BuildUsageError, match="got nothing"):
        split_build_argv([".#a", "--log-format"])
    with pytest.raises(BuildUsageError, match="got 'fancy'"):
        split_build_argv([".#a", "--", "--log-format", "fancy"])


# ---- what the user asked for, per Nix version ------------------------------------------------------------------
@pytest.mark.parametrize("version", EVERY_NIX, ids=str)
@pytest.mark.parametrize(
    ("args", "wish"),
    [
        ((), LogWish("live", False)),
        (("-L",), LogWish("live", True)),
        (("--print-build-logs",), LogWish("live", True)),
        (("-Lv",), LogWish("live", True, INFO + 1)),
        (("--log-format", "bar-with-logs"), LogWish("live", True)),
        (("--log-format", "raw"), LogWish("plain", False)),
        (("--log-format", "raw-with-logs"), LogWish("plain", True)),
        (("--log-format", "internal-json"), LogWish("json", False)),
        (("-L", "--log-format", "bar"), LogWish("live", False)),
        (("--log-format", "bar", "-L"), LogWish("live", True)),
    ],
)
def test_the_log_options_ask_the_same_of_every_nix(version: NixVersion, args: tuple[str, ...], wish: LogWish) -> None:
    assert log_wish(args, version) == wish


@pytest.mark.parametrize("args", [("--log-format", "raw", "-L"), ("--log-format", "internal-json", "-L")])
def test_after_raw_or_internal_json_l_means_bar_with_logs_on_2_8_and_nothing_from_2_11(args: tuple[str, ...]) -> None:
    assert log_wish(args, NIX_2_8) == LogWish("live", True)
    for version in (NixVersion(2, 11), NIX_2_26, NIX_2_34):
        assert log_wish(args, version) == LogWish("plain" if "raw" in args else "json", False)


def test_verbosity_moves_as_nixs_own_from_info() -> None:
    assert log_wish(("-v", "--verbose", "--quiet"), NIX_2_34).verbosity == INFO + 1
    assert log_wish(("--debug",), NIX_2_8).verbosity == DEBUG
    assert log_wish(("--quiet",) * 5, NIX_2_26).verbosity == ERROR
    assert log_wish(("-v",) * 9, NIX_2_26).verbosity == 7


def test_only_errors_and_warnings_are_shown_until_the_user_asks_for_more() -> None:
    default = LogWish()
    assert default.shows(0) and default.shows(1) and not default.shows(2) and not default.shows(3)
    chatty = log_wish(("-vv",), NIX_2_26)
    assert chatty.shows(2) and chatty.shows(5) and not chatty.shows(6)
    silent = log_wish(("--quiet",) * 3, NIX_2_26)
    assert silent.shows(0) and not silent.shows(1)

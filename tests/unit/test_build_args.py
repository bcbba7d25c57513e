"""Splitting `nixswarm build` arguments and reading --local-weight."""

from __future__ import annotations

import pytest

from nixswarm.build.argv import BuildUsageError, split_build_argv, user_max_jobs
from nixswarm.build.weight import parse_weight
from nixswarm.errors import ValidationError


def test_our_options_are_taken_anywhere_and_the_rest_goes_to_nix_in_order() -> None:
    split = split_build_argv([".#pkg", "-L", "--hosts", "b1,b2", "--keep-going", "--exclude=b3", "--no-local"])
    assert split.own == ("--hosts", "b1,b2", "--exclude=b3", "--no-local")
    assert split.nix == (".#pkg", "-L", "--keep-going")


def test_a_nix_option_value_that_looks_like_ours_stays_with_nix() -> None:
    split = split_build_argv(["-f", "g.nix", "--argstr", "mode", "--dry-run", "--arg", "x", "--hosts"])
    assert split.own == ()
    assert split.nix == ("-f", "g.nix", "--argstr", "mode", "--dry-run", "--arg", "x", "--hosts")


def test_everything_after_a_double_dash_is_nix_s() -> None:
    split = split_build_argv(["--hosts", "b1", "--", "--dry-run", ".#x"])
    assert split.own == ("--hosts", "b1")
    assert split.nix == ("--dry-run", ".#x")


@pytest.mark.parametrize(
    "argv",
    [["--builders", "@/f"], ["--builders=x"], ["--option", "builders", "x"], ["--option", "build-hook", "/bin/sh"]],
)
def test_options_that_would_undo_nixswarm_are_refused_with_the_reason(argv: list[str]) -> None:
    with pytest.raises(BuildUsageError, match="nixswarm"):
        split_build_argv(argv)


def test_the_last_max_jobs_given_to_nix_wins() -> None:
    assert user_max_jobs(("-j", "2", ".#a", "--max-jobs", "5")) == "5"
    assert user_max_jobs((".#a",)) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("prefer-local", 1.0),
        ("local", 1.0),
        ("remote-only", 0.0),
        ("30%", 0.3),
        ("0.25", 0.25),
        ("0", 0.0),
        ("100%", 1.0),
    ],
)
def test_local_weight_reads_names_percentages_and_fractions(text: str, value: float) -> None:
    assert parse_weight(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["150%", "-0.1", "lots", "", "nan%"])
def test_a_bad_local_weight_names_the_option_and_the_value(text: str) -> None:
    with pytest.raises(ValidationError, match="--local-weight"):
        parse_weight(text)

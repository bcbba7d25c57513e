"""The TUI's build prompt: the words typed become the same request the command line would make."""

from __future__ import annotations

import argparse

import pytest

from nixswarm.build.argv import BuildUsageError
from nixswarm.build.request_args import add_build_options, request_from, request_of_words


def test_this_builds_options_are_taken_anywhere_and_the_rest_goes_to_nix_in_order() -> None:
    request = request_of_words(["--hosts", "b1,b2", ".#a", "-L", "--exclude=b3", "--argstr", "x", "--hosts"], None)
    assert request.hosts == ("b1", "b2") and request.exclude == ("b3",)
    assert request.nix_args == (".#a", "-L", "--argstr", "x", "--hosts")


def test_the_saved_weight_applies_unless_one_is_typed() -> None:
    assert request_of_words([".#a"], "0.6").local_weight == "0.6"
    assert request_of_words([".#a", "--local-weight", "30%"], "0.6").local_weight == "30%"
    assert request_of_words([".#a", "--no-local"], "0.6").local_weight == "0"
    assert request_of_words([".#a"], None).local_weight is None


def test_no_plan_is_this_builds_own_option_and_plans_by_default() -> None:
    assert request_of_words([".#a"], None).plan
    request = request_of_words([".#a", "--no-plan", "-L"], None)
    assert (request.plan, request.nix_args) == (False, (".#a", "-L"))
    parser = argparse.ArgumentParser()
    add_build_options(parser)
    assert request_from(parser.parse_args(["--no-plan"]), (".#a",), interactive=True).plan is False
    assert request_from(parser.parse_args([]), (".#a",), interactive=True).plan is True


def test_a_summary_file_is_kept_and_the_prompt_never_dry_runs_nor_draws_a_terminal_view() -> None:
    request = request_of_words([".#a", "--json-summary", "out.json"], None)
    assert (request.json_summary, request.dry_run, request.interactive) == ("out.json", False, False)


@pytest.mark.parametrize(
    "words", [["--dry-run", ".#a"], [".#a", "--user", "root"], [".#a", "--config=x"], ["-h"], [".#a", "--no-mdns"]]
)
def test_the_commands_own_options_are_refused_and_named(words: list[str]) -> None:
    with pytest.raises(BuildUsageError, match=r"is an option of the nixswarm command.*--hosts"):
        request_of_words(words, None)


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ([], "name something to build"),
        (["--hosts", "b1"], "name something to build"),
        ([".#a", "--hosts"], "expected one argument"),
        ([".#a", "--builders", "x"], "nixswarm passes --builders"),
    ],
)
def test_a_prompt_that_cannot_build_says_why(words: list[str], message: str) -> None:
    with pytest.raises(BuildUsageError, match=message):
        request_of_words(words, None)


def test_the_command_line_and_the_prompt_make_the_same_request() -> None:
    parser = argparse.ArgumentParser()
    add_build_options(parser)
    words = ["--hosts", "b1", "--exclude", "b2", "--local-weight", "25%", "--json-summary", "s.json"]
    from_cli = request_from(parser.parse_args(words), (".#a",), interactive=False)
    assert from_cli == request_of_words([*words, ".#a"], None)

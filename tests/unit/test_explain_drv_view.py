"""What `nixswarm explain --drv` prints: the builders best first, then every other host and why it is left out."""

from __future__ import annotations

import json

from nixswarm.cli.explain_drv_view import as_json, render
from nixswarm.hook.score import MIB, Score
from nixswarm.scan.explain_drv import DrvExplanation

DRV = "/nix/store/" + "a" * 32 + "-hello-2.12.drv"


def score(name: str, finish: float, *, copy: int = 0, have: int = 0, load: float = 0.0) -> Score:
    return Score(name, finish=finish, wait=0.0, free=True, copy_bytes=copy, have_bytes=have, load=load, running=0)


def explanation(
    scores: list[Score], left_out: list[tuple[str, str]], *, features: tuple[str, ...] = ()
) -> DrvExplanation:
    inputs = ("/nix/store/" + "b" * 32 + "-src", "/nix/store/" + "c" * 32 + "-bash")
    return DrvExplanation(DRV, "x86_64-linux", features, inputs, 412 * MIB, scores, left_out)


def test_the_table_ranks_the_hosts_then_names_the_rest() -> None:
    ex = explanation(
        [score("nxb1", 10.25, have=412 * MIB, load=0.2), score("nxb2", 14.0, copy=412 * MIB, load=1.75)],
        [
            ("nxb3", "over its load limit (6.1 > 4)"),
            ("arm", "does not build x86_64-linux"),
            ("old", "host key not approved yet (nixswarm hosts trust NAME)"),
        ],
        features=("kvm", "big-parallel"),
    )
    assert render(ex).splitlines() == [
        DRV,
        "  x86_64-linux, requires kvm, big-parallel; 2 input paths, 412 MiB",
        "",
        "    host               finish    to copy      there   load",
        " 1. nxb1               10.2 s      0 KiB    412 MiB    0.2",
        " 2. nxb2               14.0 s    412 MiB      0 KiB    1.8",
        " -  nxb3            over its load limit (6.1 > 4)",
        " -  arm             does not build x86_64-linux",
        " -  old             host key not approved yet (nixswarm hosts trust NAME)",
        "",
        "best: nxb1 (estimates assume a 10 s build and no other work)",
    ]


def test_no_eligible_host_gives_no_best_line() -> None:
    text = render(explanation([], [("arm", "does not build x86_64-linux")]))
    assert "best:" not in text
    assert text.splitlines()[-1] == " -  arm             does not build x86_64-linux"
    assert " 1. " not in text


def test_an_unknown_system_is_a_question_mark_and_no_features_are_not_mentioned() -> None:
    ex = DrvExplanation(DRV, "", (), (), 0, [], [])
    assert render(ex).splitlines()[1] == "  ?; 0 input paths, 0 KiB"


def test_a_reason_is_printed_whole_when_the_host_is_named_like_its_first_word() -> None:
    text = render(explanation([], [("host", "host key not approved yet (nixswarm hosts trust NAME)")]))
    assert text.splitlines()[-1] == " -  host            host key not approved yet (nixswarm hosts trust NAME)"


def test_the_json_has_every_score_and_every_left_out_host() -> None:
    ex = explanation(
        [score("nxb1", 10.2468, have=5, load=0.234)], [("arm", "does not build x86_64-linux")], features=("kvm",)
    )
    data = as_json(ex)
    assert json.loads(json.dumps(data)) == data
    assert data == {
        "drv": DRV,
        "system": "x86_64-linux",
        "features": ["kvm"],
        "inputs": 2,
        "input_bytes": 412 * MIB,
        "scores": [
            {
                "host": "nxb1",
                "finish_s": 10.247,
                "wait_s": 0.0,
                "free_slot": True,
                "copy_bytes": 0,
                "inputs_there_bytes": 5,
                "load": 0.23,
                "running": 0,
                "work_s": 0.0,
            }
        ],
        "left_out": [{"host": "arm", "why": "does not build x86_64-linux"}],
    }

"""The lab itself: real builders that Nix uses, refuses, or waits for, and that leave nothing behind."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.helpers import MakeLab, build_graph, machines_file
from tests.lab import BuilderSpec, Lab, LabUnavailable, procs
from tests.lab import lab as lab_module


def _lab_leftovers(lab: Lab) -> list[str]:
    namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
    found = [ns for ns in namespaces.split() if ns.startswith(f"nx{lab.run_id}")]
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=False).stdout
    found += [f"link {lab.bridge}"] if lab.bridge in links else []
    procs = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=False).stdout
    found += [line for line in procs.splitlines() if str(lab.dir) in line]
    found += [f"dir {lab.dir}"] if lab.dir.exists() else []
    groups = Path("/etc/group").read_text()
    found += [f"group of {lab.run_id}"] if f"nx{lab.run_id}" in groups else []
    users = Path("/etc/passwd").read_text()
    found += [f"user of {lab.run_id}"] if f"nx{lab.run_id}" in users else []
    return found


@pytest.mark.parametrize("scheme", ["ssh-ng", "ssh"])
def test_a_nine_derivation_graph_lands_on_all_three_builders(lab3: Lab, scheme: str, tmp_path: Path) -> None:
    builders = machines_file(lab3, lab3.builders, tmp_path / "machines", scheme=scheme)  # type: ignore[arg-type]
    done, nodes = build_graph(lab3, builders, sleep=1)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(nodes) == 9
    assert {n.built_by for n in nodes} == {b.lab_id for b in lab3.builders}
    assert "local" not in {n.built_by for n in nodes}


def test_a_wrong_host_key_in_column_8_makes_nix_refuse_that_builder(lab3: Lab, tmp_path: Path) -> None:
    impostor = lab3.builders[1].host_key_line  # a real key, but not b1's
    builders = machines_file(lab3, lab3.builders[:1], tmp_path / "machines", keys={"b1": impostor})
    done, _ = build_graph(lab3, builders, width=1, depth=1)
    assert done.returncode != 0
    assert "Host key verification failed" in done.stderr


def test_a_blackholed_builder_stalls_a_build_no_longer_than_the_connect_timeout(
    make_lab: MakeLab, tmp_path: Path
) -> None:
    lab = make_lab([BuilderSpec(), BuilderSpec(state="blackhole")])
    builders = machines_file(lab, lab.builders, tmp_path / "machines")
    started = time.monotonic()
    done, nodes = build_graph(lab, builders, width=2, depth=1, sleep=0)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-2000:]
    assert {n.built_by for n in nodes} == {lab.builders[0].lab_id}
    # ConnectTimeout=3 in NIX_SSHOPTS: one stalled attempt per derivation at most; Nix alone waited minutes
    assert elapsed < 2 * 3 + 5, f"stalled {elapsed:.1f} s"


def test_setup_and_teardown_of_three_builders_take_under_five_seconds_and_leave_nothing() -> None:
    started = time.monotonic()
    lab = Lab([BuilderSpec(), BuilderSpec(), BuilderSpec()])
    try:
        lab.__enter__()
    except Exception as err:
        pytest.fail(f"lab set-up failed: {err}")
    assert all(b.pid for b in lab.builders)
    lab.teardown()
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"{elapsed:.2f} s"
    assert _lab_leftovers(lab) == []


def test_a_failing_test_still_tears_its_lab_down(make_lab: MakeLab) -> None:
    holder: list[Lab] = []

    class Boom(Exception):
        pass

    with pytest.raises(Boom), Lab([BuilderSpec()]) as lab:
        holder.append(lab)
        raise Boom
    assert _lab_leftovers(holder[0]) == []


def test_a_builder_whose_sshd_is_down_refuses_connections_at_once(make_lab: MakeLab) -> None:
    import socket

    lab = make_lab([BuilderSpec(state="refused")])
    started = time.monotonic()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((lab.builders[0].address, 22), timeout=3)
    assert time.monotonic() - started < 1


def test_a_lab_whose_set_up_fails_half_way_removes_what_it_made(monkeypatch: pytest.MonkeyPatch) -> None:
    real_run = procs.run

    def failing_second_address(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        if argv[:2] == ["ip", "-n"] and "addr" in argv and argv[2].endswith("b2"):
            raise subprocess.CalledProcessError(2, argv, "", "RTNETLINK answers: File exists")
        return real_run(argv, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lab_module, "run", failing_second_address)
    lab = Lab([BuilderSpec(), BuilderSpec(), BuilderSpec()])
    with pytest.raises(subprocess.CalledProcessError):
        lab.__enter__()
    assert _lab_leftovers(lab) == []


def test_a_builder_that_cannot_start_reports_the_real_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lab_module, "SSHD_HERE", 'mount --bind /nonexistent-nxlab "$1"')
    lab = Lab([BuilderSpec()])
    with pytest.raises(LabUnavailable, match=r"sshd of b1 did not start: exited with \d+; sshd-start.log: mount: .*"):
        lab.__enter__()
    assert _lab_leftovers(lab) == []

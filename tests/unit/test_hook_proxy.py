"""The proxy between a fake Nix (real protocol bytes, fds 0/1/2/4/5 as hook-instance.cc sets them) and a fake hook."""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nixswarm.hook.messages import Try, encode_settings
from nixswarm.hook.wire import encode_int, encode_string, encode_strings

FAKE_HOOK = str(Path(__file__).with_name("fake_real_hook.py"))
SETTINGS = {
    "max-jobs": "2",
    "system": "x86_64-linux",
    "extra-platforms": "i686-linux",
    "system-features": "big-parallel kvm",
    "builders": "@/etc/nix/machines",
    "build-hook": "/x/hook",
}
TIMEOUT = 10


def drv(name: str) -> str:
    return f"/nix/store/{'a' * 32}-{name}.drv"


class FakeNix:
    """Starts the hook like Nix does and talks to it byte for byte."""

    def __init__(self, env: dict[str, str]) -> None:
        to_r, self.to_hook = os.pipe()
        self.from_hook, from_w = os.pipe()
        self.builder_out, builder_w = os.pipe()
        actions = [
            (os.POSIX_SPAWN_DUP2, to_r, 0),
            (os.POSIX_SPAWN_DUP2, from_w, 1),
            (os.POSIX_SPAWN_DUP2, from_w, 2),
            (os.POSIX_SPAWN_DUP2, builder_w, 4),
            (os.POSIX_SPAWN_DUP2, self.builder_out, 5),
        ]
        argv = [sys.executable, "-m", "nixswarm.hook", "7"]
        self.pid = os.posix_spawn(sys.executable, argv, env, file_actions=actions, setpgroup=0)
        for fd in (to_r, from_w, builder_w):
            os.close(fd)
        self.buffer = b""
        self.status: int | None = None

    def send(self, data: bytes) -> None:
        os.write(self.to_hook, data)

    def close_stdin(self) -> None:
        os.close(self.to_hook)
        self.to_hook = -1

    def _more(self) -> bool:
        ready, _, _ = select.select([self.from_hook], [], [], TIMEOUT)
        assert ready, f"no output from the hook in {TIMEOUT} s; so far {self.buffer!r}"
        chunk = os.read(self.from_hook, 65536)
        self.buffer += chunk
        return bool(chunk)

    def line(self) -> str | None:
        """One line of the hook's stderr, as Nix's readLine reads it; None at EOF."""
        while b"\n" not in self.buffer:
            if not self._more():
                return None
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def reply(self) -> tuple[str | None, list[str]]:
        """The hook's reply and the lines before it (Nix prints or parses those)."""
        before: list[str] = []
        while (line := self.line()) is not None:
            if line.startswith("# "):
                return line[2:], before
            before.append(line)
        return None, before

    def rest(self) -> bytes:
        while self._more():
            pass
        rest, self.buffer = self.buffer, b""
        return rest

    def builder_log(self) -> bytes:
        data = b""
        while True:
            ready, _, _ = select.select([self.builder_out], [], [], TIMEOUT)
            assert ready
            chunk = os.read(self.builder_out, 65536)
            if not chunk:
                return data
            data += chunk

    def wait(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        self.status = status
        return status

    def close(self) -> None:
        if self.status is None:
            os.killpg(self.pid, signal.SIGKILL)
            self.wait()
        for fd in (self.to_hook, self.from_hook, self.builder_out):
            if fd >= 0:
                os.close(fd)


Spawn = Callable[..., FakeNix]


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Spawn]:
    """spawn(policy, replies, **fake_hook_script): a proxy under a fake Nix, killed after the test."""
    started: list[FakeNix] = []

    def make(policy: dict[str, object] | str | None, replies: list[str] | None = None, **script: object) -> FakeNix:
        env = {k: v for k, v in os.environ.items() if k != "NIXSWARM_HOOK_POLICY"}
        if policy is not None:
            env["NIXSWARM_HOOK_POLICY"] = policy if isinstance(policy, str) else json.dumps(policy)
        env["FAKE_HOOK"] = json.dumps({"record": str(tmp_path / "record.json"), "replies": replies or [], **script})
        nix = FakeNix(env)
        started.append(nix)
        return nix

    yield make
    for nix in started:
        nix.close()


def policy(share: float, tmp_path: Path, decline_to_wait: bool = True) -> dict[str, object]:
    return {
        "local_share": share,
        "ledger": str(tmp_path / "ledger"),
        "real_hook": [sys.executable, FAKE_HOOK],
        "decline_to_wait": decline_to_wait,
    }


def record(tmp_path: Path) -> dict[str, object]:
    path = tmp_path / "record.json"
    return json.loads(path.read_text()) if path.exists() else {}


def tries(tmp_path: Path) -> list[dict[str, object]]:
    found = record(tmp_path).get("tries", [])
    assert isinstance(found, list)
    return found


def test_prefer_local_declines_itself_and_never_starts_the_real_hook(spawn: Spawn, tmp_path: Path) -> None:
    nix = spawn(policy(1, tmp_path))
    nix.send(encode_settings(SETTINGS) + Try(True, "x86_64-linux", drv("a"), ()).encode())
    assert nix.reply() == ("decline", [])
    nix.send(Try(True, "i686-linux", drv("b"), ("kvm",)).encode())
    assert nix.reply() == ("decline", [])
    nix.close_stdin()
    assert nix.wait() == 0
    assert record(tmp_path) == {}


def test_a_forwarded_try_reaches_the_real_hook_after_the_settings_replayed_verbatim(
    spawn: Spawn, tmp_path: Path
) -> None:
    nix = spawn(policy(1, tmp_path), ["decline"], chatter=True)
    request = Try(False, "x86_64-linux", drv("a"), ("big-parallel",))
    nix.send(encode_settings(SETTINGS) + request.encode())
    reply, before = nix.reply()
    assert (reply, before) == (
        "decline",
        ['@nix {"action":"msg","level":5,"msg":"considering a machine"}', "plain chatter"],
    )
    seen = record(tmp_path)
    assert seen["settings"] == SETTINGS
    assert seen["tries"] == [{"am_willing": False, "drv": drv("a"), "raw": request.encode().hex()}]
    assert seen["argv"] == [Path(sys.executable).name, FAKE_HOOK, "7"]
    assert seen["fds"] == [4, 5]


def test_after_accept_inputs_outputs_and_logs_flow_and_the_real_hooks_exit_code_is_ours(
    spawn: Spawn, tmp_path: Path
) -> None:
    nix = spawn(policy(1, tmp_path), ["decline", "accept"], exit=1)
    nix.send(encode_settings(SETTINGS) + Try(False, "x86_64-linux", drv("a"), ()).encode())
    assert nix.reply() == ("decline", [])
    nix.send(Try(True, "x86_64-linux", drv("b"), ()).encode())
    assert nix.reply() == ("decline", [])  # the proxy's own: a local slot is free
    nix.send(Try(False, "x86_64-linux", drv("c"), ()).encode())
    assert nix.reply() == ("accept", [])
    assert nix.line() == "ssh-ng://fake-machine"
    nix.send(encode_strings(["/nix/store/" + "b" * 32 + "-src"]) + encode_strings(["out", "dev"]))
    nix.close_stdin()
    assert nix.builder_log() == b"building on the fake machine\n"
    assert b"copying outputs" in nix.rest()
    assert os.waitstatus_to_exitcode(nix.wait()) == 1
    seen = record(tmp_path)
    assert [t["drv"] for t in tries(tmp_path)] == [drv("a"), drv("c")]
    assert seen["inputs"] == ["/nix/store/" + "b" * 32 + "-src"]
    assert seen["outputs"] == ["out", "dev"]


def test_remote_only_hides_the_free_local_slot_from_the_real_hook(spawn: Spawn, tmp_path: Path) -> None:
    nix = spawn(policy(0, tmp_path), ["postpone"])
    nix.send(encode_settings(SETTINGS) + Try(True, "x86_64-linux", drv("a"), ()).encode())
    assert nix.reply() == ("postpone", [])
    assert [t["am_willing"] for t in tries(tmp_path)] == [False]


def test_prefer_local_turns_a_postpone_into_a_wait_for_the_next_local_slot(spawn: Spawn, tmp_path: Path) -> None:
    # a postponed derivation is asked again every build-poll-interval (5 s); a declined one when a slot frees
    nix = spawn(policy(1, tmp_path), ["postpone", "postpone"])
    nix.send(encode_settings(SETTINGS) + Try(False, "x86_64-linux", drv("a"), ()).encode())
    assert nix.reply() == ("decline", [])
    nix.send(Try(False, "aarch64-linux", drv("b"), ()).encode())
    assert nix.reply() == ("postpone", [])  # it cannot build here: it must wait for a builder


def test_without_decline_to_wait_a_postpone_stays_a_postpone(spawn: Spawn, tmp_path: Path) -> None:
    nix = spawn(policy(1, tmp_path, decline_to_wait=False), ["postpone"])
    nix.send(encode_settings(SETTINGS) + Try(False, "x86_64-linux", drv("a"), ()).encode())
    assert nix.reply() == ("postpone", [])


def test_a_derivation_this_machine_cannot_build_is_never_declined(spawn: Spawn, tmp_path: Path) -> None:
    nix = spawn(policy(1, tmp_path), ["accept"])
    nix.send(encode_settings(SETTINGS) + Try(True, "aarch64-linux", drv("a"), ()).encode())
    assert nix.reply() == ("accept", [])


def held_output(tmp_path: Path, name: str) -> tuple[str, int]:
    """A .drv whose one output lock this fake Nix holds, as Nix does from the moment it asks the hook."""
    lock = tmp_path / f"{name}-out.lock"
    drv_file = tmp_path / f"{name}.drv"
    drv_file.write_text(f'Derive([("out","{tmp_path / name}-out","","")],[],[],"x86_64-linux")')
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return str(drv_file), fd


def test_prefer_local_declines_no_more_than_max_jobs_while_amwilling_is_stale(spawn: Spawn, tmp_path: Path) -> None:
    # Nix 2.8 starts declined derivations only after asking about all others, so amWilling stays 1 meanwhile
    nix = spawn(policy(1, tmp_path), ["accept"])
    (a, lock_a), (b, _), (c, _), (d, _) = (held_output(tmp_path, n) for n in "abcd")
    nix.send(encode_settings(SETTINGS) + Try(True, "x86_64-linux", a, ()).encode())
    assert nix.reply() == ("decline", [])
    nix.send(Try(True, "x86_64-linux", b, ()).encode())
    assert nix.reply() == ("decline", [])
    os.close(lock_a)  # a is built: its slot is free again
    nix.send(Try(True, "x86_64-linux", c, ()).encode())
    assert nix.reply() == ("decline", [])
    nix.send(Try(True, "x86_64-linux", d, ()).encode())
    assert nix.reply() == ("accept", [])  # b and c hold both slots
    assert [t["drv"] for t in tries(tmp_path)] == [d]


def test_with_max_jobs_0_nothing_is_declined(spawn: Spawn, tmp_path: Path) -> None:
    nix = spawn(policy(1, tmp_path), ["postpone"])
    nix.send(encode_settings({**SETTINGS, "max-jobs": "0"}) + Try(True, "x86_64-linux", drv("a"), ()).encode())
    assert nix.reply() == ("postpone", [])


def test_a_half_share_alternates_across_hook_processes_through_the_ledger(spawn: Spawn, tmp_path: Path) -> None:
    first = spawn(policy(0.5, tmp_path), ["accept"])
    first.send(encode_settings(SETTINGS) + Try(True, "x86_64-linux", drv("a"), ()).encode())
    assert first.reply() == ("decline", [])
    first.send(Try(True, "x86_64-linux", drv("b"), ()).encode())
    assert first.reply() == ("accept", [])  # b went to the real hook, which took it
    second = spawn(policy(0.5, tmp_path), ["accept"])  # Nix starts a new hook after an accept
    second.send(encode_settings(SETTINGS) + Try(False, "x86_64-linux", drv("c"), ()).encode())
    assert second.reply() == ("decline", [])  # c waits for a local slot: the share is 1 of 2 so far
    second.send(Try(True, "x86_64-linux", drv("c"), ()).encode())
    assert second.reply() == ("decline", [])  # asked again once a slot is free: still local
    ledger = (tmp_path / "ledger" / "ledger").read_text().splitlines()
    assert sorted(ledger) == sorted([f"local {drv('a')}", f"remote {drv('b')}", f"local {drv('c')}"])


def test_an_unusable_ledger_leaves_the_choice_to_the_real_hook(spawn: Spawn, tmp_path: Path) -> None:
    (tmp_path / "ledger").write_text("a file where the folder should be")
    nix = spawn(policy(1, tmp_path), ["decline"])
    nix.send(encode_settings(SETTINGS) + Try(True, "x86_64-linux", drv("a"), ()).encode())
    reply, before = nix.reply()
    assert reply == "decline"
    assert len(before) == 1
    assert before[0].startswith("nixswarm hook: ledger ")
    assert [t["am_willing"] for t in tries(tmp_path)] == [True]


def test_garbage_from_nix_ends_the_hook_with_a_message(spawn: Spawn, tmp_path: Path) -> None:
    nix = spawn(policy(1, tmp_path))
    nix.send(
        encode_settings(SETTINGS) + encode_string("try") + encode_int(1) + encode_int(3) + b"abc\x00\x00\x00\x00\x07"
    )
    assert nix.reply() == (None, ["nixswarm hook: WireError: non-zero padding"])
    assert os.waitstatus_to_exitcode(nix.wait()) == 1


def test_decline_permanently_is_relayed(spawn: Spawn, tmp_path: Path) -> None:
    nix = spawn(policy(0, tmp_path), permanently=True)
    nix.send(encode_settings(SETTINGS) + Try(True, "x86_64-linux", drv("a"), ()).encode())
    assert nix.reply() == ("decline-permanently", [])


def test_a_real_hook_that_dies_before_replying_ends_our_output_with_its_status(spawn: Spawn, tmp_path: Path) -> None:
    nix = spawn(policy(0, tmp_path), ["die"])
    nix.send(encode_settings(SETTINGS) + Try(True, "x86_64-linux", drv("a"), ()).encode())
    assert nix.reply() == (None, ["fake hook: dying"])
    assert os.waitstatus_to_exitcode(nix.wait()) == 3


@pytest.mark.parametrize("bad", ['{"local_share": 2}', "not json", '{"local_shar": 0.5}', None])
def test_an_unusable_policy_makes_the_hook_the_real_hook(
    spawn: Spawn, tmp_path: Path, bad: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the real hook comes from the policy when it names one; here from NIX_LIBEXEC_DIR (Nix's own default)
    libexec = tmp_path / "libexec" / "nix"
    libexec.mkdir(parents=True)
    (libexec / "build-remote").write_text(
        f"#!{sys.executable}\nimport runpy\nrunpy.run_path({FAKE_HOOK!r}, run_name='__main__')\n"
    )
    (libexec / "build-remote").chmod(0o755)
    monkeypatch.setenv("NIX_LIBEXEC_DIR", str(tmp_path / "libexec"))
    nix = spawn(bad, ["decline"])
    nix.send(encode_settings(SETTINGS) + Try(True, "x86_64-linux", drv("a"), ()).encode())
    reply, before = nix.reply()
    assert reply == "decline"
    assert len(before) == 1
    assert before[0].startswith("nixswarm hook: ")
    assert [t["am_willing"] for t in tries(tmp_path)] == [True]  # untouched, even with a free local slot
    assert record(tmp_path)["argv"][1:] == [str(libexec / "build-remote"), "7"]  # type: ignore[index]


def test_an_unusable_policy_that_names_a_real_hook_uses_it(spawn: Spawn, tmp_path: Path) -> None:
    bad = json.dumps({"local_share": "half", "real_hook": [sys.executable, FAKE_HOOK]})
    nix = spawn(bad, ["postpone"])
    nix.send(encode_settings(SETTINGS) + Try(True, "x86_64-linux", drv("a"), ()).encode())
    assert nix.reply()[0] == "postpone"
    assert record(tmp_path)["argv"] == [Path(sys.executable).name, FAKE_HOOK, "7"]


def test_the_hook_imports_nothing_heavy() -> None:
    code = (
        "import sys; import nixswarm.hook.__main__, nixswarm.hook.proxy, nixswarm.hook.config; "
        "print(' '.join(sorted(sys.modules)))"
    )
    loaded = set(
        subprocess.run(
            [sys.executable, "-S", "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[2],
        ).stdout.split()
    )
    heavy = {"asyncssh", "textual", "zeroconf", "rich", "psutil", "pathlib", "dataclasses", "typing", "subprocess"}
    assert loaded & heavy == set()

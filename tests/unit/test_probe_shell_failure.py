"""A builder whose ssh cannot start the probe's `sh -s` gets a failure that says what is wrong and what to do."""

from __future__ import annotations

import asyncio
from typing import Any

from nixswarm.model.host import Host
from nixswarm.model.probe import FailureKind, ProbeFailure
from nixswarm.probe.parse_output import ScriptRun, shell_failure
from nixswarm.probe.pool import ConnectionPool
from nixswarm.probe.remote import probe_host
from nixswarm.probe.ssh_target import SshTarget
from tests.unit.hostile import KEY


class _Stream:
    def __init__(self, text: str) -> None:
        self._chunks = [text] if text else []

    async def read(self, _size: int) -> str:
        return self._chunks.pop(0) if self._chunks else ""


class _Stdin:
    def write(self, _text: str) -> None: ...

    def write_eof(self) -> None: ...


class _Process:
    def __init__(self, stdout: str, stderr: str, exit_status: int | None) -> None:
        self.stdin, self.stdout, self.stderr = _Stdin(), _Stream(stdout), _Stream(stderr)
        self.exit_status = exit_status

    def close(self) -> None: ...

    async def wait_closed(self) -> None: ...


class _Conn:
    """An open connection whose one command ends as given."""

    def __init__(self, stdout: str, stderr: str, exit_status: int | None) -> None:
        self.process = _Process(stdout, stderr, exit_status)
        self.commands: list[str] = []

    def is_closed(self) -> bool:
        return False

    def close(self) -> None: ...

    async def wait_closed(self) -> None: ...

    def get_server_host_key(self) -> Any:
        return None

    async def create_process(self, command: str, **_options: Any) -> _Process:
        self.commands.append(command)
        return self.process


def _probe(stdout: str, stderr: str, exit_status: int | None) -> ProbeFailure:
    target = SshTarget(Host("b1", ("10.0.0.2",)), "nix", None, KEY)
    pool = ConnectionPool()
    conn = _Conn(stdout, stderr, exit_status)
    pool.put(target, conn)
    outcome = asyncio.run(probe_host(target, pool=pool))
    assert conn.commands == ["sh -s"]
    assert isinstance(outcome, ProbeFailure)
    return outcome


def test_a_builder_without_sh_is_told_it_needs_a_posix_sh_for_the_probe() -> None:
    outcome = _probe("", "bash: line 1: sh: command not found\n", 127)
    assert outcome.kind is FailureKind.NO_SHELL
    assert outcome.message.startswith("b1 (10.0.0.2:22): the probe's shell command failed: ")
    assert "bash: line 1: sh: command not found (exit 127)" in outcome.message
    assert "needs a POSIX `sh` on the builder's PATH" in outcome.message
    assert "Nix itself only needs nix-store or nix-daemon" in outcome.message


def test_a_login_shell_that_runs_no_commands_is_named_with_its_own_words() -> None:
    outcome = _probe("", "This account is currently not available.\n", 1)
    assert outcome.kind is FailureKind.NO_SHELL
    assert "This account is currently not available. (exit 1)" in outcome.message
    assert "login shell of the ssh user, which must run commands" in outcome.message


def test_a_script_that_started_is_judged_by_its_output_not_by_its_stderr() -> None:
    run = ScriptRun("@@nixswarm:version\n", "sh: 1: nix: not found\n", 0)
    assert shell_failure(run) is None
    outcome = _probe("@@nixswarm:version\n", "", 0)
    assert outcome.kind is FailureKind.BAD_OUTPUT


def test_a_hostile_stderr_reaches_the_message_without_escapes_or_line_breaks() -> None:
    reason = shell_failure(ScriptRun("", "\x1b]0;evil\x07x\r\nsh: not found \x1b[31mred\x00\n" + "v" * 500, 127))
    assert reason is not None
    assert not any(c in reason for c in "\x1b\x07\r\n\x00")
    assert "v" * 200 in reason and "v" * 201 not in reason
    silent = shell_failure(ScriptRun("", "", None))
    assert silent is not None and "no exit status, no message" in silent

"""The real build hook as our child: started the way Nix starts a hook, fed Nix's bytes, its output relayed."""

from __future__ import annotations

import os
import select

from nixswarm.hook.readfile import write_all

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn

BUILDER_FDS = (4, 5)
"""Nix's builder-output pipe: fd 4 its write side (build logs), fd 5 its read side (build-remote reads ssh errors)."""


def hook_argv(real_hook: tuple[str, ...], tail: list[str]) -> list[str]:
    """argv as hook-instance.cc builds it: the executable's base name, its arguments, then Nix's (the verbosity)."""
    return [os.path.basename(real_hook[0]), *real_hook[1:], *tail]  # noqa: PTH119


def exec_real_hook(real_hook: tuple[str, ...], tail: list[str]) -> NoReturn:
    """Become the real hook (pure pass-through); never returns."""
    argv = hook_argv(real_hook, tail)
    # argv lists, never a shell; current Nix looks a bare name up in PATH, so do we
    if "/" in real_hook[0]:
        os.execv(real_hook[0], argv)  # noqa: S606
    os.execvp(real_hook[0], argv)  # noqa: S606


class RealHook:
    """The real hook, started on the first "try" we forward; at most one per proxy process, like Nix's own."""

    def __init__(self, real_hook: tuple[str, ...], tail: list[str], out_fd: int = 2) -> None:
        self.real_hook = real_hook
        self.tail = tail
        self.out_fd = out_fd
        self.pid = 0
        self.to_child = -1
        self.from_child = -1
        self._lines = bytearray()
        self.status: int | None = None
        self.said: list[bytes] = []
        """The lines relayed by the last relay_reply (ssh's complaint when the host did not connect)."""

    @property
    def started(self) -> bool:
        return self.pid != 0

    def start(self, settings_block: bytes) -> None:
        """Spawn it with stdin and stdout+stderr on our pipes, fds 4 and 5 inherited, and replay the settings."""
        import signal

        child_in, self.to_child = os.pipe()
        self.from_child, child_out = os.pipe()
        actions = [
            (os.POSIX_SPAWN_DUP2, child_in, 0),
            (os.POSIX_SPAWN_DUP2, child_out, 1),
            (os.POSIX_SPAWN_DUP2, child_out, 2),
        ]
        spawn = os.posix_spawn if "/" in self.real_hook[0] else os.posix_spawnp
        try:
            self.pid = spawn(
                self.real_hook[0],
                hook_argv(self.real_hook, self.tail),
                os.environ,
                file_actions=actions,
                setsigdef=(signal.SIGPIPE,),
            )
        finally:
            os.close(child_in)
            os.close(child_out)
        self.send(settings_block)

    def send(self, data: bytes) -> bool:
        """Write to its stdin; False when it has gone (build-remote exits early on `decline-permanently`)."""
        if self.to_child < 0:
            return False
        try:
            write_all(self.to_child, data)
        except BrokenPipeError:
            return False
        return True

    def close_input(self) -> None:
        if self.to_child >= 0:
            os.close(self.to_child)
            self.to_child = -1

    def relay_reply(self) -> str | None:
        """Relay its output line by line up to its reply line (`# accept` ...), which is returned, not relayed.

        None if its output ended first.
        """
        self.said = []
        while True:
            end = self._lines.find(b"\n")
            if end >= 0:
                line = bytes(self._lines[: end + 1])
                del self._lines[: end + 1]
                if line.startswith(b"# "):
                    return line[2:-1].decode("utf-8", "replace")
                write_all(self.out_fd, line)
                self.said = [*self.said[-7:], line]
                continue
            chunk = os.read(self.from_child, 65536)
            if not chunk:
                write_all(self.out_fd, bytes(self._lines))
                self._lines.clear()
                return None
            self._lines += chunk

    def relay_build(self, nix_in: int, pending: bytes) -> None:
        """After `# accept`: Nix's input paths and wanted outputs to it, its log to Nix, until its output ends."""
        write_all(self.out_fd, bytes(self._lines))
        self._lines.clear()
        self.send(pending)
        reading_nix = True
        while True:
            watched = [self.from_child, nix_in] if reading_nix else [self.from_child]
            ready, _, _ = select.select(watched, [], [])
            if nix_in in ready:
                data = os.read(nix_in, 65536)
                if not data or not self.send(data):
                    reading_nix = False
                    self.close_input()
            if self.from_child in ready:
                data = os.read(self.from_child, 65536)
                if not data:
                    return
                write_all(self.out_fd, data)

    def wait(self) -> int:
        """Its wait status (0 when it never started); waiting again gives the same."""
        self.close_input()
        if not self.started:
            return 0
        if self.status is None:
            _, self.status = os.waitpid(self.pid, 0)
            if self.from_child >= 0:
                os.close(self.from_child)
                self.from_child = -1
        return self.status

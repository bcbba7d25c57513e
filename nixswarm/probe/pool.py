"""Open ssh connections kept between probes, so a refresh costs one command, not a handshake."""

from __future__ import annotations

from typing import Any

from nixswarm.probe.ssh_target import SshTarget


def _key(target: SshTarget) -> tuple[str, int, str | None, str | None]:
    approved = target.approved_key.fingerprint if target.approved_key else None
    return (target.host.address, target.host.port, target.user, approved)


class ConnectionPool:
    """asyncssh connections by (address, port, user, approved key); a new approval means a new connection."""

    def __init__(self) -> None:
        self._conns: dict[tuple[str, int, str | None, str | None], Any] = {}

    def get(self, target: SshTarget) -> Any | None:
        """An open connection for target, if one is kept."""
        conn = self._conns.get(_key(target))
        if conn is not None and conn.is_closed():
            self.drop(target)
            return None
        return conn

    def put(self, target: SshTarget, conn: Any) -> None:
        """Keep conn for target."""
        self._conns[_key(target)] = conn

    def drop(self, target: SshTarget) -> None:
        """Close and forget the connection of target."""
        conn = self._conns.pop(_key(target), None)
        if conn is not None:
            conn.close()

    async def close(self) -> None:
        """Close every connection."""
        conns, self._conns = list(self._conns.values()), {}
        for conn in conns:
            conn.close()
        for conn in conns:
            await conn.wait_closed()

    def __len__(self) -> int:
        return len(self._conns)

"""Fetch a host's public key without logging in (the key exchange precedes authentication)."""

from __future__ import annotations

import asyncio

from nixswarm.errors import ConnectionFailure, ValidationError
from nixswarm.model.hostkey import HostKey


async def fetch_host_key(address: str, port: int, timeout: float) -> HostKey:
    """The ed25519 key the host presents (the type Nix pins); ConnectionFailure naming the host."""
    import asyncssh

    where = f"{address}:{port}"
    try:
        key = await asyncio.wait_for(
            asyncssh.get_server_host_key(address, port, server_host_key_algs=["ssh-ed25519"], config=None),
            timeout,
        )
    except TimeoutError:
        raise ConnectionFailure(f"{where}: no answer within {timeout:g} s") from None
    except ConnectionRefusedError:
        raise ConnectionFailure(f"{where}: connection refused (is sshd running?)") from None
    except (OSError, asyncssh.Error) as err:
        raise ConnectionFailure(f"{where}: {err}") from None
    if key is None:
        raise ConnectionFailure(f"{where}: presented no host key")
    try:
        return HostKey.parse(key.export_public_key("openssh").decode("ascii"))
    except (ValidationError, UnicodeDecodeError) as err:
        raise ConnectionFailure(f"{where}: presented an unusable host key ({err})") from None

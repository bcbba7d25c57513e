"""Hostile text every untrusted field is tested with, and a host key that is valid everywhere."""

from __future__ import annotations

from string import ascii_lowercase, digits

import pytest
from hypothesis import strategies as st

from nixswarm.model.hostkey import HostKey

# Each value carries "evil" (or is otherwise unmistakable) so its leftovers can be searched for in written files.
HOSTILE: dict[str, str] = {
    "space": "b1 evil",
    "tab": "b1\tevil",
    "newline": "b1\nevil",
    "carriage-return": "b1\revil",
    "semicolon": "b1;evil",
    "hash": "b1#evil",
    "at": "evil@b1",
    "single-quotes": "b1'evil'",
    "double-quotes": 'b1"evil"',
    "proxycommand": "ProxyCommand nc evil 22",
    "option-flag": "-oProxyCommand=evil",
    "percent-token": "b1%hevil",
    "nul": "b1\0evil",
    "300-chars": "v" * 300,
    "umlaut": "bü1",
    "cjk": "构建",
}

HOSTILE_PARAMS = [pytest.param(value, id=case) for case, value in HOSTILE.items()]

# For fuzzing mDNS adverts: the TXT keys nixswarm reads, and text and TXT values, hostile or plain.
TXT_KEYS = [
    b"txtvers",
    b"systems",
    b"features",
    b"mandatory",
    b"max-jobs",
    b"max-load",
    b"speed-factor",
    b"user",
    b"fingerprint",
    b"hostKey",
    b"maxJobs",
    b"speedFactor",
    b"sshUser",
    b"supportedFeatures",
    b"mandatoryFeatures",
]
HOSTILE_TEXT = st.sampled_from(
    [
        "ProxyCommand nc evil 22",
        "a\nb",
        "a;b",
        "a#b",
        "a b",
        "\0",
        "a'b",
        "%h",
        "é",
        "-oX=y",
        "x" * 300,
        "",
        "${x}",
        "a,b",
        "@/etc/passwd",
    ]
)
TEXT = st.one_of(HOSTILE_TEXT, st.text(max_size=40), st.text(ascii_lowercase + digits + "_-", min_size=1, max_size=12))
VALUE = st.one_of(st.none(), st.binary(max_size=100), TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")))

KEY = HostKey("ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAIIAABEeAerharrcN7EBOTxLWJK0cQQnrhLvyrTQQxa96")


def shown(value: object) -> str:
    """How an error message must show value: its repr, cut at 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def assert_names_value_safely(message: str, value: object) -> None:
    """The message holds the value's repr and no raw line-breaking or NUL character."""
    assert shown(value) in message, message
    assert not any(c in message for c in "\n\r\0"), repr(message)

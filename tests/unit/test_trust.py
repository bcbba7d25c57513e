"""The one trust rule: a new key needs a yes, a changed key only the explicit, named confirmation."""

from __future__ import annotations

import base64
import hashlib

import pytest

from nixswarm.errors import ValidationError
from nixswarm.model import Host
from nixswarm.model.hostkey import HostKey
from nixswarm.model.trust import Consent, KeyCheck, TrustState, trust_state
from nixswarm.model.validate import LOCAL, host_name
from nixswarm.store.settings import Defaults


def key(seed: str) -> HostKey:
    """A well-formed ed25519 public key, the same for the same seed."""
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + hashlib.sha256(seed.encode()).digest()
    return HostKey("ssh-ed25519", base64.b64encode(blob).decode())


OLD, NEW = key("old"), key("new")


def check(approved: HostKey | None, presented: HostKey = NEW) -> KeyCheck:
    return KeyCheck("b1", "10.0.0.1:22", presented, approved, None)


def test_a_key_is_unknown_until_approved_and_changed_when_another_is_presented() -> None:
    assert trust_state(None, NEW) is TrustState.UNKNOWN
    assert trust_state(OLD, OLD) is TrustState.APPROVED
    assert trust_state(OLD, None) is TrustState.APPROVED  # nothing presented yet to compare
    assert trust_state(OLD, NEW) is TrustState.CHANGED
    assert [check(None).state, check(NEW).state, check(OLD).state] == [
        TrustState.UNKNOWN,
        TrustState.APPROVED,
        TrustState.CHANGED,
    ]


@pytest.mark.parametrize(
    ("approved", "consent", "approves"),
    [
        (None, None, False),
        (None, Consent.APPROVE, True),
        (None, Consent.REPLACE, True),
        (OLD, None, False),
        (OLD, Consent.APPROVE, False),  # a plain yes never replaces an approved key
        (OLD, Consent.REPLACE, True),
        (NEW, Consent.APPROVE, False),  # already approved: nothing to approve
        (NEW, Consent.REPLACE, False),
    ],
)
def test_only_the_named_confirmation_replaces_an_approved_key(
    approved: HostKey | None, consent: Consent | None, approves: bool
) -> None:
    assert check(approved).approves(consent) is approves


def test_the_tuis_named_confirmation_is_the_host_name_typed_for_a_changed_key_only() -> None:
    assert check(OLD).confirms(" b1 ")
    assert not check(OLD).confirms("y")
    assert not check(OLD).confirms("B1")
    assert not check(None).confirms("b1")  # a new key needs no typing


def test_an_advert_naming_another_key_is_noticed() -> None:
    assert KeyCheck("b1", "x:22", NEW, None, OLD.fingerprint).advert_differs
    assert not KeyCheck("b1", "x:22", NEW, None, NEW.fingerprint).advert_differs
    assert not KeyCheck("b1", "x:22", NEW, None, None).advert_differs


def test_no_host_may_take_the_name_of_this_machine() -> None:
    with pytest.raises(ValidationError, match="names this machine"):
        host_name(LOCAL)
    with pytest.raises(ValidationError, match="names this machine"):
        Host(LOCAL, ("10.0.0.1",))
    assert host_name("local2") == "local2"
    assert Defaults(theme=LOCAL).theme == LOCAL  # a theme may

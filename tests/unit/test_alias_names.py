"""Every name a host may have gives an ssh alias that a machines file and an ssh config can carry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nixswarm.errors import ValidationError
from nixswarm.model import validate
from nixswarm.model.hostspec import default_name
from nixswarm.ssh.alias import alias_for

NAMES = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9_.-]{0,70}[A-Za-z0-9])?", fullmatch=True)


@given(NAMES)
def test_a_name_is_valid_exactly_when_its_alias_is_a_dns_name(name: str) -> None:
    try:
        validate.host_name(name)
    except ValidationError:
        parts = name.split(".")
        assert len(name) > validate.MAX_NAME or not all(p and p[0].isalnum() and p[-1].isalnum() for p in parts)
        return
    alias = alias_for(name)
    assert validate.address(alias) == alias


def test_a_name_one_character_too_long_is_refused_naming_the_limit() -> None:
    with pytest.raises(ValidationError, match="use 1-54 letters"):
        validate.host_name("b" * 55)


def test_a_long_address_gives_a_default_name_within_the_limit() -> None:
    assert len(default_name("builder-" + "x" * 80 + ".example.com")) == validate.MAX_NAME

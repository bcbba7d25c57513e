"""No hostile value, by any way in, reaches a written file; what is written parses back as intended."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tomli_w

from nixswarm.discovery import service_types
from nixswarm.discovery.record import RawRecord, parse_record
from nixswarm.errors import ConfigError, ValidationError
from nixswarm.files.importer import hosts_from_machines
from nixswarm.files.selection import machine_entry, resolve
from nixswarm.files.writer import Targets, render_all, write_all
from nixswarm.model.host import Host
from nixswarm.model.nixversion import NIX_2_8, NixVersion
from nixswarm.nix.machines_parse import parse_machines
from nixswarm.store.settings import Defaults, HostEntry, Settings
from nixswarm.store.settings_file import load_settings
from nixswarm.store.state import State
from tests.unit.hostile import HOSTILE_PARAMS, KEY
from tests.unit.ssh_g import ssh_g

SSH_KEYWORDS = {
    "HostName",
    "Port",
    "User",
    "IdentityFile",
    "IdentitiesOnly",
    "HostKeyAlias",
    "ConnectTimeout",
    "ServerAliveInterval",
    "ServerAliveCountMax",
    "Ciphers",
    "Compression",
    "UserKnownHostsFile",
    "StrictHostKeyChecking",
    "ControlMaster",
    "ControlPath",
    "ControlPersist",
}
SSH_LINE = re.compile(r"(#[ -~]*|Host nixswarm-[A-Za-z0-9_.-]+|  ([A-Za-z]+) [!-~]+|)")
GOOD_COLUMNS = ["x86_64-linux", "/k/id", "2", "1", "kvm", "-", KEY.column8]


def from_settings_file(folder: Path, value: str) -> list[HostEntry]:
    """Hosts of config files that each hold the value in one key; a refused file contributes nothing."""
    tables: list[dict[str, object]] = [
        {"hosts": {value: {"addresses": ["10.1.0.1"]}}},
        {"hosts": {"s-user": {"addresses": ["10.1.0.2"], "user": value}}},
        {"hosts": {"s-addr": {"addresses": [value]}}},
        {"hosts": {"s-addr2": {"addresses": ["10.1.0.3", value]}}},
        {"hosts": {"s-scope": {"addresses": [f"fe80::1%{value}"]}}},
        {"hosts": {"s-sys": {"addresses": ["10.1.0.4"], "systems": [value]}}},
        {"hosts": {"s-feat": {"addresses": ["10.1.0.5"], "features": [value]}}},
        {"hosts": {"s-mand": {"addresses": ["10.1.0.6"], "mandatory_features": [value]}}},
        {"hosts": {"s-id": {"addresses": ["10.1.0.7"], "identity": value}}},
        {"defaults": {"user": value}, "hosts": {"s-def": {"addresses": ["10.1.0.8"]}}},
        {"hosts": {"s-clean": {"addresses": ["10.1.0.9"], "user": "nix", "systems": ["x86_64-linux"]}}},
    ]
    found: list[HostEntry] = []
    for number, table in enumerate(tables):
        path = folder / f"config-{number}.toml"
        path.write_text(tomli_w.dumps(table))
        try:
            found += load_settings(path).hosts
        except ConfigError:
            continue
    return found


def from_machines_file(folder: Path, value: str, nix: NixVersion) -> list[HostEntry]:
    """Hosts imported from a machines file whose lines each hold the value in one place."""
    lines = [
        f"ssh://{value} " + " ".join(GOOD_COLUMNS),
        f"ssh://m-host{value} " + " ".join(GOOD_COLUMNS),
        f"ssh://{value}@m-user " + " ".join(GOOD_COLUMNS),
        f"ssh://m-param?remote-program={value} " + " ".join(GOOD_COLUMNS),
    ]
    for column in range(len(GOOD_COLUMNS)):
        columns = list(GOOD_COLUMNS)
        columns[column] = value
        lines.append(f"ssh-ng://m-col{column + 2} " + " ".join(columns))
    lines.append("ssh-ng://m-clean " + " ".join(GOOD_COLUMNS))
    path = folder / "machines-in"
    path.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass") + b"\n")
    result = parse_machines(path.read_text(), str(path), nix=nix)
    return [entry for entry, _ in hosts_from_machines([p.entry for p in result.entries]).hosts]


def from_mdns(value: str) -> list[HostEntry]:
    """Hosts of mDNS records that each carry the value in one field."""
    raw = value.encode("utf-8")
    nixswarm_txt: dict[bytes, bytes | None] = {b"txtvers": b"1", b"systems": b"x86_64-linux", b"user": b"nix"}
    beacon_txt: dict[bytes, bytes | None] = {b"systems": b"x86_64-linux", b"sshUser": b"nix"}
    records = [
        RawRecord(service_types.NIXSWARM, "d-inst", f"{value}.local.", 22, ("10.2.0.1",), nixswarm_txt),
        RawRecord(service_types.NIXSWARM, value, None, 22, ("10.2.0.2",), nixswarm_txt),
        RawRecord(service_types.NIXSWARM, "d-addr", None, 22, (value,), nixswarm_txt),
        RawRecord(service_types.SSH, "d-ssh", f"{value}.local.", 22, ("10.2.0.3",), {}),
        *(
            RawRecord(service_types.NIXSWARM, f"d-{key.decode()}", None, 22, ("10.2.0.4",), {**nixswarm_txt, key: raw})
            for key in (b"user", b"systems", b"features", b"mandatory", b"max-jobs", b"speed-factor", b"fingerprint")
        ),
        *(
            RawRecord(service_types.BEACON, f"d-b-{key.decode()}", None, 22, ("10.2.0.5",), {**beacon_txt, key: raw})
            for key in (b"sshUser", b"systems", b"supportedFeatures", b"mandatoryFeatures", b"hostKey", b"maxJobs")
        ),
        RawRecord(service_types.NIXSWARM, "d-clean", "d-clean.local.", 22, ("10.2.0.6",), nixswarm_txt),
        RawRecord(service_types.SSH, "d-v6", None, 2222, ("fe80::1%eth0",), {}),
    ]
    found: list[HostEntry] = []
    for record in records:
        try:
            found.append(HostEntry(parse_record(record).host))
        except ValidationError:
            continue
    return found


def _unique(entries: list[HostEntry]) -> tuple[HostEntry, ...]:
    seen: dict[str, HostEntry] = {}
    for entry in entries:
        seen.setdefault(entry.host.name, entry)
    return tuple(seen.values())


def _assert_clean(text: str, value: str) -> None:
    assert value not in text
    assert text.isascii()
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", text), repr(text)


@pytest.mark.parametrize("nix", [NIX_2_8, NixVersion(2, 31, 0)], ids=["nix-2.8", "nix-2.31"])
@pytest.mark.parametrize("value", HOSTILE_PARAMS)
def test_a_hostile_value_by_any_way_in_never_reaches_the_written_files(
    tmp_path: Path, value: str, nix: NixVersion
) -> None:
    survivors = _unique(
        [*from_settings_file(tmp_path, value), *from_machines_file(tmp_path, value, nix), *from_mdns(value)]
    )
    names = {e.host.name for e in survivors}
    assert {"s-clean", "m-clean", "d-clean", "d-v6"} <= names  # every way in was open to a good value
    state = State()
    for name in names:
        state = state.approve(name, KEY)
    settings = Settings(Defaults(user="builder"), survivors)
    selected, skipped = resolve(settings, state)
    assert skipped == []
    out = tmp_path / "out"
    targets = Targets(out / "machines", out / "ssh_config", out / "known_hosts", tmp_path / "ctl")
    rendered = render_all(selected, settings.defaults, nix, targets)
    write_all(rendered, targets)

    written = {p.name: p.read_bytes().decode("ascii") for p in out.iterdir()}
    assert set(written) == {"machines", "ssh_config", "known_hosts"}
    for text in written.values():
        _assert_clean(text, value)

    for line in written["ssh_config"].splitlines():
        match = SSH_LINE.fullmatch(line)
        assert match is not None, line
        assert match[2] is None or match[2] in SSH_KEYWORDS, line
    for s in selected:
        host = s.entry.host
        seen = ssh_g(targets.ssh_config, f"nixswarm-{host.name}")
        assert seen["hostname"] == host.address
        assert seen["port"] == str(host.port)
        assert seen["user"] == (host.user or "builder")

    parsed = parse_machines(written["machines"], str(targets.machines), nix=nix)
    assert parsed.problems == []
    assert [p.entry for p in parsed.entries] == [machine_entry(s, settings.defaults) for s in selected]

    assert written["known_hosts"].splitlines() == [f"nixswarm-{s.entry.host.name} {KEY.line}" for s in selected]


def test_a_host_built_by_hand_from_hostile_parts_cannot_exist_to_be_written() -> None:
    for part in ("name", "user", "addresses"):
        kwargs: dict[str, object] = {"name": "b1", "addresses": ("10.0.0.2",), part: "b1\nProxyCommand evil"}
        if part == "addresses":
            kwargs[part] = ("b1\nProxyCommand evil",)
        with pytest.raises(ValidationError):
            Host(**kwargs)  # type: ignore[arg-type]

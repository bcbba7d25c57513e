"""10,000 fuzzed mDNS records: none crashes, and nothing hostile reaches a written machines file or ssh config."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nixswarm.discovery import service_types
from nixswarm.discovery.record import RawRecord, parse_record
from nixswarm.errors import ValidationError
from nixswarm.model import NIX_2_8
from nixswarm.selection import Selected
from nixswarm.store.settings import Defaults, HostEntry
from nixswarm.writer import Targets, render_all
from tests.unit.hostile import KEY

TARGETS = Targets(Path("/x/machines"), Path("/x/ssh_config"), Path("/x/known_hosts"), Path("/x/cm"))
SSH_LINE = re.compile(r"(#[ -~]*|Host nixswarm-[A-Za-z0-9._-]+|  [A-Za-z]+ [!-~]+(,[!-~]+)*|)")
TXT_KEYS = [b"txtvers", b"systems", b"features", b"mandatory", b"max-jobs", b"speed-factor", b"user",
            b"fingerprint", b"hostKey", b"maxJobs", b"speedFactor", b"sshUser", b"supportedFeatures",
            b"mandatoryFeatures"]  # fmt: skip
HOSTILE_TEXT = st.sampled_from(["ProxyCommand nc evil 22", "a\nb", "a;b", "a#b", "a b", "\0", "a'b", "%h", "é",
                                "-oX=y", "x" * 300, "", "${x}", "a,b", "@/etc/passwd"])  # fmt: skip
TEXT = st.one_of(HOSTILE_TEXT, st.text(max_size=40), st.from_regex(r"[a-z0-9_-]{1,12}", fullmatch=True))
VALUE = st.one_of(st.none(), st.binary(max_size=100), TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")))


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    service_type=st.sampled_from([*service_types.ALL, "_x._tcp.local."]),
    instance=TEXT,
    server=st.one_of(st.none(), TEXT, TEXT.map(lambda t: t + ".local.")),
    port=st.one_of(st.none(), st.integers(-1, 70000)),
    addresses=st.lists(st.one_of(TEXT, st.ip_addresses().map(str)), max_size=3),
    props=st.dictionaries(st.sampled_from(TXT_KEYS), VALUE, max_size=8),
)
def test_a_fuzzed_record_is_dropped_or_becomes_files_with_nothing_hostile(
    service_type: str,
    instance: str,
    server: str | None,
    port: int | None,
    addresses: list[str],
    props: dict[bytes, bytes | None],
) -> None:
    try:
        advert = parse_record(RawRecord(service_type, instance, server, port, tuple(addresses), props))
    except ValidationError:
        return
    rendered = render_all([Selected(HostEntry(advert.host), KEY)], Defaults(), NIX_2_8, TARGETS)
    entries = [line for line in rendered.machines.splitlines() if not line.startswith("#")]
    assert len(entries) == 1 and len(entries[0].split(" ")) == 8
    assert all(c.isprintable() and c.isascii() for c in rendered.machines + rendered.ssh_config if c != "\n")
    for line in rendered.ssh_config.splitlines():
        assert SSH_LINE.fullmatch(line), line
    written = [line for text in (rendered.machines, rendered.ssh_config) for line in text.splitlines()
               if not line.startswith("#")]  # our own header comments aside  # fmt: skip
    for hostile in ("ProxyCommand", ";", "'", '"', "${", "@/"):
        assert not any(hostile in line for line in written), hostile

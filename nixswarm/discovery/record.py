"""Turn one raw (hostile) mDNS service record into a validated Host, or say why not."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nixswarm.discovery import service_types
from nixswarm.errors import ValidationError
from nixswarm.model import validate
from nixswarm.model.host import Host, Source
from nixswarm.model.hostkey import HostKey

MAX_TXT_VALUE = 1024
_FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}")


@dataclass(frozen=True)
class RawRecord:
    """What python-zeroconf (or any responder) handed us, still untrusted."""

    service_type: str
    instance: str
    server: str | None
    port: int | None
    addresses: tuple[str, ...]
    properties: dict[bytes, bytes | None]


@dataclass(frozen=True)
class Advert:
    """A validated host and the hints its advert carried."""

    host: Host
    """The host, with advertised systems, features, key and the owner's limits."""
    speed_factor: float | None = None
    """Advertised speed factor."""
    fingerprint: str | None = None
    """Advertised SHA256 fingerprint of the ssh host key."""

    @property
    def max_jobs(self) -> int | None:
        """Advertised max jobs: the owner's limit (the host's max_jobs)."""
        return self.host.max_jobs


def _txt(props: dict[bytes, bytes | None], key: str) -> str | None:
    raw = props.get(key.encode())
    if raw is None:
        return None
    if not isinstance(raw, bytes) or len(raw) > MAX_TXT_VALUE:
        raise ValidationError(f"TXT {key}", raw[:40] if isinstance(raw, bytes) else raw, "too long or not bytes")
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        raise ValidationError(f"TXT {key}", raw[:40], "not ASCII") from None


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split(",") if v)


def _int(key: str, value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or len(value) > 6:
        raise ValidationError(f"TXT {key}", value, "expected a whole number")
    return int(value)


def _float(key: str, value: str | None) -> float | None:
    if value is None:
        return None
    if not re.fullmatch(r"\d{1,5}(?:\.\d{1,6})?", value):
        raise ValidationError(f"TXT {key}", value, "expected a number")
    return float(value)


def host_name_of(record: RawRecord) -> str:
    """The server's first label (`b1.local.` gives b1), else the instance label; both must be valid names."""
    for field, candidate in (
        ("mDNS server name", (record.server or "").split(".", 1)[0]),
        ("mDNS instance name", record.instance.split(".", 1)[0]),
    ):
        if candidate:
            try:
                return validate.host_name(candidate, field)
            except ValidationError:
                continue
    raise ValidationError("mDNS name", record.instance, "neither the server nor the instance is a valid host name")


def parse_record(record: RawRecord) -> Advert:
    """A validated Advert; ValidationError naming the bad field otherwise."""
    if record.service_type not in service_types.ALL:
        raise ValidationError("mDNS service type", record.service_type, "not one nixswarm browses")
    if not isinstance(record.properties, dict):
        raise ValidationError("mDNS TXT", record.properties, "expected key=value records")
    name = host_name_of(record)
    port = validate.port(record.port, "mDNS port")
    addresses = tuple(a for a in record.addresses if isinstance(a, str))
    if not addresses:
        raise ValidationError("mDNS addresses", record.addresses, "the record carries no address")
    props = record.properties
    if record.service_type == service_types.NIXSWARM:
        return _nixswarm(name, port, addresses, props)
    if record.service_type == service_types.BEACON:
        return _beacon(name, port, addresses, props)
    return Advert(Host(name, addresses, port=port, sources=(Source.MDNS_SSH,)))


def _nixswarm(name: str, port: int, addresses: tuple[str, ...], props: dict[bytes, bytes | None]) -> Advert:
    version = _txt(props, "txtvers")
    if version != service_types.TXT_VERSION:
        raise ValidationError("TXT txtvers", version, f"expected {service_types.TXT_VERSION}")
    user = _txt(props, "user")
    fingerprint = _txt(props, "fingerprint")
    if fingerprint is not None and not _FINGERPRINT.fullmatch(fingerprint):
        raise ValidationError("TXT fingerprint", fingerprint, "expected SHA256: and 43 base64 characters")
    host = Host(
        name,
        addresses,
        port=port,
        user=user or None,
        sources=(Source.MDNS,),
        systems=_list(_txt(props, "systems")),
        features=_list(_txt(props, "features")),
        mandatory_features=_list(_txt(props, "mandatory")),
        max_jobs=_max_jobs("max-jobs", props),
        max_load=_max_load("max-load", props),
    )
    return Advert(
        host,
        speed_factor=_speed(_float("speed-factor", _txt(props, "speed-factor"))),
        fingerprint=fingerprint,
    )


def _beacon(name: str, port: int, addresses: tuple[str, ...], props: dict[bytes, bytes | None]) -> Advert:
    key_text = _txt(props, "hostKey")
    key = HostKey.from_column8(key_text) if key_text else None
    user = _txt(props, "sshUser")
    host = Host(
        name,
        addresses,
        port=port,
        user=user or None,
        sources=(Source.MDNS_BEACON,),
        advertised_key=key,
        systems=_list(_txt(props, "systems")),
        features=_list(_txt(props, "supportedFeatures")),
        mandatory_features=_list(_txt(props, "mandatoryFeatures")),
        max_jobs=_max_jobs("maxJobs", props),
    )
    return Advert(
        host,
        speed_factor=_speed(_float("speedFactor", _txt(props, "speedFactor"))),
        fingerprint=key.fingerprint if key else None,
    )


def _max_jobs(key: str, props: dict[bytes, bytes | None]) -> int | None:
    value = _int(key, _txt(props, key))
    return None if value is None else validate.max_jobs(value, f"TXT {key}")


def _max_load(key: str, props: dict[bytes, bytes | None]) -> float | None:
    value = _float(key, _txt(props, key))
    return None if value is None else validate.max_load(value, f"TXT {key}")


def _speed(value: float | None) -> float | None:
    return None if value is None else validate.speed_factor(value, "TXT speed factor")

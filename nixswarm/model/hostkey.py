"""An SSH public host key, validated, with its SHA256 fingerprint."""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from nixswarm.errors import ValidationError

KEY_TYPES = frozenset(
    {
        "ssh-ed25519",
        "ssh-rsa",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)
_MAX_BLOB = 4096


@dataclass(frozen=True)
class HostKey:
    """A public host key as in `ssh-ed25519 AAAA...`, without the comment."""

    algorithm: str
    """The key type, one of KEY_TYPES."""
    blob: str
    """The base64 key data; its embedded type must equal algorithm."""

    def __post_init__(self) -> None:
        if self.algorithm not in KEY_TYPES:
            raise ValidationError("host key type", self.algorithm, "not a known SSH key type")
        if not isinstance(self.blob, str) or len(self.blob) > _MAX_BLOB * 2:
            raise ValidationError("host key", self.blob, "too long or not text")
        try:
            raw = base64.b64decode(self.blob, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("host key", self.blob, "not valid base64") from None
        if len(raw) < 4:
            raise ValidationError("host key", self.blob, "too short")
        (length,) = struct.unpack(">I", raw[:4])
        if raw[4 : 4 + length] != self.algorithm.encode():
            raise ValidationError("host key", self.blob, f"key data is not of type {self.algorithm}")

    @classmethod
    def parse(cls, line: str) -> HostKey:
        """Read `TYPE BASE64 [comment]`, as in a .pub file or known_hosts after the host."""
        if not isinstance(line, str) or len(line) > _MAX_BLOB * 2:
            raise ValidationError("host key", line, "too long or not text")
        fields = line.split()
        if len(fields) < 2:
            raise ValidationError("host key", line, "expected 'TYPE BASE64'")
        return cls(fields[0], fields[1])

    @classmethod
    def from_column8(cls, value: str) -> HostKey:
        """Read the base64 of a public key line, as in column 8 of a machines file."""
        try:
            text = base64.b64decode(value, validate=True).decode("ascii")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise ValidationError("host key (column 8)", value, "not base64 of a public key line") from None
        return cls.parse(text)

    @property
    def line(self) -> str:
        """`TYPE BASE64`, the form ssh's known_hosts takes."""
        return f"{self.algorithm} {self.blob}"

    @property
    def column8(self) -> str:
        """base64 of the key line, the form Nix takes in column 8."""
        return base64.b64encode(self.line.encode("ascii")).decode("ascii")

    @property
    def fingerprint(self) -> str:
        """SHA256 fingerprint exactly as `ssh-keygen -lf` prints it."""
        digest = hashlib.sha256(base64.b64decode(self.blob)).digest()
        return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")

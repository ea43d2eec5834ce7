"""The pseudonymisation key: read from a file, never from code, never shown."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from rarelog_kit.runner import StartupError

MIN_KEY_BYTES = 32


class KeyUnavailable(StartupError):
    """The key cannot be used; the message says why without showing any of it."""


@dataclass(frozen=True)
class PseudonymKey:
    secret: bytes = field(repr=False)

    @property
    def key_id(self) -> str:
        """A public name for the key (a one-way fingerprint), carried by every event."""
        return hashlib.sha256(b"rarelog-key-id|" + self.secret).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"PseudonymKey(key_id={self.key_id})"


def load_key(path: Path | None) -> PseudonymKey:
    if path is None:
        raise KeyUnavailable("no pseudonymisation key: set RARELOG_PSEUDONYM_KEY_FILE to a file holding it")
    try:
        raw = Path(path).read_bytes().strip()
    except FileNotFoundError:
        raise KeyUnavailable(f"pseudonymisation key file {path} does not exist") from None
    except PermissionError:
        raise KeyUnavailable(f"pseudonymisation key file {path} cannot be read") from None
    try:
        secret = bytes.fromhex(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        secret = raw  # not hex: the file holds the raw key bytes
    if len(secret) < MIN_KEY_BYTES:
        raise KeyUnavailable(f"pseudonymisation key in {path} is shorter than {MIN_KEY_BYTES} bytes")
    return PseudonymKey(secret)


@dataclass(frozen=True)
class KeyRing:
    """The current key names every new pseudonym; previous keys (after a rotation) only add the
    pseudonyms and encodings under which earlier records were linked."""
    current: PseudonymKey
    previous: tuple[PseudonymKey, ...] = ()

    @property
    def all(self) -> tuple[PseudonymKey, ...]:
        return (self.current, *self.previous)


def load_key_ring(current: Path | None, previous: list[Path]) -> KeyRing:
    ring = KeyRing(load_key(current), tuple(load_key(p) for p in previous))
    ids = [k.key_id for k in ring.all]
    if len(set(ids)) != len(ids):
        raise KeyUnavailable("the same key appears twice in the key ring (current and previous key files)")
    return ring

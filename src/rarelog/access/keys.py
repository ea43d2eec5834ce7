"""The platform's study secret and the keys derived from it: read from a file, never from code,
never shown (as the pseudonymizer's key, rarelog_pseudonymizer/keys.py).

Each study gets its own key, HMAC-SHA-256(secret, "rarelog-study-key|v1|<study>"): only that
derived key is stored in the database, so the database never holds the secret, and one study's
key says nothing about another's. The derivation is deterministic, so a study re-granted under
the same id (an extension) keeps its pseudonyms.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from pathlib import Path

from rarelog.access.request import AccessError

MIN_KEY_BYTES = 32
PSEUDONYM_HEX_DIGITS = 32  # 128 bits: no collision in any registry, as record keys


@dataclass(frozen=True)
class StudySecret:
    secret: bytes = field(repr=False)

    @property
    def key_id(self) -> str:
        """A public fingerprint, kept with each grant: says which secret made the pseudonyms."""
        return hashlib.sha256(b"rarelog-study-key-id|" + self.secret).hexdigest()[:16]

    def study_key(self, study: str) -> bytes:
        return hmac.new(self.secret, f"rarelog-study-key|v1|{study}".encode(), hashlib.sha256).digest()

    def __repr__(self) -> str:
        return f"StudySecret(key_id={self.key_id})"


def study_pseudonym(study_key: bytes, patient_id: str) -> str:
    """What the study views compute in SQL (pgcrypto's hmac); here for tests and audits."""
    return hmac.new(study_key, patient_id.encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX_DIGITS]


def load_secret(path: Path | None, pseudonym_key_file: str | None = None) -> StudySecret:
    if path is None:
        raise AccessError("no study key: set RARELOG_STUDY_KEY_FILE to a file holding the platform's study secret")
    if pseudonym_key_file and Path(path).resolve() == Path(pseudonym_key_file).resolve():
        # Compared by path, not content: only the pseudonymizer reads its key.
        raise AccessError(f"study key file {path} is the pseudonymisation key file: the study secret must be a key "
                          "of its own")
    try:
        raw = Path(path).read_bytes().strip()
    except FileNotFoundError:
        raise AccessError(f"study key file {path} does not exist") from None
    except (PermissionError, IsADirectoryError):
        raise AccessError(f"study key file {path} cannot be read") from None
    try:
        secret = bytes.fromhex(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        secret = raw  # not hex: the file holds the raw key bytes
    if len(secret) < MIN_KEY_BYTES:
        raise AccessError(f"study key in {path} is shorter than {MIN_KEY_BYTES} bytes")
    return StudySecret(secret)

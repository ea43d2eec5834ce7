"""Data keys and sealed payloads: what makes erasure reach an append-only log (docs/decisions/0011).

Every record has a data key of its own, 32 random bytes, kept in the compacted key store topic
(registry.keys.records, key = record key). What the permanent topics say of a record beyond its
ids — clinical content, diagnoses, generalised traits, pseudonyms and linkage encodings — travels
sealed under that key (AES-256-GCM). Erasing a record deletes its key (a tombstone; compaction
then removes the key from the log): every copy of its payload, in every topic, every replica and
every replay, becomes unreadable at once.

Sealing is deterministic for a given key, purpose and event id (the nonce derives from them):
a message produced again after a crash is byte for byte the one before, as the delivery
guarantees require. A (key, nonce) pair never seals two different plaintexts, because an event
id names one message and each purpose of it.
"""
from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
VERSION = b"\x01"  # of the sealed format: version, nonce (12 bytes), ciphertext and tag


class Unsealable(Exception):
    """A sealed payload that cannot be opened: its key is gone (erased) or it was altered."""


def new_data_key() -> bytes:
    return os.urandom(KEY_BYTES)


def seal(data_key: bytes, plaintext: bytes, *, record_key: str, purpose: str, event_id: str) -> bytes:
    """The payload sealed under the record's data key, bound to its record and purpose (a payload
    moved to another record, or from an event to the changelog, does not open)."""
    aad = _aad(record_key, purpose)
    nonce = hmac.new(data_key, f"nonce|{purpose}|{event_id}".encode(), hashlib.sha256).digest()[:12]
    return VERSION + nonce + AESGCM(data_key).encrypt(nonce, plaintext, aad)


def unseal(data_key: bytes | None, sealed: bytes, *, record_key: str, purpose: str) -> bytes:
    if data_key is None:
        raise Unsealable(f"no data key for record {record_key}: erased, or never made")
    if not sealed or sealed[:1] != VERSION or len(sealed) < 1 + 12 + 16:
        raise Unsealable(f"sealed payload of record {record_key} is not in a known format")
    try:
        return AESGCM(data_key).decrypt(sealed[1:13], sealed[13:], _aad(record_key, purpose))
    except InvalidTag:
        raise Unsealable(f"sealed payload of record {record_key} does not open with its key "
                         f"(altered, or sealed for another record or purpose)") from None


def _aad(record_key: str, purpose: str) -> bytes:
    return f"rarelog|{purpose}|{record_key}".encode()

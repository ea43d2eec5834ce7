"""Sealing a pseudonymised record under its data key (docs/decisions/0011). Pure: no I/O.

What the record says beyond its ids goes into two sealed parts: `content` (SealedContent, the
generalised traits, vital status, diagnoses and clinical groups; opened by registry-store) and
`sealed_linkage` (SealedLinkage, the pseudonym and linkage encodings; opened by the reconciler
only). Their plaintext fields are left at their schema defaults. Both are sealed with the
record's event id, so the same record under the same key is the same bytes (a batch produced
again after an aborted transaction).
"""
from __future__ import annotations

from typing import Callable

from rarelog_kit.sealing import seal, unseal

CONTENT_FIELDS = ("birth_year_month", "sex", "vital_status", "diagnoses", "is_foetus", "birth_area",
                  "residence_departement", "clinical")
LINKAGE_FIELDS = ("pseudonym", "linkage")
# The PseudonymisedRecord defaults the sealed fields are left at.
CLEARED = {"pseudonym": None, "linkage": [], "birth_year_month": None, "sex": "UNKNOWN", "vital_status": None,
           "diagnoses": [], "is_foetus": False, "birth_area": None, "residence_departement": None,
           "clinical": None}


def seal_record(record: dict, data_key: bytes, encode: Callable[[str, dict], bytes]) -> dict:
    """A PseudonymisedRecord value (domain.pseudonymise's, with a record) sealed under `data_key`.
    `encode(schema name, value) -> bytes`: the Avro catalogue's encode."""
    record_key, event_id = record["record_key"], record["event_id"]
    content = encode("SealedContent", {f: record[f] for f in CONTENT_FIELDS})
    linkage = encode("SealedLinkage", {f: record[f] for f in LINKAGE_FIELDS})
    return {**record, **CLEARED,
            "content": seal(data_key, content, record_key=record_key, purpose="content", event_id=event_id),
            "sealed_linkage": seal(data_key, linkage, record_key=record_key, purpose="linkage", event_id=event_id)}


def open_record(record: dict, data_key: bytes | None, decode: Callable[[str, bytes], dict]) -> dict:
    """The inverse of seal_record (tests and tools): the plaintext fields back in place, the sealed
    parts removed. `decode(schema name, bytes) -> value`. Raises rarelog_kit.sealing.Unsealable
    when the key is gone. A record without sealed parts is returned as it is."""
    opened = {k: v for k, v in record.items() if k not in ("content", "sealed_linkage")}
    record_key = record["record_key"]
    if record.get("content") is not None:
        opened.update(decode("SealedContent", unseal(data_key, record["content"], record_key=record_key,
                                                     purpose="content")))
    if record.get("sealed_linkage") is not None:
        opened.update(decode("SealedLinkage", unseal(data_key, record["sealed_linkage"], record_key=record_key,
                                                     purpose="linkage")))
    return opened

"""The reconciler's side of sealing (docs/decisions/0011): opening a record's linkage with its data
key, and sealing what it writes of a verified death. The data keys come from the key store;
the domain never sees a key."""
from __future__ import annotations

import hashlib
import hmac

from rarelog_kit.keystore import DataKeyStore
from rarelog_kit.sealing import Unsealable, seal, unseal
from rarelog_kit.serde import AvroCatalog


class Sealing:
    def __init__(self, catalog: AvroCatalog, keys: DataKeyStore | None) -> None:
        self.catalog, self.keys = catalog, keys

    def key_of(self, record_key: str) -> bytes | None:
        return self.keys.get(record_key) if self.keys is not None else None

    def open_linkage(self, record_key: str, sealed: bytes) -> dict | None:
        """The SealedLinkage value, or None when the record's key is gone (erased)."""
        try:
            plain = unseal(self.key_of(record_key), sealed, record_key=record_key, purpose="linkage")
        except Unsealable:
            return None
        return self.catalog.decode(plain, expect=("SealedLinkage",)).value

    def opened_record(self, record: dict) -> dict | None:
        """A PseudonymisedRecord with its pseudonym and linkage in clear for the decision (the
        sealed bytes stay on it for the changelog); None when they cannot be opened."""
        if not record.get("sealed_linkage"):
            return record  # written before sealing, or a withdrawal
        opened = self.open_linkage(record["record_key"], record["sealed_linkage"])
        return None if opened is None else {**record, **opened}

    # -- verified deaths (deaths.verify_death's sealer) -------------------------------------------
    def seal(self, record_key: str, death: dict, event_id: str) -> bytes | None:
        key = self.key_of(record_key)
        if key is None:
            return None  # a record made before sealing: its events are in clear too
        return seal(key, self.catalog.encode("SealedDeath", death), record_key=record_key, purpose="death",
                    event_id=event_id)

    def digest(self, record_key: str, date: str) -> str:
        key = self.key_of(record_key) or b""
        return hmac.new(key, f"death-date|{record_key}|{date}".encode(), hashlib.sha256).hexdigest()[:32]

"""Opening sealed payloads before the domain sees them (docs/decisions/0011).

A RecordLinked carries its record's content sealed (`content`: SealedContent, purpose "content")
and a VitalStatusVerified its date and place of death (`sealed`: SealedDeath, purpose "death"),
both under the record's data key from the key store. Opened, they are the plaintext events the
domain has always read; events written before sealing existed have neither field and pass as
they are.

A payload that does not open is skipped — not written, not quarantined — and counted: its key
is gone because the record was erased, or was erased and the record submitted again under a new
key. Either way the event that erased the key comes later in the log and deletes what the
payload would have written, so the warehouse ends the same whether a payload was opened (before
the erasure) or skipped (a restart, a replay). A payload that opens but does not decode is
another matter: UndecodableMessage, quarantined as any unreadable event.
"""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from rarelog_kit.keystore import DataKeyStore
from rarelog_kit.sealing import Unsealable, unseal
from rarelog_kit.serde import AvroCatalog

# event → (sealed field, purpose, schema of what it seals)
SEALED = {"RecordLinked": ("content", "content", "SealedContent"),
          "VitalStatusVerified": ("sealed", "death", "SealedDeath")}


class Opener:
    def __init__(self, catalog: AvroCatalog, keys: DataKeyStore | None,
                 registry: CollectorRegistry | None = None) -> None:
        """keys None: no key store, so every sealed payload is skipped (legacy logs only)."""
        self.catalog, self.keys = catalog, keys
        self.skipped_total = 0
        self.skipped = Counter("rarelog_sealed_payloads_skipped",
                               "Sealed payloads skipped because their record's data key is gone (erased)",
                               ["event", "reason"], registry=registry)

    def batch_ended(self) -> None:
        """A batch was written: the next unknown key is worth reading the key store's topic for."""
        if self.keys is not None:
            self.keys.stale()

    def open(self, name: str, value: dict) -> dict | None:
        """The event with its sealed payload opened in place of the plaintext fields (which hold
        their defaults when sealed); None when it does not open. Raises UndecodableMessage."""
        field, purpose, schema = SEALED.get(name, (None, None, None))
        sealed = value.get(field) if field else None
        if not sealed:
            return value
        record_key = value["record_key"]
        data_key = self._key(record_key)
        try:
            plain = unseal(data_key, sealed, record_key=record_key, purpose=purpose)
        except Unsealable:  # its message names the record: not logged
            reason = "key-erased" if data_key is None else "key-replaced"
            self.skipped.labels(event=name, reason=reason).inc()
            self.skipped_total += 1
            return None
        return {**value, **self.catalog.decode(plain, expect=(schema,)).value, field: None}

    def _key(self, record_key: str) -> bytes | None:
        """The record's data key. The broker away while the key store is read is not a missing
        key (skipping the payload would lose a live record): the store waits for it, then raises."""
        return None if self.keys is None else self.keys.get(record_key)

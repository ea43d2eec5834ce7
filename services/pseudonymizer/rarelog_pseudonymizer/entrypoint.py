"""Transport adapter: canonical (identified) record in, pseudonymised record out, sealed under the
record's data key (docs/decisions/0011); and, from the patient events, each erasure carried back
into the identified intake (intake_purge)."""
from __future__ import annotations

import logging

from rarelog_kit.ids import derived_id
from rarelog_kit.keystore import DataKeyStore
from rarelog_kit.messages import Inbound, Outbound, Reason, dead_letter
from rarelog_kit.sealing import new_data_key
from rarelog_kit.serde import AvroCatalog, UndecodableMessage

from . import domain
from .intake_purge import IntakePurge
from .keys import KeyRing
from .sealed import seal_record

SERVICE = "pseudonymizer"
log = logging.getLogger(__name__)


class PseudonymizerProcessor:
    def __init__(self, catalog: AvroCatalog, keys: KeyRing, data_keys: DataKeyStore, output_topic: str,
                 keys_topic: str, dlq_topic: str, patient_events_topic: str | None = None,
                 purge: IntakePurge | None = None) -> None:
        """keys: the pseudonymisation key ring; data_keys: the records' data keys (the key store
        topic `keys_topic`), which this service makes: one per record, the first time it sees it;
        purge: what an erasure read from `patient_events_topic` removes from the intake."""
        self.catalog, self.keys, self.data_keys = catalog, keys, data_keys
        self.output_topic, self.keys_topic, self.dlq_topic = output_topic, keys_topic, dlq_topic
        self.patient_events_topic, self.purge = patient_events_topic, purge
        # Data keys made in the open transaction, and keys made in an aborted one: those are still
        # in the key store's memory, and are used again (the same bytes as before the abort) with
        # their key store message produced again, since the first one was aborted with its batch.
        self._made: dict[str, bytes] = {}
        self._unsaved: dict[str, bytes] = {}

    def on_start(self) -> None:
        self._made.clear()
        self._unsaved.clear()
        self.data_keys.load()

    def on_commit(self) -> None:
        self._made.clear()
        self.data_keys.stale()

    def on_abort(self) -> None:
        self._unsaved.update(self._made)
        self._made.clear()
        self.data_keys.stale()

    def process(self, message: Inbound) -> list[Outbound]:
        if message.topic == self.patient_events_topic:
            return self._erasure(message)
        try:
            canonical = self.catalog.decode(message.value, expect=("CanonicalRecord",)).value
        except UndecodableMessage as exc:
            # The dead letter holds the original bytes only: nothing the identified source topic
            # did not already hold.
            return [dead_letter(message, self.dlq_topic, SERVICE, [Reason(exc.code, str(exc), exc.field_path)])]
        out = domain.pseudonymise(self.keys, canonical, derived_id(SERVICE, canonical["event_id"]))
        # Headers of the identified topic are not forwarded: only trace context may pass.
        headers = tuple(h for h in message.headers if h[0] in ("traceparent", "tracestate"))
        if canonical.get("record") is None:  # WITHDRAW and OPPOSE: nothing to seal, no key
            return [Outbound(self.output_topic, out["record_key"].encode(),
                             self.catalog.encode("PseudonymisedRecord", out), headers)]
        value, key_message = self._sealed(out)
        record = Outbound(self.output_topic, out["record_key"].encode(), value, headers)
        # A new record's key goes in the same transaction as the record: committed together.
        return [record] if key_message is None else [Outbound(self.keys_topic, *key_message), record]

    def _erasure(self, message: Inbound) -> list[Outbound]:
        """A PatientErased removes the patient's records from the intake; other events are not ours.
        A purge that fails raises Unavailable: the batch is processed again, nothing skipped."""
        try:
            event = self.catalog.decode(message.value)
        except UndecodableMessage as exc:  # registry-store quarantines it; nothing to erase here
            log.warning("patient event unreadable, skipped", extra={"offset": message.offset, "reason": exc.code})
            return []
        if event.schema_name == "PatientErased" and self.purge is not None:
            purged = self.purge.erase(set(event.value["record_keys"]))
            log.info("erasure carried into the intake", extra={
                "records": len(event.value["record_keys"]), "intake_offsets_removed": purged.intake_offsets,
                "dead_letters_removed": purged.dead_letters, "dead_letters_kept": purged.kept})
        return []

    def _sealed(self, record: dict) -> tuple[bytes, tuple[bytes, bytes | None] | None]:
        """The record sealed under its data key (encoded), and the key store message to produce with
        it (None when the key is already in the store)."""
        record_key = record["record_key"]
        key = self.data_keys.current(record_key)
        # A new key for a record never seen (or erased since). A key made by an aborted transaction
        # is reused, its message produced again; unless another instance committed a key for the
        # record since: the store then holds that one, which wins.
        fresh = key is None or (key == self._unsaved.get(record_key) and record_key not in self._made)
        if key is None:
            key = new_data_key()
        value = self.catalog.encode("PseudonymisedRecord", seal_record(record, key, self.catalog.encode))
        self._unsaved.pop(record_key, None)
        if not fresh:
            return value, None
        self._made[record_key] = key
        return value, self.data_keys.message(record_key, key)


def main() -> int:
    from rarelog_kit.runner import run_service

    from .bootstrap import build
    from .settings import PseudonymizerSettings

    return run_service(SERVICE, PseudonymizerSettings, build)

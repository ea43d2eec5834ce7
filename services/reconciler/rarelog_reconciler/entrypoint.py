"""Transport adapter: pseudonymised record in; patient events and index changelog out."""
from __future__ import annotations

import logging

from rarelog_kit.ids import event_id
from rarelog_kit.messages import Inbound, Outbound, Reason, dead_letter
from rarelog_kit.serde import AvroCatalog, UndecodableMessage
from rarelog_kit.topic_reader import read_to_end

from . import domain

SERVICE = "reconciler"
log = logging.getLogger(__name__)


class ReconcilerProcessor:
    def __init__(self, catalog: AvroCatalog, consumer_config: dict, events_topic: str, changelog_topic: str,
                 dlq_topic: str) -> None:
        self.catalog, self.consumer_config = catalog, consumer_config
        self.events_topic, self.changelog_topic, self.dlq_topic = events_topic, changelog_topic, dlq_topic
        self.index = domain.LinkageIndex()

    def on_start(self) -> None:
        self.index = load_index(self.catalog, self.consumer_config, self.changelog_topic)
        log.info("linkage index loaded", extra={"pseudonyms": len(self.index.by_pseudonym),
                                                "records": len(self.index.by_record)})

    def on_abort(self) -> None:
        self.on_start()  # the aborted batch may have changed the index: reload what was committed

    def process(self, message: Inbound) -> list[Outbound]:
        try:
            record = self.catalog.decode(message.value, expect=("PseudonymisedRecord",)).value
        except UndecodableMessage as exc:
            return [dead_letter(message, self.dlq_topic, SERVICE, [Reason(exc.code, str(exc), exc.field_path)])]
        # All versions of a record share its key, hence its partition: offsets order them.
        decision = domain.reconcile(self.index, record, message.offset,
                                    event_id(SERVICE, message.topic, message.partition, message.offset))
        trace = tuple(h for h in message.headers if h[0] in ("traceparent", "tracestate"))
        out = [Outbound(self.events_topic, value["patient_id"].encode(), self.catalog.encode(name, value), trace)
               for name, value in decision.events]
        for change in decision.changes:
            self.index.apply(change)
            value = (None if change.patient_id is None else
                     self.catalog.encode("LinkageIndexEntry", {"patient_id": change.patient_id,
                                                               "record_version": message.offset}))
            out.append(Outbound(self.changelog_topic, change.changelog_key.encode(), value))
        return out


def load_index(catalog: AvroCatalog, consumer_config: dict, changelog_topic: str) -> domain.LinkageIndex:
    """Replay the compacted changelog to its end (read_committed: only committed decisions)."""
    index = domain.LinkageIndex()
    for m in read_to_end(consumer_config, changelog_topic):
        kind, _, key = m.key().decode().partition(":")
        patient = None if m.value() is None else catalog.decode(m.value()).value["patient_id"]
        index.apply(domain.IndexChange(kind, key, patient))
    return index


def main() -> int:
    from rarelog_kit.runner import run_service

    from .bootstrap import build
    from .settings import ReconcilerSettings

    return run_service(SERVICE, ReconcilerSettings, build)

"""Transport adapter: pseudonymised record in; patient events and index changelog out."""
from __future__ import annotations

import logging

from confluent_kafka import Consumer, KafkaError, TopicPartition

from rarelog_kit.ids import event_id
from rarelog_kit.messages import Inbound, Outbound, Reason, dead_letter
from rarelog_kit.serde import AvroCatalog, UndecodableMessage

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
    """Read the compacted changelog to its end (read_committed: only committed decisions)."""
    consumer = Consumer({**consumer_config, "group.id": "rarelog-reconciler-index-loader",
                         "enable.auto.commit": False, "isolation.level": "read_committed",
                         "enable.partition.eof": True})
    index = domain.LinkageIndex()
    try:
        partitions = consumer.list_topics(changelog_topic, timeout=30).topics[changelog_topic].partitions
        consumer.assign([TopicPartition(changelog_topic, p, -2) for p in partitions])
        remaining = set(partitions)
        while remaining:
            for m in consumer.consume(10_000, 1.0):
                if m.error():
                    if m.error().code() == KafkaError._PARTITION_EOF:
                        remaining.discard(m.partition())
                        continue
                    raise RuntimeError(f"reading the linkage changelog failed: {m.error().name()}")
                kind, _, key = m.key().decode().partition(":")
                patient = None if m.value() is None else catalog.decode(m.value()).value["patient_id"]
                index.apply(domain.IndexChange(kind, key, patient))
    finally:
        consumer.close()
    return index


def main() -> int:
    from rarelog_kit.runner import run_service

    from .bootstrap import build, settings_from_env

    settings = settings_from_env()
    return run_service(SERVICE, settings, lambda health, metrics: build(settings, health, metrics))

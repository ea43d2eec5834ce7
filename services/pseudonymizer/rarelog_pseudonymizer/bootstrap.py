"""Composition root: the only place the pseudonymizer's parts are put together."""
from __future__ import annotations

from rarelog_kit.health import Health, Metrics
from rarelog_kit.kafka_loop import TransactionalLoop
from rarelog_kit.keystore import DataKeyStore
from rarelog_kit.serde import catalog_for
from rarelog_kit.topics import (INTAKE_RECORDS, INTAKE_SUBMISSIONS, KEYS_RECORDS, PATIENT_EVENTS,
                                PSEUDONYMIZED_DEATHS, PSEUDONYMIZED_RECORDS, dlq)

from .entrypoint import SERVICE, PseudonymizerProcessor
from .intake_purge import IntakePurge, lenient
from .keys import load_key_ring
from .settings import PseudonymizerSettings


def build(settings: PseudonymizerSettings, health: Health, metrics: Metrics) -> TransactionalLoop:
    # Refuses to start without a usable key: pseudonyms must never be made with a default.
    keys = load_key_ring(settings.pseudonym_key_file, settings.previous_key_paths())
    catalog = catalog_for(settings)
    data_keys = DataKeyStore(catalog, settings.kafka_common(), settings.topic(KEYS_RECORDS))
    purge = IntakePurge(
        settings.kafka_common(), keys, lenient(catalog.decode),
        truncated=[(settings.topic(INTAKE_SUBMISSIONS), settings.group_member("ingest")["group.id"]),
                   (settings.topic(INTAKE_RECORDS), settings.group_member(SERVICE)["group.id"]),
                   (settings.topic(PSEUDONYMIZED_DEATHS), settings.group_member("reconciler")["group.id"])],
        dead_letter_topics=[settings.topic(dlq(INTAKE_SUBMISSIONS)), settings.topic(dlq(INTAKE_RECORDS))],
        transactional_id=f"{settings.topic_prefix}rarelog-{SERVICE}-intake-purge")
    processor = PseudonymizerProcessor(catalog, keys, data_keys, settings.topic(PSEUDONYMIZED_RECORDS),
                                       settings.topic(KEYS_RECORDS), settings.topic(dlq(INTAKE_RECORDS)),
                                       settings.topic(PATIENT_EVENTS), purge)
    inputs = [settings.topic(INTAKE_RECORDS), settings.topic(PATIENT_EVENTS)]
    return TransactionalLoop(settings, SERVICE, inputs, processor, health, metrics)

"""Composition root: the only place the pseudonymizer's parts are put together."""
from __future__ import annotations

from rarelog_kit.health import Health, Metrics
from rarelog_kit.kafka_loop import TransactionalLoop
from rarelog_kit.serde import catalog_for
from rarelog_kit.topics import INTAKE_RECORDS, PSEUDONYMIZED_RECORDS, dlq

from .entrypoint import SERVICE, PseudonymizerProcessor
from .keys import load_key
from .settings import PseudonymizerSettings


def build(settings: PseudonymizerSettings, health: Health, metrics: Metrics) -> TransactionalLoop:
    key = load_key(settings.pseudonym_key_file)  # refuses to start without a usable key
    processor = PseudonymizerProcessor(catalog_for(settings), key, settings.topic(PSEUDONYMIZED_RECORDS),
                                       settings.topic(dlq(INTAKE_RECORDS)))
    return TransactionalLoop(settings, SERVICE, [settings.topic(INTAKE_RECORDS)], processor, health, metrics)

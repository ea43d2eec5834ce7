"""Composition root: the only place the reconciler's parts are put together."""
from __future__ import annotations

from rarelog_kit.health import Health, Metrics
from rarelog_kit.kafka_loop import TransactionalLoop
from rarelog_kit.serde import catalog_for
from rarelog_kit.topics import PATIENT_EVENTS, PSEUDONYMIZED_RECORDS, RECONCILER_CHANGELOG, dlq

from .entrypoint import SERVICE, ReconcilerProcessor
from .settings import ReconcilerSettings


def build(settings: ReconcilerSettings, health: Health, metrics: Metrics) -> TransactionalLoop:
    processor = ReconcilerProcessor(catalog_for(settings), settings.kafka_common(), settings.topic(PATIENT_EVENTS),
                                    settings.topic(RECONCILER_CHANGELOG), settings.topic(dlq(PSEUDONYMIZED_RECORDS)))
    return TransactionalLoop(settings, SERVICE, [settings.topic(PSEUDONYMIZED_RECORDS)], processor, health, metrics)

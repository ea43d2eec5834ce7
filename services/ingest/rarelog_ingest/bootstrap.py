"""Composition root: the only place ingest's parts are put together."""
from __future__ import annotations

from rarelog_kit.health import Health, Metrics
from rarelog_kit.kafka_loop import TransactionalLoop
from rarelog_kit.serde import catalog_for
from rarelog_kit.topics import INTAKE_RECORDS, INTAKE_SUBMISSIONS, dlq

from .entrypoint import SERVICE, IngestProcessor
from .settings import IngestSettings


def build(settings: IngestSettings, health: Health, metrics: Metrics) -> TransactionalLoop:
    processor = IngestProcessor(catalog_for(settings), settings.topic(INTAKE_RECORDS), settings.topic(dlq(INTAKE_SUBMISSIONS)),
                                settings.max_submission_bytes)
    return TransactionalLoop(settings, SERVICE, [settings.topic(INTAKE_SUBMISSIONS)], processor, health, metrics)

"""Composition root: the only place the reconciler's parts are put together."""
from __future__ import annotations

import json
from functools import partial

from rarelog_kit.health import Health, Metrics
from rarelog_kit.kafka_loop import TransactionalLoop
from rarelog_kit.serde import catalog_for
from rarelog_kit.topics import (DEATH_OUTCOMES, KEYS_RECORDS, LINKAGE_REVIEWS, PATIENT_EVENTS, PSEUDONYMIZED_DEATHS,
                               PSEUDONYMIZED_RECORDS, RECONCILER_CHANGELOG, dlq)

from .checkpoint import Schedule
from .entrypoint import SERVICE, ReconcilerProcessor
from .linkage import AssignParams, Model
from .settings import ReconcilerSettings
from .state import LinkageState, initial_model


def build(settings: ReconcilerSettings, health: Health, metrics: Metrics) -> TransactionalLoop:
    model = Model.from_dict(json.loads(settings.model_file.read_text())) if settings.model_file else initial_model()
    assign = AssignParams(link=settings.link_probability, review=settings.review_probability, scale_prior=True)
    topics = {"records": settings.topic(PSEUDONYMIZED_RECORDS), "reviews": settings.topic(LINKAGE_REVIEWS),
              "events": settings.topic(PATIENT_EVENTS), "changelog": settings.topic(RECONCILER_CHANGELOG),
              "records_dlq": settings.topic(dlq(PSEUDONYMIZED_RECORDS)), "reviews_dlq": settings.topic(dlq(LINKAGE_REVIEWS)),
              "deaths": settings.topic(PSEUDONYMIZED_DEATHS), "deaths_dlq": settings.topic(dlq(PSEUDONYMIZED_DEATHS)),
              "death_outcomes": settings.topic(DEATH_OUTCOMES), "keys": settings.topic(KEYS_RECORDS)}
    processor = ReconcilerProcessor(catalog_for(settings), settings.kafka_common(), topics,
                                    partial(LinkageState, model, assign), metrics.registry, settings.state_dir,
                                    Schedule(settings.checkpoint_interval_s, settings.checkpoint_min_records))
    return TransactionalLoop(settings, SERVICE, [topics["records"], topics["reviews"], topics["deaths"]], processor,
                             health, metrics)

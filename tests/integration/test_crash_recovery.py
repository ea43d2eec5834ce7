"""SIGKILL in the middle of a load loses nothing and duplicates nothing."""
from __future__ import annotations

import time

import pytest
from confluent_kafka import Consumer, TopicPartition

from rarelog_kit.topics import INTAKE_RECORDS, PSEUDONYMIZED_RECORDS
from tests.integration import cohort as cohorts
from tests.integration import linkage_replay
from tests.integration.test_walking_skeleton import publish

pytestmark = pytest.mark.integration

INPUT_OF = {"pseudonymizer": INTAKE_RECORDS, "reconciler": PSEUDONYMIZED_RECORDS}


def committed(pipeline, service: str, timeout: float = 10) -> int:
    topic = pipeline.prefix + INPUT_OF[service]
    consumer = Consumer({"bootstrap.servers": pipeline.bootstrap, "group.id": f"{pipeline.prefix}rarelog-{service}"})
    try:
        parts = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        return sum(max(tp.offset, 0) for tp in consumer.committed([TopicPartition(topic, p) for p in parts], timeout))
    finally:
        consumer.close()


@pytest.mark.parametrize("victim", ["pseudonymizer", "reconciler"])
def test_sigkill_mid_load_changes_nothing(pipeline, victim):
    cohort = cohorts.build(patients=1500, centres=12, seed=5, invalid=False)
    accepted = len(cohort.messages)
    # Small transactions, so that the kill lands between and inside them.
    pipeline.start("ingest")
    for service in ("pseudonymizer", "reconciler", "registry-store"):
        if service != victim:
            pipeline.start(service)
    publish(pipeline, cohort.messages)
    pipeline.start(victim, RARELOG_BATCH_SIZE="50")
    deadline = time.monotonic() + 120
    while committed(pipeline, victim) == 0:
        assert time.monotonic() < deadline, pipeline.log(victim)[-2000:]
        time.sleep(0.05)
    pipeline.kill(victim)
    # Offsets the killed transaction had sent stay "unstable" until the broker aborts it (the
    # 60 s transaction timeout): reading the committed position may wait that long.
    at_kill = committed(pipeline, victim, timeout=90)
    assert 0 < at_kill < accepted, "the kill must land in the middle of the load"
    pipeline.start(victim, RARELOG_BATCH_SIZE="50")
    pipeline.wait_caught_up()

    # Exactly once downstream: one committed pseudonymised record per accepted submission, and
    # exactly the patient events an uninterrupted run of the reconciler gives on that log.
    assert len(pipeline.read_topic(PSEUDONYMIZED_RECORDS)) == accepted
    events, state = linkage_replay.replay(pipeline)
    assert linkage_replay.published(pipeline) == events
    # Same warehouse as an uninterrupted run: the same records under the same patients.
    stored = linkage_replay.warehouse_patients(pipeline)
    assert len(stored) == len(cohort.active)
    assert stored == {k: state.patient_of_record(k) for k in stored}
    [(patients,)] = pipeline.query("SELECT count(*) FROM {registry}.patient")
    assert patients == len(set(stored.values()))

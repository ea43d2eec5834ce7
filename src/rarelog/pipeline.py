"""How far each stage of the pipeline has got, and waiting until all have caught up.

A stage is caught up when no committed message lies past its consumed position. Offsets alone
cannot tell (transaction markers occupy offsets too), so a read_committed probe looks for a real
message between the position and the end of each partition that seems behind.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import psycopg
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from rarelog_kit.topics import (INTAKE_RECORDS, INTAKE_SUBMISSIONS, LINKAGE_REVIEWS, PATIENT_EVENTS,
                               PSEUDONYMIZED_DEATHS, PSEUDONYMIZED_RECORDS)

STAGES = (("ingest", INTAKE_SUBMISSIONS), ("pseudonymizer", INTAKE_RECORDS),
          ("reconciler", PSEUDONYMIZED_RECORDS), ("reconciler", LINKAGE_REVIEWS), ("reconciler", PSEUDONYMIZED_DEATHS),
          ("registry-store", PATIENT_EVENTS),
          # the pseudonymizer reads the patient events for erasures, to purge the intake
          ("pseudonymizer", PATIENT_EVENTS))
_LABELS = {("reconciler", LINKAGE_REVIEWS): "reviews", ("reconciler", PSEUDONYMIZED_DEATHS): "deaths",
           ("pseudonymizer", PATIENT_EVENTS): "erasures"}


@dataclass(frozen=True)
class StageProgress:
    stage: str
    topic: str
    consumed: int  # sum of positions over partitions
    end: int       # sum of end offsets (markers included: an upper bound)
    caught_up: bool


def _sink_positions(database_url: str, schema: str, group: str) -> dict[tuple[str, int], int]:
    with psycopg.connect(database_url, connect_timeout=5) as conn:
        exists = conn.execute("SELECT to_regclass(%s)", (f"{schema}.consumer_offset",)).fetchone()[0]
        if exists is None:
            return {}
        rows = conn.execute(f"SELECT topic, partition, next_offset FROM {schema}.consumer_offset "
                            "WHERE consumer_group = %s", (group,)).fetchall()
    return {(t, p): o for t, p, o in rows}


def progress(bootstrap: str, database_url: str, prefix: str = "", schema: str = "registry",
             client_config: dict | None = None) -> list[StageProgress]:
    """Each stage's position, upstream first (so a caught-up verdict downstream is not stale)."""
    base = {"bootstrap.servers": bootstrap, **(client_config or {})}
    result = []
    for stage, topic in STAGES:
        topic = prefix + topic
        group = f"{prefix}rarelog-{stage}"
        consumer = Consumer({**base, "group.id": group, "enable.auto.commit": False,
                             "isolation.level": "read_committed", "enable.partition.eof": True,
                             "fetch.wait.max.ms": 10})  # at the end, say so at once
        try:
            meta = consumer.list_topics(topic, timeout=10).topics[topic]
            partitions = [TopicPartition(topic, p) for p in sorted(meta.partitions)]
            if stage == "registry-store":
                stored = _sink_positions(database_url, schema, group)
                positions = {tp.partition: stored.get((topic, tp.partition), 0) for tp in partitions}
            else:
                positions = {tp.partition: max(tp.offset, 0) for tp in consumer.committed(partitions, timeout=10)}
            ends = {tp.partition: consumer.get_watermark_offsets(tp, timeout=10)[1] for tp in partitions}
            behind = [p for p in positions if positions[p] < ends[p]]
            caught_up = not behind or not _has_message(consumer, topic, positions, ends, behind)
        finally:
            consumer.close()
        what = _LABELS.get((stage, topic[len(prefix):]))
        label = f"{stage} ({what})" if what else stage
        result.append(StageProgress(label, topic, sum(positions.values()), sum(ends.values()), caught_up))
    return result


def _has_message(consumer: Consumer, topic: str, positions: dict, ends: dict, behind: list[int]) -> bool:
    consumer.assign([TopicPartition(topic, p, positions[p]) for p in behind])
    pending = set(behind)
    deadline = time.monotonic() + 10
    while pending and time.monotonic() < deadline:
        # a short wait: consume() waits its whole timeout for a batch that does not fill up, and a
        # transactional stage is always "behind" by its commit markers
        for m in consumer.consume(100, 0.05):
            if m.error() is None:
                return True
            if m.error().code() == KafkaError._PARTITION_EOF:
                pending.discard(m.partition())
    return bool(pending)  # could not tell in time: assume behind


def _transient(err: KafkaError) -> bool:
    return err.retriable() or err.code() in (
        KafkaError.NOT_COORDINATOR, KafkaError.COORDINATOR_LOAD_IN_PROGRESS, KafkaError.COORDINATOR_NOT_AVAILABLE,
        KafkaError._TIMED_OUT, KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN)


def wait_until_caught_up(bootstrap: str, database_url: str, *, prefix: str = "", schema: str = "registry",
                         timeout_s: float = 600, on_progress: Callable[[list[StageProgress]], None] | None = None,
                         client_config: dict | None = None) -> list[StageProgress]:
    """Polls until every stage has caught up twice in a row; raises TimeoutError otherwise."""
    deadline = time.monotonic() + timeout_s
    streak = 0
    while True:
        try:
            stages = progress(bootstrap, database_url, prefix, schema, client_config)
        except KafkaException as exc:  # a broker just back answers "not coordinator" for a while
            if not _transient(exc.args[0]) or time.monotonic() > deadline:
                raise
            time.sleep(1)
            continue
        if on_progress:
            on_progress(stages)
        streak = streak + 1 if all(s.caught_up for s in stages) else 0
        if streak >= 2:
            return stages
        if time.monotonic() > deadline:
            raise TimeoutError("pipeline did not catch up in time: " +
                               ", ".join(f"{s.stage} at {s.consumed}/{s.end}" for s in stages))
        time.sleep(1)

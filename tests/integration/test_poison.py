"""Poison among a valid load, through the real broker, database and services: 10,000 malformed
submissions mixed into a cohort's (tests/corpus/poison.py), and a few hundred more put straight
on the later stages' input topics. Each ends where its stage parks what it cannot use (the
input topic's dead-letter topic, or registry-store's quarantine table) with its reason code;
every valid record still reaches the warehouse; no service restarts."""
from __future__ import annotations

import json
import random
import time
from collections import Counter

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from rarelog_kit.topics import (INTAKE_RECORDS, INTAKE_SUBMISSIONS, LINKAGE_REVIEWS, PATIENT_EVENTS,
                                PSEUDONYMIZED_RECORDS, dlq)
from rarelog_kit.serde import AvroCatalog
from tests.corpus import poison
from tests.integration import cohort as cohorts
from tests.integration import linkage_replay
from tests.integration.harness import SERVICES

CATALOG = AvroCatalog()

pytestmark = pytest.mark.integration

SEED = 31
# The later stages' input topics and the service that must park their poison.
LATER = {INTAKE_RECORDS: "pseudonymizer", PSEUDONYMIZED_RECORDS: "reconciler", LINKAGE_REVIEWS: "reconciler",
         PATIENT_EVENTS: "registry-store"}
PER_LATER_TOPIC = 100


def mixed(valid: list, bad: list, rng: random.Random) -> list:
    """Both lists interleaved at random, each in its own order (a withdrawal stays after its upsert)."""
    slots = [True] * len(valid) + [False] * len(bad)
    rng.shuffle(slots)
    valid_it, bad_it = iter(valid), iter(bad)
    return [next(valid_it) if is_valid else next(bad_it) for is_valid in slots]


def publish(pipeline, topic: str, messages: list[tuple[bytes, bytes]]) -> dict[bytes, tuple[int, int]]:
    """Where each message landed, by key (plain producer: poison needs no transaction)."""
    landed, failed = {}, []
    producer = Producer({"bootstrap.servers": pipeline.bootstrap, "enable.idempotence": True, "linger.ms": 20,
                         "compression.type": "zstd"})

    def delivered(err, msg):
        if err is not None:
            failed.append(err.name())
        else:
            landed[msg.key()] = (msg.partition(), msg.offset())
    for key, value in messages:
        while True:
            try:
                producer.produce(pipeline.prefix + topic, value, key, on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.1)
    assert producer.flush(60) == 0 and not failed, Counter(failed)
    return landed


def wait_for_first_message(pipeline, topic: str, timeout_s: float = 120) -> None:
    """Until something was written to the (one-partition) topic."""
    consumer = Consumer({"bootstrap.servers": pipeline.bootstrap, "group.id": f"{pipeline.prefix}probe"})
    deadline = time.monotonic() + timeout_s
    try:
        while consumer.get_watermark_offsets(TopicPartition(pipeline.prefix + topic, 0), timeout=10)[1] == 0:
            pipeline.assert_running()
            assert time.monotonic() < deadline, f"nothing reached {topic} in {timeout_s} s"
            time.sleep(0.2)
    finally:
        consumer.close()


def check_dead_letters(pipeline, topic: str, service: str, sent: list[poison.Poison],
                       landed: dict[bytes, tuple[int, int]]) -> None:
    """Every poison message of `topic` is in its dead-letter topic once, unchanged, with exactly its
    reason and where it came from; nothing else is."""
    dead = pipeline.read_topic(dlq(topic))
    by_key = {m.key(): m for m in dead}
    expected = {key: (value, code, category) for key, value, code, category in sent}
    assert len(by_key) == len(dead), f"{len(dead) - len(by_key)} messages dead-lettered twice on {dlq(topic)}"
    missing = Counter(expected[k][2] for k in expected.keys() - by_key.keys())
    extra = Counter(dict(by_key[k].headers())["x-dlq-error-class"].decode() for k in by_key.keys() - expected.keys())
    assert not missing and not extra, f"{dlq(topic)}: poison not dead-lettered {missing}, others dead-lettered {extra}"
    wrong = Counter()
    for key, (value, code, category) in expected.items():
        m = by_key[key]
        headers = {k: v.decode() for k, v in m.headers()}
        reasons = [r["code"] for r in json.loads(headers["x-dlq-reasons"])]
        # A Kafka-sized original does not fit in its dead letter with the x-dlq-* headers: left out.
        parked = (b"", str(len(value))) if len(value) > 900_000 else (value, None)
        got = (headers["x-dlq-error-class"], reasons, headers["x-dlq-service"], headers["x-dlq-source-topic"],
               (int(headers["x-dlq-source-partition"]), int(headers["x-dlq-source-offset"])),
               (m.value() or b"", headers.get("x-dlq-original-bytes")))
        if got != (code, [code], service, pipeline.prefix + topic, landed[key], parked):
            wrong[(category, code, got[0], str(got[1][:3]))] += 1
    assert not wrong, f"{dlq(topic)}: (category, expected, error class, reasons) → count {dict(wrong)}"


class WithoutInjected:
    """The pipeline as linkage_replay reads it, minus the poison this test put on the topics."""

    def __init__(self, pipeline, injected: dict[str, set[tuple[int, int]]]) -> None:
        self.pipeline, self.prefix, self.injected = pipeline, pipeline.prefix, injected

    def read_topic(self, topic: str, committed_only: bool = True) -> list:
        skip = self.injected.get(topic, set())
        return [m for m in self.pipeline.read_topic(topic, committed_only) if (m.partition(), m.offset()) not in skip]


def starts(log: str) -> int:
    count = 0
    for line in log.splitlines():
        try:
            count += json.loads(line).get("msg") == "starting"
        except (ValueError, AttributeError):
            pass  # not a JSON log line (a library writing to stderr)
    return count


def test_poison_is_parked_with_its_reason_and_every_valid_record_arrives(pipeline):
    cohort = cohorts.build(patients=1000, centres=12, seed=SEED, invalid=False)
    bad = poison.submissions(10_000, seed=SEED)
    later = {topic: poison.for_topic(topic, PER_LATER_TOPIC, seed=SEED) for topic in LATER}
    load = mixed(cohort.messages, [(key, value) for key, value, _, _ in bad], random.Random(SEED))
    half = len(load) // 2

    pipeline.start_all()
    landed = publish(pipeline, INTAKE_SUBMISSIONS, load[:half])
    # The later stages' poison goes in once real records flow through them, and more follow it,
    # so that it lies between valid messages of the one-partition topics.
    wait_for_first_message(pipeline, PATIENT_EVENTS)
    landed_later = {topic: publish(pipeline, topic, [(k, v) for k, v, _, _ in sent]) for topic, sent in later.items()}
    landed |= publish(pipeline, INTAKE_SUBMISSIONS, load[half:])
    pipeline.wait_caught_up()

    # No restart: the four processes are the ones started, each started once.
    pipeline.assert_running()
    assert {service: starts(pipeline.log(service)) for service in SERVICES} == {service: 1 for service in SERVICES}

    # Each poison message parked by its stage, with its reason.
    check_dead_letters(pipeline, INTAKE_SUBMISSIONS, "ingest", bad, landed)
    for topic in (INTAKE_RECORDS, PSEUDONYMIZED_RECORDS, LINKAGE_REVIEWS):
        check_dead_letters(pipeline, topic, LATER[topic], later[topic], landed_later[topic])
    quarantined = pipeline.query("SELECT topic, partition, kafka_offset, reason_code FROM {registry}.quarantined_event")
    expected = {(pipeline.prefix + PATIENT_EVENTS, *landed_later[PATIENT_EVENTS][key]): code
                for key, _, code, _ in later[PATIENT_EVENTS]}
    assert {(t, p, o): code for t, p, o, code in quarantined} == expected

    # Every valid submission accepted once, and nothing else: one pseudonymised record each (the
    # intake itself no longer holds them: the withdrawals' erasures truncated it, decisions/0011).
    clean = WithoutInjected(pipeline, {topic: set(landed_later[topic].values())
                                       for topic in (PSEUDONYMIZED_RECORDS, PATIENT_EVENTS)})
    accepted = Counter(CATALOG.decode(m.value()).value["event_id"] for m in clean.read_topic(PSEUDONYMIZED_RECORDS))
    assert len(accepted) == len(cohort.messages) and set(accepted.values()) == {1}

    # The warehouse: exactly the patient events the reconciler's decisions give on the valid
    # records, and every active record under the patient those decisions give it.
    poisoned = [offset for _, offset in landed_later[PSEUDONYMIZED_RECORDS].values()]
    valid_offsets = [m.offset() for m in clean.read_topic(PSEUDONYMIZED_RECORDS)]
    assert min(valid_offsets) < min(poisoned) and max(poisoned) < max(valid_offsets), "poison among valid records"
    events, state = linkage_replay.replay(clean)
    assert linkage_replay.published(clean) == events
    stored = linkage_replay.warehouse_patients(pipeline)
    assert set(stored) == set(cohort.truth(pipeline.key))
    assert stored == {k: state.patient_of_record(k) for k in stored}
    [(records_in_registry,)] = pipeline.query("SELECT count(*) FROM {registry}.record WHERE NOT withdrawn")
    assert records_in_registry == len(cohort.active)
    # a patient's last record withdrawn erases the patient (docs/decisions/0011): counted in the audit
    [(withdrawn,)] = pipeline.query("SELECT count(*) FROM {registry}.record WHERE withdrawn")
    [(erased,)] = pipeline.query("SELECT coalesce(sum(records), 0) FROM {registry}.erasure_audit")
    assert withdrawn + erased == len(cohort.withdrawn)
    [(patients,)] = pipeline.query("SELECT count(*) FROM {registry}.patient")
    assert patients == len(set(stored.values()))

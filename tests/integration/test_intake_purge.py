"""An erasure carried into the identified intake, over the real broker (docs/decisions/0011):
processed intake (and INSEE death lines) truncated, the erased records' dead letters removed, every other dead letter
kept once, in order, with its timestamp and headers; and a purge interrupted between copying
and truncating finished by the next attempt without a second copy."""
from __future__ import annotations

import json
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topics import INTAKE_RECORDS, INTAKE_SUBMISSIONS, PSEUDONYMIZED_DEATHS, dlq
from rarelog_pseudonymizer.domain import record_key
from rarelog_pseudonymizer.intake_purge import REWRITE_BELOW, IntakePurge, _Session, lenient
from rarelog_pseudonymizer.keys import KeyRing

pytestmark = pytest.mark.integration
# Recent: the topics' retention (7 and 30 days) would delete older messages under the test.
BASE_TS = int(time.time() * 1000) - 3_600_000


def purge_for(pipeline) -> IntakePurge:
    p = pipeline.prefix
    return IntakePurge({"bootstrap.servers": pipeline.bootstrap}, KeyRing(pipeline.key), lenient(AvroCatalog().decode),
               truncated=[(p + INTAKE_SUBMISSIONS, p + "rarelog-ingest"), (p + INTAKE_RECORDS, p + "rarelog-pseudonymizer"),
                          (p + PSEUDONYMIZED_DEATHS, p + "rarelog-reconciler")],
               dead_letter_topics=[p + dlq(INTAKE_SUBMISSIONS), p + dlq(INTAKE_RECORDS)],
               transactional_id=p + "rarelog-pseudonymizer-intake-purge")


def produce(pipeline, topic: str, messages: list[tuple[bytes | None, bytes]]) -> None:
    producer = Producer({"bootstrap.servers": pipeline.bootstrap})
    for i, (key, value) in enumerate(messages):
        producer.produce(pipeline.prefix + topic, value, key, partition=0, timestamp=BASE_TS + i,
                         headers=[("x-dlq-error-class", b"code-%d" % i)])
    assert producer.flush(30) == 0


def commit(pipeline, group: str, topic: str, offset: int) -> None:
    consumer = Consumer({"bootstrap.servers": pipeline.bootstrap, "group.id": pipeline.prefix + group})
    try:
        consumer.commit(offsets=[TopicPartition(pipeline.prefix + topic, 0, offset)], asynchronous=False)
    finally:
        consumer.close()


def dead_letters(pipeline, topic: str) -> list[tuple]:
    return [(m.key(), m.value(), m.timestamp()[1], dict(m.headers())["x-dlq-error-class"])
            for m in pipeline.read_topic(topic) if m.partition() == 0]


def test_erasure_removes_the_erased_records_from_the_intake_and_keeps_the_rest(pipeline, monkeypatch):
    erased_json = json.dumps({"centre_id": "C1", "local_record_id": "r1", "record": {"x": 1}}).encode()
    letters = [
        (b"C1:r1", b"{\"centre_id\": \"C1\"}"),  # the erased record, by its key
        (b"C2:r2", b"{\"centre_id\": \"C2\", \"local_record_id\": \"r2\"}"),  # someone else
        (b"S999:bad", erased_json),  # the erased record, named by its content only
        (None, b"\x07not json at all"),  # names nobody
        (b"C1:r10", b"{}"),  # a neighbour of the erased key
    ]
    produce(pipeline, dlq(INTAKE_SUBMISSIONS), letters)
    produce(pipeline, dlq(INTAKE_RECORDS), [(b"C1:r1", b"junk"), (b"C3:r3", b"junk")])
    produce(pipeline, INTAKE_SUBMISSIONS, [(b"C1:r1", b"{}")] * 5)
    commit(pipeline, "rarelog-ingest", INTAKE_SUBMISSIONS, 4)  # ingest has processed 4 of the 5
    produce(pipeline, PSEUDONYMIZED_DEATHS, [(b"death-1", b"line")] * 3)
    commit(pipeline, "rarelog-reconciler", PSEUDONYMIZED_DEATHS, 2)  # the reconciler, 2 of the 3
    erased = {record_key(pipeline.key, "C1", "r1")}

    # A crash after the copies committed: the next attempt truncates, and copies nothing again.
    truncate = _Session._delete_below

    def crash_before_truncating(self, topic: str, partition: int, offset: int) -> None:
        if topic.endswith(".dlq"):
            raise SystemExit("crash between copying and truncating")
        truncate(self, topic, partition, offset)
    monkeypatch.setattr(_Session, "_delete_below", crash_before_truncating)
    with pytest.raises(SystemExit):
        purge_for(pipeline).erase(erased)
    monkeypatch.undo()
    purged = purge_for(pipeline).erase(erased)
    assert (purged.dead_letters, purged.kept) == (1, 1)  # the second topic; the first was finished
    expected = [(k, v, BASE_TS + i, b"code-%d" % i) for i, (k, v) in enumerate(letters) if i in (1, 3, 4)]
    assert dead_letters(pipeline, dlq(INTAKE_SUBMISSIONS)) == expected
    assert dead_letters(pipeline, dlq(INTAKE_RECORDS)) == [(b"C3:r3", b"junk", BASE_TS + 1, b"code-1")]
    tagged = pipeline.read_topic(dlq(INTAKE_SUBMISSIONS))
    assert all(dict(m.headers())[REWRITE_BELOW] == b"5" for m in tagged if m.partition() == 0)

    # The intake: the processed positions are gone, the unprocessed one stays.
    assert [m.offset() for m in pipeline.read_topic(INTAKE_SUBMISSIONS) if m.partition() == 0] == [4]
    assert [m.offset() for m in pipeline.read_topic(PSEUDONYMIZED_DEATHS)] == [2]  # and the deaths

    # Again: nothing of the erased is left, so nothing moves.
    again = purge_for(pipeline).erase(erased)
    assert (again.intake_offsets, again.dead_letters, again.kept) == (0, 0, 0)
    assert dead_letters(pipeline, dlq(INTAKE_SUBMISSIONS)) == expected

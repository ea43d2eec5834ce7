"""Erasure reaches the identified intake (docs/decisions/0011).

Crypto-shredding cannot reach the intake topics: they precede the pseudonymizer and hold
submissions in clear for days. So on each `PatientErased` the pseudonymizer, the one service
that may read them, removes the erased records from them:

1. The intake topics are truncated below the positions ingest and the pseudonymizer have
   committed. Everything there is already processed, the erased records among it: the
   reconciler only knows records that went through both. So is the INSEE deaths topic, below
   the reconciler's position: its lines' pseudonyms and encodings are not sealed either, and a
   line matched to the erased patient was processed before the erasure.
2. The intake dead-letter topics are rewritten without the erased records' dead letters: the
   others are copied to the end in one transaction, with their original timestamps (retention is
   unchanged), then the partition is truncated below the copies. Each copy names the offset it
   was copied above (`x-dlq-rewrite-below`), so a rewrite interrupted between the two steps is
   finished on the next attempt, never copied twice (a read counts only once it has reached the
   end of the log, open transactions settled).

A dead letter belongs to a record when its key or its content names the record's centre and
local id (the content is read leniently: dead letters are malformed by nature).
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from rarelog_kit.kafka_loop import ClientWedged, bounded
from rarelog_kit.messages import Unavailable

from .domain import record_key
from .keys import KeyRing

log = logging.getLogger(__name__)
REWRITE_BELOW = "x-dlq-rewrite-below"
TIMEOUT_S = 30.0  # each client call
WEDGED_S = 90.0  # a whole purge (about a second, usually): past this, its clients are taken for wedged


def owners(key: bytes | None, value: bytes | None, decode: Callable[[bytes], dict | None]) -> set[tuple[str, str]]:
    """The (centre, local record id) pairs a dead letter names, in its key or in its content."""
    found = set()
    centre, sep, local = (key or b"").decode("utf-8", "replace").partition(":")
    if sep:
        found.add((centre, local))
    content = None
    if value:
        try:
            content = json.loads(value)
        except ValueError:
            content = decode(value)
    if isinstance(content, dict) and isinstance(content.get("centre_id"), str) \
            and isinstance(content.get("local_record_id"), str):
        found.add((content["centre_id"], content["local_record_id"]))
    return found


def lenient(decode: Callable[[bytes], object]) -> Callable[[bytes], dict | None]:
    """An Avro reader that answers None where a dead letter cannot be read (it usually cannot)."""
    def read(value: bytes) -> dict | None:
        try:
            return decode(value).value
        except Exception:  # noqa: BLE001 - any failure to read means "names nobody by its content"
            return None
    return read


def record_keys(ring: KeyRing, named: Iterable[tuple[str, str]]) -> set[str]:
    """The record keys of those pairs, under every key of the ring (a rotation changes them)."""
    return {record_key(key, centre, local) for centre, local in named for key in ring.all}


@dataclass
class Purged:
    intake_offsets: int = 0    # processed positions removed by truncation (intake, deaths)
    dead_letters: int = 0      # dead letters of erased records removed
    kept: int = 0              # other dead letters copied to stay


class IntakePurge:
    """The Kafka side: admin truncation, dead-letter reading and copying."""

    def __init__(self, kafka: dict, ring: KeyRing, decode: Callable[[bytes], dict | None],
                 truncated: list[tuple[str, str]], dead_letter_topics: list[str], transactional_id: str) -> None:
        """truncated: (topic, consumer group whose committed positions bound its truncation)."""
        self.kafka, self.ring, self.decode = kafka, ring, decode
        self.truncated, self.dead_letter_topics, self.transactional_id = truncated, dead_letter_topics, transactional_id

    def erase(self, erased: set[str]) -> Purged:
        """Idempotent: run again after a crash, it removes what is left and copies nothing twice.
        Raises Unavailable when it cannot be done now, the broker away or its clients wedged."""
        from confluent_kafka import KafkaException

        try:
            # Clients of its own each time: an erasure is rare, and a client that lived through a
            # broker restart may wait forever for a coordinator it cached (kafka_loop.ClientWedged).
            return bounded(lambda: _Session(self).erase(erased), WEDGED_S, "purging the intake")
        except (KafkaException, TimeoutError, ClientWedged) as exc:
            raise Unavailable(f"purging the intake topics failed: {exc}") from exc


class _Session:
    """One purge, with Kafka clients of its own."""

    def __init__(self, purge: IntakePurge) -> None:
        from confluent_kafka.admin import AdminClient

        self.kafka, self.ring, self.decode = purge.kafka, purge.ring, purge.decode
        self.truncated, self.dead_letter_topics = purge.truncated, purge.dead_letter_topics
        self.transactional_id = purge.transactional_id
        self.admin, self._producer = AdminClient(self.kafka), None

    def erase(self, erased: set[str]) -> Purged:
        from confluent_kafka import Consumer

        purged = Purged()
        # High watermarks: the end of the log, open transactions included (ingest's, or copies
        # whose commit markers are not written yet): a read must reach it to have seen everything.
        self._uncommitted = Consumer({**self.kafka, "group.id": "rarelog-intake-purge",
                                      "isolation.level": "read_uncommitted"})
        try:
            for topic, group in self.truncated:
                purged.intake_offsets += self._truncate_processed(topic, group)
            for topic in self.dead_letter_topics:
                # Before reading: a transactional producer starts only once any copying an earlier
                # one left (a crash) is complete, so that its copies are visible to this read.
                self._transactional()
                for partition, read in self._read(topic, self._partitions(topic)).items():
                    self._rewrite(topic, partition, read, erased, purged)
        finally:
            self._uncommitted.close()
        return purged

    def _partitions(self, topic: str) -> list[int]:
        meta = self.admin.list_topics(topic, timeout=TIMEOUT_S).topics[topic]
        if meta.error is not None:
            raise TimeoutError(f"{topic}: {meta.error}")
        return sorted(meta.partitions)

    def _truncate_processed(self, topic: str, group: str) -> int:
        from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition

        asked = [TopicPartition(topic, p) for p in self._partitions(topic)]
        future = self.admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group, asked)],
                                                        request_timeout=TIMEOUT_S)[group]
        committed = [tp for tp in future.result(TIMEOUT_S + 5).topic_partitions if tp.offset >= 0 and tp.error is None]
        removed = 0
        for tp in committed:
            low = self._watermarks(topic, tp.partition)[0]
            if tp.offset > low:
                self._delete_below(topic, tp.partition, tp.offset)
                removed += tp.offset - low
        return removed

    def _rewrite(self, topic: str, partition: int, read: tuple[int, list, int], erased: set[str],
                 purged: Purged) -> None:
        low, messages, end = read
        unfinished = max((int(dict(m.headers() or []).get(REWRITE_BELOW, b"0")) for m in messages), default=0)
        if unfinished > low:  # copies committed, truncation not done: finish it, then start again
            self._delete_below(topic, partition, unfinished)
            low, messages, end = self._read(topic, [partition])[partition]
        theirs = {m.offset() for m in messages
                  if record_keys(self.ring, owners(m.key(), m.value(), self.decode)) & erased}
        if not theirs:
            return
        kept = [m for m in messages if m.offset() not in theirs]
        self._copy(topic, partition, kept, end)
        # Truncated only once the copies are readable (the broker writes the commit markers a moment
        # after the commit; _read waits for them): a reader sees a dead letter twice, never not at all.
        self._read(topic, [partition])
        self._delete_below(topic, partition, end)
        purged.dead_letters += len(theirs)
        purged.kept += len(kept)
        log.info("erased records' dead letters removed",
                 extra={"topic": topic, "partition": partition, "removed": len(theirs), "kept": len(kept)})

    def _copy(self, topic: str, partition: int, kept: list, above: int) -> None:
        """The kept dead letters, again, in one transaction: all of them or none."""
        from confluent_kafka import KafkaException

        producer = self._transactional()
        try:
            producer.begin_transaction()
            for m in kept:
                headers = [h for h in (m.headers() or []) if h[0] != REWRITE_BELOW] + [(REWRITE_BELOW, str(above).encode())]
                while True:
                    try:
                        producer.produce(topic, m.value(), m.key(), partition=partition, headers=headers,
                                         timestamp=m.timestamp()[1])
                        break
                    except BufferError:
                        producer.poll(0.05)
            producer.commit_transaction(TIMEOUT_S)
        except KafkaException:
            self._producer = None  # a new one fences this one and aborts what it left open
            raise

    def _read(self, topic: str, partitions: list[int]) -> dict[int, tuple[int, list, int]]:
        """Per partition: its low watermark, its committed messages and the offset where they end.
        Only a read that reaches the end of the log counts: one that stops before an open
        transaction could miss committed copies of an interrupted purge and copy them again."""
        from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            marks = {p: self._watermarks(topic, p) for p in partitions}
            # A consumer for each read: one assigned again could still hand out the end-of-partition
            # event of its previous assignment, and the read would end before reading anything.
            # Committed messages only, by assignment: the group is never joined nor committed.
            consumer = Consumer({**self.kafka, "group.id": "rarelog-intake-purge", "enable.auto.commit": False,
                                 "enable.partition.eof": True, "isolation.level": "read_committed",
                                 "auto.offset.reset": "earliest",  # never the end, should the start move
                                 "fetch.wait.max.ms": 10})  # at a partition's end, say so at once
            consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
            messages: dict[int, list] = {p: [] for p in partitions}
            ends: dict[int, int] = {}
            try:
                while len(ends) < len(partitions) and time.monotonic() < deadline:
                    for m in consumer.consume(10_000, 0.2):
                        err = m.error()
                        if err is None:
                            messages[m.partition()].append(m)
                        elif err.code() == KafkaError._PARTITION_EOF:
                            ends[m.partition()] = m.offset()
                        else:
                            raise TimeoutError(f"reading {topic} failed: {err.name()}")
            finally:
                consumer.close()
            if len(ends) == len(partitions) and all(ends[p] >= marks[p][1] for p in partitions):
                return {p: (marks[p][0], messages[p], ends[p]) for p in partitions}
            time.sleep(0.1)
        raise TimeoutError(f"reading {topic} did not reach its end")

    def _delete_below(self, topic: str, partition: int, offset: int) -> None:
        from confluent_kafka import TopicPartition

        [future] = self.admin.delete_records([TopicPartition(topic, partition, offset)],
                                             request_timeout=TIMEOUT_S, operation_timeout=TIMEOUT_S).values()
        future.result(TIMEOUT_S + 5)

    def _watermarks(self, topic: str, partition: int) -> tuple[int, int]:
        from confluent_kafka import TopicPartition

        return self._uncommitted.get_watermark_offsets(TopicPartition(topic, partition), timeout=TIMEOUT_S)

    def _transactional(self):
        if self._producer is None:
            from confluent_kafka import Producer

            producer = Producer({**self.kafka, "transactional.id": self.transactional_id, "enable.idempotence": True})
            producer.init_transactions(TIMEOUT_S)
            self._producer = producer
        return self._producer

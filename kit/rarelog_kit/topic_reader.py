"""Read a topic from its beginning to its current end (state rebuilds, listings, audits)."""
from __future__ import annotations

import time
from typing import Iterator

from confluent_kafka import Consumer, KafkaError, Message, TopicPartition


def read_to_end(client_config: dict, topic: str, *, committed_only: bool = True,
                timeout_s: float | None = None, start_offsets: dict[int, int] | None = None) -> Iterator[Message]:
    """Yields every message, partition by partition order; stops at each partition's end
    (for read_committed: its last stable offset). Raises on a consumer error.
    start_offsets: partition → first offset to read (the others from the beginning); an offset
    the partition no longer or not yet has raises rather than silently reading from elsewhere."""
    start_offsets = start_offsets or {}
    # fetch.wait.max.ms: at a partition's end the broker answers at once, so its end is seen at once
    consumer = Consumer({"fetch.wait.max.ms": 10, **client_config, "group.id": "rarelog-topic-reader", "enable.auto.commit": False,
                         "enable.partition.eof": True,
                         # from the beginning: a start the log no longer has (records deleted
                         # meanwhile) falls back to the earliest left, never to the end
                         "auto.offset.reset": "error" if start_offsets else "earliest",
                         "isolation.level": "read_committed" if committed_only else "read_uncommitted"})
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    try:
        partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, start_offsets.get(p, -2)) for p in partitions])  # -2: the beginning
        pending = set(partitions)
        while pending:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"reading {topic} did not reach its end in time")
            for m in consumer.consume(10_000, 0.1):  # waits its whole timeout unless the batch fills
                err = m.error()
                if err is None:
                    yield m
                elif err.code() == KafkaError._PARTITION_EOF:
                    pending.discard(m.partition())
                else:
                    raise RuntimeError(f"reading {topic} failed: {err.name()}")
    finally:
        consumer.close()

"""The record data keys, as the key store topic holds them (rarelog_kit.sealing).

Compacted, one partition, key = record key, value = a RecordDataKey (the key), a tombstone once
the record is erased. A service keeps every live key in memory (about 150 bytes each: some
hundreds of MB for a national registry) and reads what was added or erased since on demand: once
per batch at most, at its first key it does not know (the key of a new record was committed with
the record, before the record could be read).
"""
from __future__ import annotations

import logging
import time

from confluent_kafka import KafkaException

from rarelog_kit.messages import Unavailable
from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topic_reader import read_to_end

log = logging.getLogger(__name__)
# How long a read of the key store waits for a broker that is away before it fails.
PATIENCE_S = 120
READ_TIMEOUT_S = 20  # one read of what is new; far more than it takes with the broker there


class DataKeyStore:
    def __init__(self, catalog: AvroCatalog, client_config: dict, topic: str | None) -> None:
        """topic None: keys given by hand (apply, message) only; the store never reads Kafka."""
        # The broker answers a fetch at the end of the topic after fetch.wait.max.ms (500 ms by
        # default): the usual catch-up reads nothing new, so it would mostly wait for that.
        self.catalog, self.client_config, self.topic = catalog, {**client_config, "fetch.wait.max.ms": 10}, topic
        self.keys: dict[str, bytes] = {}
        self._next = 0          # next offset of the topic's one partition to read
        self._fresh = False     # caught up since the last batch ended

    def load(self) -> int:
        """Every key from the beginning; returns the messages read. The first unknown key after it
        reads the topic again: keys keep coming until the first batch is consumed."""
        self.keys.clear()
        self._next = 0
        read = self.catch_up()
        self._fresh = False
        return read

    def catch_up(self) -> int:
        """Reads what was added or erased since the last read. A broker away is waited for (up to
        PATIENCE_S, backing off), then Unavailable: the read happens while a message is processed,
        and the loop then retries the batch rather than park the message as a processing error."""
        read, delay, deadline = 0, 0.5, time.monotonic() + PATIENCE_S
        while True:
            progress = read
            try:
                # bounded: a reader whose broker went away and came back can stop fetching for
                # good (seen after a broker restart); a fresh one, on retry, does not
                for m in read_to_end(self.client_config, self.topic, timeout_s=READ_TIMEOUT_S,
                                     start_offsets={0: self._next} if self._next else None):
                    self.apply(m.key().decode(), m.value())
                    self._next = m.offset() + 1  # a retry goes on from here
                    read += 1
                break
            except (KafkaException, RuntimeError, TimeoutError) as exc:  # read_to_end's errors
                if read > progress:  # a long read (a large store at start) timed out while reading
                    delay, deadline = 0.5, time.monotonic() + PATIENCE_S
                if time.monotonic() + delay > deadline:  # the batch is retried, the message kept
                    raise Unavailable(f"key store {self.topic} unreadable: {str(exc)[:200]}") from exc
                log.warning("key store unreadable, retrying", extra={"topic": self.topic, "error": str(exc)[:200]})
                time.sleep(delay)
                delay = min(delay * 2, 10)
        self._fresh = True
        return read

    def stale(self) -> None:
        """A batch ended: the next unknown key is worth reading the topic for."""
        self._fresh = False

    def get(self, record_key: str) -> bytes | None:
        key = self.keys.get(record_key)
        if key is None and not self._fresh and self.topic is not None:
            self.catch_up()
            key = self.keys.get(record_key)
        return key

    def current(self, record_key: str) -> bytes | None:
        """get() for the service that makes keys (the pseudonymizer): the topic is read once per
        batch even for a key known here, since it may have been erased since (a record submitted
        again after its erasure must get a new key, not be sealed under the shredded one)."""
        if not self._fresh and self.topic is not None:
            self.catch_up()
        return self.keys.get(record_key)

    def apply(self, record_key: str, value: bytes | None) -> None:
        if value is None:
            self.keys.pop(record_key, None)
        else:
            self.keys[record_key] = self.catalog.decode(value, expect=("RecordDataKey",)).value["data_key"]

    def message(self, record_key: str, data_key: bytes | None) -> tuple[bytes, bytes | None]:
        """The key store message that sets (or, with None, erases) a record's key; applied here
        too, so that the rest of the batch sees it."""
        value = None if data_key is None else self.catalog.encode("RecordDataKey", {"data_key": data_key})
        if data_key is None:
            self.keys.pop(record_key, None)
        else:
            self.keys[record_key] = data_key
        return record_key.encode(), value

"""Kafka → PostgreSQL with the consumed position stored in the same database transaction as
the rows it produced: the database alone says how far the sink has got, so a crash can
neither lose nor repeat a batch. Kafka's own group offsets are not used for correctness."""
from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

import psycopg
from confluent_kafka import Consumer, Message, TopicPartition

from .health import Health, Metrics
from . import telemetry
from .kafka_loop import client_error_callback, next_offsets, to_inbound, usable
from .messages import Inbound
from .settings import ServiceSettings
from .watch import IdleProbe, LagWatch

log = logging.getLogger(__name__)

OFFSETS_DDL = """
CREATE TABLE IF NOT EXISTS {schema}.consumer_offset (
    consumer_group text NOT NULL,
    topic text NOT NULL,
    partition int NOT NULL,
    next_offset bigint NOT NULL,
    PRIMARY KEY (consumer_group, topic, partition)
)"""


class Sink(Protocol):
    def apply(self, conn: psycopg.Connection, batch: list[Inbound]) -> None:
        """Write the batch's effects inside the caller's open transaction."""


def stored_offsets(conn: psycopg.Connection, schema: str, group: str) -> dict[tuple[str, int], int]:
    rows = conn.execute(f"SELECT topic, partition, next_offset FROM {schema}.consumer_offset "
                        "WHERE consumer_group = %s", (group,)).fetchall()
    return {(t, p): o for t, p, o in rows}


def store_offsets(conn: psycopg.Connection, schema: str, group: str, offsets: list[TopicPartition]) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {schema}.consumer_offset (consumer_group, topic, partition, next_offset) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (consumer_group, topic, partition) "
            "DO UPDATE SET next_offset = excluded.next_offset",
            [(group, tp.topic, tp.partition, tp.offset) for tp in offsets])


class PostgresSinkLoop:
    def __init__(self, settings: ServiceSettings, service: str, inputs: list[str], sink: Sink,
                 database_url: str, schema: str, health: Health, metrics: Metrics) -> None:
        self.settings, self.service, self.inputs, self.sink = settings, service, inputs, sink
        self.database_url, self.schema = database_url, schema
        self.health, self.metrics = health, metrics
        self.group = f"{settings.topic_prefix}rarelog-{service}"
        self.conn: psycopg.Connection | None = None
        self.consumer = Consumer({
            **settings.kafka_common(),
            **settings.group_member(service),
            "enable.auto.commit": False,
            "isolation.level": "read_committed",
            "auto.offset.reset": "earliest",
            "error_cb": client_error_callback(health),
        })

    def _connection(self, stop: threading.Event) -> psycopg.Connection:
        delay = 0.5
        while self.conn is None or self.conn.closed:
            try:
                self.conn = psycopg.connect(self.database_url, autocommit=False)
            except psycopg.OperationalError as exc:
                if stop.is_set():
                    raise
                self.health.set_ready(False, "database unreachable")
                log.warning("database unreachable, retrying", extra={"error_class": type(exc).__name__})
                time.sleep(delay)
                delay = min(delay * 2, 10)
        return self.conn

    def _seek_to_stored(self, partitions: list[TopicPartition], stop: threading.Event) -> list[TopicPartition]:
        conn = self._connection(stop)
        stored = stored_offsets(conn, self.schema, self.group)
        conn.rollback()
        for tp in partitions:
            tp.offset = stored.get((tp.topic, tp.partition), -2)  # -2: OFFSET_BEGINNING
        return partitions

    def run(self, stop: threading.Event) -> None:
        def on_assign(consumer: Consumer, partitions: list[TopicPartition]) -> None:
            consumer.assign(self._seek_to_stored(partitions, stop))

        self._connection(stop)
        self.consumer.subscribe(self.inputs, on_assign=on_assign)
        probe = IdleProbe(self.consumer, self.inputs, self.health, also=self._database_unreachable)
        lag = LagWatch(self.consumer, self.metrics.lag)
        try:
            while not stop.is_set():
                self.health.beat()
                lag.update()
                msgs = self.consumer.consume(self.settings.batch_size, self.settings.poll_timeout_s)
                batch = usable(msgs)
                if batch:
                    with self.metrics.batch_seconds.time():
                        self._write(batch, stop)
                elif not msgs:
                    probe.idle()
        finally:
            self.consumer.close()
            if self.conn is not None:
                self.conn.close()

    def _database_unreachable(self) -> str | None:
        """Idle: a dead connection is only found out by using it, so use it (reconnecting if needed)."""
        try:
            if self.conn is None or self.conn.closed:
                self.conn = psycopg.connect(self.database_url, autocommit=False, connect_timeout=2)
            self.conn.execute("SELECT 1")
            self.conn.rollback()
            return None
        except psycopg.OperationalError as exc:
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return f"database unreachable: {type(exc).__name__}"

    def _write(self, batch: list[Message], stop: threading.Event) -> None:
        inbound = [to_inbound(m) for m in batch]
        started_ns = time.time_ns()
        delay = 0.5
        while True:
            conn = self._connection(stop)
            try:
                self.sink.apply(conn, inbound)
                store_offsets(conn, self.schema, self.group, next_offsets(batch))
                conn.commit()
                self.metrics.processed.labels(outcome="stored").inc(len(batch))
                self.metrics.observe_latency(m.timestamp_ms for m in inbound)
                telemetry.stored(self.service, inbound, started_ns)
                self.health.set_ready(True)
                return
            except psycopg.OperationalError as exc:
                # Database away: nothing of this batch was committed; retry the same batch.
                self.health.set_ready(False, "database unreachable")
                log.warning("database error, batch will be written again",
                            extra={"error_class": type(exc).__name__})
                try:
                    conn.close()
                finally:
                    self.conn = None
                if stop.is_set():
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 10)
            except Exception:
                conn.rollback()
                raise

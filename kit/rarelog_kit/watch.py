"""What a consuming loop checks on the side: whether what it needs still answers, and how far
behind its input it is."""
from __future__ import annotations

import time

from confluent_kafka import Consumer, KafkaException
from prometheus_client import Gauge

from .health import Health


class IdleProbe:
    """While there is nothing to consume, an empty poll says nothing about the broker (librdkafka
    retries quietly): every few seconds, ask it for the input topics' metadata, and check what
    else the service needs (`also`: returns the reason it is not ready, or None)."""

    def __init__(self, consumer: Consumer, topics: list[str], health: Health, interval_s: float = 3.0,
                 also=None) -> None:
        self.consumer, self.topics, self.health, self.interval_s, self.also = consumer, topics, health, interval_s, also
        self._last = 0.0

    def idle(self) -> bool:
        """Checks if due; True when the broker has just answered."""
        if time.monotonic() - self._last < self.interval_s:
            return False
        self._last = time.monotonic()
        try:
            self.consumer.list_topics(self.topics[0], timeout=2)
        except KafkaException as exc:
            self.health.set_ready(False, f"Kafka broker unreachable: {exc.args[0].name()}")
            return False
        reason = self.also() if self.also is not None else None
        self.health.set_ready(reason is None, reason or "")
        return True


class LagWatch:
    """Sets the consumer-lag gauge (messages between the position and the end of each assigned
    partition) every few seconds, from the watermarks the fetches already brought: no request."""

    def __init__(self, consumer: Consumer, gauge: Gauge, interval_s: float = 5.0) -> None:
        self.consumer, self.gauge, self.interval_s = consumer, gauge, interval_s
        self._last = 0.0

    def update(self) -> None:
        if time.monotonic() - self._last < self.interval_s:
            return
        self._last = time.monotonic()
        try:
            for tp in self.consumer.position(self.consumer.assignment()):
                low, high = self.consumer.get_watermark_offsets(tp, timeout=1, cached=True)
                if high < 0:
                    continue  # no fetch yet
                position = tp.offset if tp.offset >= 0 else low
                self.gauge.labels(topic=tp.topic, partition=str(tp.partition)).set(max(0, high - position))
        except KafkaException:
            pass  # the broker is away: readiness says so; the gauge keeps its last value

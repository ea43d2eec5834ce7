"""A small client for expert centres' applications that publish straight to the registry.

    from rarelog.client import SubmissionPublisher
    with SubmissionPublisher("broker:9092") as publisher:
        publisher.upsert("S001", "rec-42", record)
        publisher.withdraw("S001", "rec-17")

Messages are keyed by centre and local record id, so every version of a record stays in order.
"""
from __future__ import annotations

import json
from typing import Any

from confluent_kafka import KafkaException, Producer

from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topics import INTAKE_SUBMISSIONS


def submission_key(submission: dict) -> bytes:
    return f"{submission['centre_id']}:{submission['local_record_id']}".encode()


class SubmissionPublisher:
    def __init__(self, bootstrap_servers: str, *, topic_prefix: str = "", encoding: str = "avro",
                 client_config: dict[str, str] | None = None, catalog: AvroCatalog | None = None) -> None:
        if encoding not in ("avro", "json"):
            raise ValueError("encoding must be 'avro' or 'json'")
        self.topic = topic_prefix + INTAKE_SUBMISSIONS
        self.encoding = encoding
        self.catalog = catalog or (AvroCatalog() if encoding == "avro" else None)
        self.failures: list[str] = []
        self.delivered: list[tuple[int, int]] = []  # (partition, offset) of each acknowledged message
        self.producer = Producer({"bootstrap.servers": bootstrap_servers, "enable.idempotence": True,
                                  "linger.ms": 20, "compression.type": "zstd", **(client_config or {})})

    def publish(self, submission: dict[str, Any]) -> None:
        """Queue one submission (the Submission schema's shape); call flush() to wait for delivery."""
        if self.encoding == "avro":
            value = self.catalog.encode("Submission", submission)  # type: ignore[union-attr]
        else:
            value = json.dumps(submission, ensure_ascii=False).encode()
        self.publish_raw(submission_key(submission), value)

    def publish_raw(self, key: bytes | None, value: bytes) -> None:
        while True:
            try:
                self.producer.produce(self.topic, value, key, on_delivery=self._delivered)
                return
            except BufferError:
                self.producer.poll(0.1)

    def upsert(self, centre_id: str, local_record_id: str, record: dict) -> None:
        self.publish({"operation": "UPSERT", "centre_id": centre_id, "local_record_id": local_record_id,
                      "record": record})

    def withdraw(self, centre_id: str, local_record_id: str) -> None:
        self.publish({"operation": "WITHDRAW", "centre_id": centre_id, "local_record_id": local_record_id,
                      "record": None})

    def _delivered(self, err: Any, msg: Any) -> None:
        if err is not None:
            self.failures.append(err.name())
        else:
            self.delivered.append((msg.partition(), msg.offset()))

    def flush(self, timeout: float = 60.0) -> None:
        remaining = self.producer.flush(timeout)
        if remaining or self.failures:
            raise KafkaException(f"{remaining} submissions undelivered, {len(self.failures)} failed "
                                 f"({', '.join(sorted(set(self.failures)))})")

    def poll(self) -> None:
        self.producer.poll(0)

    def __enter__(self) -> "SubmissionPublisher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()

"""Deterministic ids: the same input always yields the same id, so a reprocessed message
(after a crash, or in a replay) produces events any consumer can recognise.

Only the registry's entry points (submissions, review verdicts) are named after their position
in Kafka, by topic name without the deployment's prefix; every later id derives from the id of
what caused it. Positions in the topics between services are not used: an aborted transaction
leaves a gap in them that a crash-free run would not have, and the ids must not tell the two apart."""
from __future__ import annotations

import hashlib
import uuid


def _uuid(text: str) -> str:
    return str(uuid.UUID(bytes=hashlib.sha256(text.encode()).digest()[:16], version=5))


def event_id(service: str, topic: str, partition: int, offset: int, ordinal: int = 0) -> str:
    """The id of what `service` made of the message at this position of `topic` (unprefixed)."""
    return _uuid(f"{service}|{topic}|{partition}|{offset}|{ordinal}")


def derived_id(service: str, cause_event_id: str) -> str:
    """The id of the event `service` made from the event `cause_event_id`."""
    return _uuid(f"{service}|from|{cause_event_id}")

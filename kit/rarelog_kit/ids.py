"""Deterministic ids: the same input always yields the same id, so a reprocessed message
(after a crash, or in a replay) produces events any consumer can recognise."""
from __future__ import annotations

import hashlib
import uuid


def event_id(service: str, topic: str, partition: int, offset: int, ordinal: int = 0) -> str:
    digest = hashlib.sha256(f"{service}|{topic}|{partition}|{offset}|{ordinal}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=5))

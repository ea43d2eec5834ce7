"""Transport-neutral message values passed between the Kafka loops and a service's adapter."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class Inbound:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int
    headers: Headers = ()


@dataclass(frozen=True)
class Outbound:
    topic: str
    key: bytes | None
    value: bytes | None
    headers: Headers = field(default=())


@dataclass(frozen=True)
class Reason:
    """Why a message was refused: a stable rule code, the field path and a message for people."""
    code: str
    message: str
    path: str = ""


def dead_letter(message: Inbound, dlq_topic: str, service: str, reasons: list[Reason]) -> Outbound:
    """The original bytes, unchanged, with x-dlq-* headers naming every reason."""
    first = reasons[0]

    def text(value: str) -> bytes:  # a reason may quote a malformed key: never fail on it
        return value.encode("utf-8", "replace")
    headers: Headers = (
        ("x-dlq-source-topic", message.topic.encode()),
        ("x-dlq-source-partition", str(message.partition).encode()),
        ("x-dlq-source-offset", str(message.offset).encode()),
        ("x-dlq-service", service.encode()),
        ("x-dlq-error-class", text(first.code)),
        ("x-dlq-error-message", text(first.message)),
        ("x-dlq-field-path", text(first.path)),
        ("x-dlq-reasons", text(json.dumps([r.__dict__ for r in reasons]))),
    ) + tuple(h for h in message.headers if not h[0].startswith("x-dlq-"))
    return Outbound(dlq_topic, message.key, message.value, headers)

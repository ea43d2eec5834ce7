"""Transport-neutral message values passed between the Kafka loops and a service's adapter."""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

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


# A producer refuses a message over its message.max.bytes (librdkafka's default 1,000,000 bytes:
# key, value, headers and the record's framing). The x-dlq-* headers make a dead letter larger than
# its original, so an original near that size would make the dead letter unproducible, and the
# service would stop on the very message it means to park, again after each restart.
MAX_DEAD_LETTER_BYTES = 1_000_000 - 1_024


def _size(out: Outbound) -> int:
    return len(out.key or b"") + len(out.value or b"") + sum(len(k.encode()) + len(v or b"") for k, v in out.headers)


def dead_letter(message: Inbound, dlq_topic: str, service: str, reasons: list[Reason]) -> Outbound:
    """The original bytes, unchanged, with x-dlq-* headers naming every reason. An original too
    large for that is left out (value and its headers; the key too if it is the problem): the
    x-dlq-source-* headers say where it still is, x-dlq-original-bytes how large its value was."""
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
    )
    out = Outbound(dlq_topic, message.key, message.value,
                   headers + tuple(h for h in message.headers if not h[0].startswith("x-dlq-")))
    if _size(out) <= MAX_DEAD_LETTER_BYTES:
        return out
    size = str(len(message.value or b"")).encode()
    out = Outbound(dlq_topic, message.key, None, headers + (("x-dlq-original-bytes", size),))
    return out if _size(out) <= MAX_DEAD_LETTER_BYTES else replace(out, key=None)


class Unavailable(Exception):
    """Something a message needs is out of reach for now (a broker away while the key store is
    read): the batch is aborted and processed again later, the message never dead-lettered."""

"""Poison messages: what a broken or hostile producer could put on the registry's topics, each
with the reason code the consuming service must dead-letter (or quarantine) it with.

    submissions(count, seed)      -> [Poison]   for registry.intake.submissions (ingest)
    for_topic(topic, count, seed) -> [Poison]   for a later stage's input topic
    Poison = (key, value, expected_reason_code, category); keys are unique, b"poison:..."

Deterministic for a seed. Every message is refused for one reason only, so a test can compare
the dead letter's x-dlq-error-class (and its whole x-dlq-reasons) with the expected code.
"""
from __future__ import annotations

import copy
import json
import random
import struct
from typing import Any, Callable

from rarelog_ingest.domain import from_json
from rarelog_ingest.settings import IngestSettings
from rarelog_kit.avro_values import conformance_problems
from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topics import INTAKE_RECORDS, LINKAGE_REVIEWS, PATIENT_EVENTS, PSEUDONYMIZED_RECORDS

from . import HERE, _message, mutate, valid_cases

Poison = tuple[bytes, bytes, str, str]
CATALOG = AvroCatalog()
SUBMISSION = CATALOG.expanded("Submission")
LIMIT = IngestSettings.model_fields["max_submission_bytes"].default  # ingest's size gate, in bytes
# About the largest value a producer with librdkafka's defaults sends (its message.max.bytes,
# 1,000,000, counts the key and the record's framing too).
KAFKA_VALUE_MAX = 1_000_000 - 100

# The record types each later topic carries (docs/architecture.md, topics).
ACCEPTS = {
    INTAKE_RECORDS: ("CanonicalRecord",),
    PSEUDONYMIZED_RECORDS: ("PseudonymisedRecord",),
    LINKAGE_REVIEWS: ("LinkageReview",),
    PATIENT_EVENTS: ("RecordLinked", "RecordWithdrawn", "PossibleMatch", "PossibleMatchResolved",
                     "PatientsMerged", "PatientSplit", "VitalStatusVerified"),
}

# Poison submissions per 10,000; the SDM-MR rules (the invalid corpus) take the rest.
SHARES = {
    "random-bytes": 1000, "broken-json": 700, "empty-message": 20, "truncated-avro": 900,
    "avro-trailing-bytes": 300, "unknown-fingerprint": 700, "unknown-schema-id": 300,
    "wrong-record-type": 800, "json-not-an-object": 600, "oversized": 40, "huge-string": 40,
    "deep-nesting": 400, "invalid-utf8": 600,
}

_DOCUMENTS = [json.loads(value) for _, value in valid_cases()]
_FULL = next(json.loads(v) for name, v in valid_cases() if name == "02-person-every-group")


def example(schema: Any) -> Any:
    """The plainest value of an expanded Avro schema: null where allowed, else zero, empty or the
    first symbol. Valid Avro, and meaningless to every service."""
    if isinstance(schema, list):
        return None if "null" in schema else example(schema[0])
    kind = schema if isinstance(schema, str) else schema["type"]
    if not isinstance(kind, str):
        return example(kind)
    if kind == "record":
        return {f["name"]: example(f["type"]) for f in schema["fields"]}
    return {"enum": lambda: schema["symbols"][0], "array": list, "map": dict, "fixed": lambda: bytes(schema["size"]),
            "null": lambda: None, "boolean": lambda: False, "string": str, "bytes": bytes,
            "float": float, "double": float}.get(kind, int)()


def encoded(name: str, **fields) -> bytes:
    return CATALOG.encode(name, {**example(CATALOG.expanded(name)), **fields})


def _avro(document: dict) -> bytes:
    return CATALOG.encode("Submission", from_json(copy.deepcopy(document)))


def _json(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


_AVRO = [_avro(document) for document in _DOCUMENTS]


def _not_framed(rng: random.Random, size: int) -> bytes:
    """Random bytes that start with neither Avro framing (0xC3 0x01, 0x00) and are not UTF-8."""
    while True:
        data = rng.randbytes(size)
        if data[0] not in (0x00, 0xC3):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                return data


def _with_string(document: dict, path: tuple, size: int, avro: bool) -> bytes:
    """The document with a string of letters at `path`, grown until the message is `size` bytes
    (Avro: at most `size`, its length prefix may grow by a byte)."""
    def build(n: int) -> bytes:
        doc = copy.deepcopy(document)
        mutate(doc, path, ("Martin" * (n // 6 + 1))[:n])
        return _avro(doc) if avro else _json(doc)
    n = size - len(build(0))
    data = build(n)
    return build(n - (len(data) - size)) if len(data) != size else data


# -- submissions: (rng) -> (value, expected reason code) ---------------------------------------

def _random_bytes(rng):
    return _not_framed(rng, rng.randint(1, 2048)), "invalid-utf8"


def _broken_json(rng):
    text = json.dumps(rng.choice(_DOCUMENTS), ensure_ascii=False)
    return text[:rng.randint(1, len(text) - 1)].encode(), "invalid-json"  # cut between characters


def _cut(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randint(10, len(data) - 1)]  # the single-object header stays whole


def _truncated_avro(rng):
    return _cut(rng, rng.choice(_AVRO)), "truncated-or-corrupt-avro"


def _trailing_bytes(rng):
    return rng.choice(_AVRO) + rng.randbytes(rng.randint(1, 64)), "trailing-bytes"


def _unknown_fingerprint(rng):
    data = rng.choice(_AVRO)
    return data[:2] + rng.randbytes(8) + data[10:], "unknown-schema-fingerprint"


def _unknown_schema_id(rng):
    # Confluent framing, and no schema registry is configured to resolve the id.
    return b"\x00" + struct.pack(">I", rng.randrange(2**32)) + rng.choice(_AVRO)[10:], "no-schema-registry"


def _wrong_record_type(rng):
    return encoded(rng.choice([n for n in CATALOG.names() if n != "Submission"])), "unexpected-record-type"


def _not_an_object(rng):
    doc = rng.choice(_DOCUMENTS)
    text = rng.choice([json.dumps([doc]), json.dumps(json.dumps(doc)), str(rng.randint(-10**12, 10**12)),
                       repr(rng.uniform(-1e6, 1e6)), "1e400", "null", "true", "false", "[]", '""'])
    return f"{' ' * rng.randint(0, 3)}{text}\n".encode(), "json-not-an-object"


def _oversized(rng):
    size = rng.choice([LIMIT + 1, rng.randint(LIMIT + 2, 2 * LIMIT), KAFKA_VALUE_MAX])
    form = rng.randrange(4)
    if form == 0:
        return _not_framed(rng, size), "oversized"  # the size gate comes before any decoding
    if form == 1:
        data = _json(rng.choice(_DOCUMENTS))
        return data + b" " * (size - len(data)), "oversized"
    return _with_string(_FULL, ("record", "identity", "birth_name"), size, avro=form == 3), "oversized"


# Under the size gate, a huge string reaches the rules: (path, code).
_HUGE_FIELDS = [(("record", "identity", "birth_name"), "too-long"), (("record", "residence", "city"), "too-long"),
                (("record", "identity", "local_patient_id"), "too-long"),
                (("local_record_id",), "local-record-id-syntax")]


def _huge_string(rng):
    path, code = rng.choice(_HUGE_FIELDS)
    avro = rng.random() < 0.3
    size = rng.choice([LIMIT, LIMIT - 1, rng.randint(LIMIT - 4096, LIMIT - 2)])
    return _with_string(_FULL, path, size, avro), code


def _deep_nesting(rng):
    depth = rng.randint(2_000, 30_000)  # 30,000 objects deep still fit under the size gate
    nested = rng.choice(["[" * depth + "]" * depth, '{"a": ' * depth + "null" + "}" * depth])
    text = rng.choice([nested, json.dumps({**rng.choice(_DOCUMENTS), "record": "@"}).replace('"@"', nested)])
    return text.encode(), "json-too-deep"


_BAD_UTF8 = [b"\xe8", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xe2\x82", b"\xff\xfe", b"\x80"]


def _invalid_utf8(rng):
    doc = {**rng.choice(_DOCUMENTS), "local_record_id": "poison-@"}
    return _json(doc).replace(b"@", rng.choice(_BAD_UTF8)), "invalid-utf8"


_MAKERS: dict[str, Callable[[random.Random], tuple[bytes, str]]] = {
    "random-bytes": _random_bytes, "broken-json": _broken_json, "empty-message": lambda rng: (b"", "empty-message"),
    "truncated-avro": _truncated_avro, "avro-trailing-bytes": _trailing_bytes,
    "unknown-fingerprint": _unknown_fingerprint, "unknown-schema-id": _unknown_schema_id,
    "wrong-record-type": _wrong_record_type, "json-not-an-object": _not_an_object, "oversized": _oversized,
    "huge-string": _huge_string, "deep-nesting": _deep_nesting, "invalid-utf8": _invalid_utf8,
}


def rule_cases() -> list[dict]:
    """The invalid corpus cases written as a submission document (each breaks one rule)."""
    cases = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((HERE / "invalid").glob("*.json"))]
    return [c for c in cases if "submission" in c and "pad_to_bytes" not in c]


def _rule_breakers(count: int) -> list[tuple[bytes, str]]:
    """Each corpus rule in turn, under a fresh local record id; every other copy of a case that
    conforms to the schema travels as Avro (the rules hold whatever the encoding)."""
    forms = []  # per case: its rule, then the message as JSON and as Avro, with a 5-digit slot in the id
    for case in rule_cases():
        doc = case["submission"]
        if str(doc.get("local_record_id")).startswith("corpus-invalid-"):
            mutate(doc, ("local_record_id",), "poison-rule-#####")
        as_json, as_avro = _message(case), None
        if not conformance_problems(SUBMISSION, from_json(copy.deepcopy(doc))):
            try:
                as_avro = _avro(doc)
            except ValueError:  # an unpaired surrogate has no UTF-8 form: it stays JSON
                pass
        forms.append((case["rule"], as_json, as_avro))
    out = []
    for i in range(count):
        rule, as_json, as_avro = forms[i % len(forms)]
        value = as_avro if as_avro is not None and (i // len(forms)) % 2 else as_json
        out.append((value.replace(b"#####", b"%05d" % i), rule))  # same length: the Avro stays whole
    return out


def submissions(count: int = 10_000, seed: int = 0) -> list[Poison]:
    """`count` poison submissions, every category present, in a seeded random order."""
    rng = random.Random(seed)
    quota = {c: max(1, count * share // 10_000) for c, share in SHARES.items()}
    rules = count - sum(quota.values())
    assert rules >= len(rule_cases()), f"{count} messages are too few to break every rule"
    made = [(*_MAKERS[c](rng), c) for c, n in quota.items() for _ in range(n)]
    made += [(value, code, "sdm-mr-rule") for value, code in _rule_breakers(rules)]
    rng.shuffle(made)
    return [(f"poison:{i:05d}".encode(), value, code, category) for i, (value, code, category) in enumerate(made)]


# -- later stages: Avro only, JSON is read on the intake topic alone ------------------------------

def for_topic(topic: str, count: int = 100, seed: int = 0) -> list[Poison]:
    """`count` poison messages for the (unprefixed) input topic of a later stage, round robin
    over its categories."""
    rng = random.Random(f"{seed}:{topic}")
    accepted = ACCEPTS[topic]

    def body() -> bytes:
        return encoded(rng.choice(accepted))
    makers: dict[str, Callable[[], tuple[bytes, str]]] = {
        "empty-message": lambda: (b"", "empty-message"),
        "random-bytes": lambda: (_not_framed(rng, rng.randint(1, 2048)), "unknown-framing"),
        "kafka-sized": lambda: (_not_framed(rng, KAFKA_VALUE_MAX), "unknown-framing"),
        "json-object": lambda: (_json(rng.choice(_DOCUMENTS)), "unknown-framing"),
        "truncated-avro": lambda: (_cut(rng, body()), "truncated-or-corrupt-avro"),
        "avro-trailing-bytes": lambda: (body() + rng.randbytes(rng.randint(1, 64)), "trailing-bytes"),
        "unknown-fingerprint": lambda: (b"\xc3\x01" + rng.randbytes(8) + body()[10:], "unknown-schema-fingerprint"),
        "unknown-schema-id": lambda: (b"\x00" + struct.pack(">I", rng.randrange(2**32)) + body()[10:],
                                      "no-schema-registry"),
        "wrong-record-type": lambda: (encoded(rng.choice([n for n in CATALOG.names() if n not in accepted])),
                                      "unexpected-record-type"),
    }
    if topic == PATIENT_EVENTS:  # decodes, but the warehouse cannot apply it
        makers["unappliable-event"] = lambda: (encoded("PossibleMatchResolved", verdict="SPLIT"), "unappliable-event")
    if topic == LINKAGE_REVIEWS:  # decodes, but the verdict names nothing the reconciler holds
        makers["verdict-cannot-apply"] = lambda: rng.choice([
            (encoded("LinkageReview", verdict="ACCEPT", review_id=f"no-such-review-{rng.random()}"), "review-unknown"),
            (encoded("LinkageReview", verdict="SPLIT"), "split-no-records"),
            (encoded("LinkageReview", verdict="SPLIT", record_keys=["no-such-record"]), "split-record-unknown")])
    names = list(makers)
    return [(f"poison:{topic}:{i:04d}".encode(), *makers[names[i % len(names)]](), names[i % len(names)])
            for i in range(count)]

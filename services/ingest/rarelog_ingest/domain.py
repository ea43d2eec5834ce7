"""Ingest's decisions, free of Kafka: accept a submission as a canonical record, or refuse it
with every reason at once."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Any

from rarelog_kit.avro_values import conformance_problems
from rarelog_kit.messages import Reason

from . import rules
from .rules import codes
from .rules.text import text_invalid
from .rules.walk import with_partial_dates

# Bounds on what a refusal carries, whatever the submission: its reasons travel in the
# dead letter's headers.
MAX_REASONS = 50
MAX_TEXT = 300
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Accepted:
    record: dict  # a CanonicalRecord value


@dataclass(frozen=True)
class Rejected:
    reasons: list[Reason]


@lru_cache(maxsize=1)
def _submission_schema() -> Any:
    from rarelog_kit.serde import AvroCatalog
    return AvroCatalog().expanded("Submission")


def from_json(submission: dict, schema: Any = None) -> dict:
    """JSON submitters may write a partial date as 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' wherever the
    (expanded) Submission schema expects a PartialDate. Malformed strings are left as they are,
    for conformance to report with their path."""
    return with_partial_dates(schema if schema is not None else _submission_schema(), submission)


def decide(submission: dict, schema: Any, *, event_id: str, received_at_ms: int, today: date) -> Accepted | Rejected:
    problems = conformance_problems(schema, submission)
    if not problems:
        problems = business_problems(submission, today, schema)
    if problems:
        return Rejected(bounded(problems))
    return Accepted({
        "event_id": event_id,
        "received_at": received_at_ms,
        "operation": submission["operation"],
        "centre_id": submission["centre_id"],
        "local_record_id": submission["local_record_id"],
        "record": submission.get("record"),
    })


def business_problems(s: dict, today: date, schema: Any = None) -> list[Reason]:
    """Every business fault of a submission that conforms to the schema."""
    problems = codes.centre_id(s["centre_id"], "centre_id")
    if not rules.LOCAL_RECORD_ID.fullmatch(s["local_record_id"]) or text_invalid(s["local_record_id"]):
        problems.append(Reason("local-record-id-syntax", "local_record_id must be 1-64 printable characters",
                               "local_record_id"))
    operation, record = s["operation"], s.get("record")
    if operation == "UNRECOGNISED":
        problems.append(Reason("operation-unknown", "operation must be UPSERT, WITHDRAW or OPPOSE", "operation"))
    elif operation == "UPSERT" and record is None:
        problems.append(Reason("record-required", "record is required for an UPSERT", "record"))
    elif operation != "UPSERT" and record is not None:
        problems.append(Reason("record-not-allowed", f"record must not be given with a {operation}", "record"))
    if operation == "UPSERT" and record is not None:
        record_schema = rules.record_schema(schema if schema is not None else _submission_schema())
        problems += rules.record_problems(record, record_schema, s["centre_id"], today)
    return problems


def bounded(reasons: list[Reason]) -> list[Reason]:
    """At most MAX_REASONS reasons of bounded length and printable text, so that a refusal always
    fits in its headers and is safe on a terminal (a path may name an unknown field the submitter
    chose, with control characters or unpaired surrogates)."""
    def cut(text: str) -> str:
        text = text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"
        return _UNPRINTABLE.sub("?", text.encode("utf-8", "replace").decode("utf-8"))

    out = [replace(r, message=cut(r.message), path=cut(r.path)) for r in reasons[:MAX_REASONS]]
    if len(reasons) > MAX_REASONS:
        out[-1] = Reason("too-many-problems", f"{len(reasons) - MAX_REASONS + 1} more problems are not listed")
    return out

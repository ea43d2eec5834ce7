"""Ingest's decisions, free of Kafka: accept a submission as a canonical record, or refuse it
with every reason at once."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from rarelog_kit.avro_values import conformance_problems
from rarelog_kit.messages import Reason

from . import rules

_ISO_PARTIAL = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_DATE_FIELDS = (("record", "identity", "birth_date"), ("record", "vital_status", "death_date"))


@dataclass(frozen=True)
class Accepted:
    record: dict  # a CanonicalRecord value


@dataclass(frozen=True)
class Rejected:
    reasons: list[Reason]


def from_json(submission: dict) -> dict:
    """JSON submitters may write partial dates as 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'."""
    for path in _DATE_FIELDS:
        _convert_date(submission, path)
    record = submission.get("record")
    if isinstance(record, dict) and isinstance(record.get("diagnoses"), list):
        for diagnosis in record["diagnoses"]:
            if isinstance(diagnosis, dict):
                _convert_date(diagnosis, ("diagnosis_date",))
    return submission


def _convert_date(container: Any, path: tuple[str, ...]) -> None:
    for key in path[:-1]:
        if not isinstance(container, dict):
            return
        container = container.get(key)
    if isinstance(container, dict) and isinstance(container.get(path[-1]), str):
        match = _ISO_PARTIAL.fullmatch(container[path[-1]])
        if match:  # otherwise conformance reports the wrong type with its path
            y, m, d = match.groups()
            container[path[-1]] = {"year": int(y), "month": m and int(m), "day": d and int(d)}


def decide(submission: dict, schema: Any, *, event_id: str, received_at_ms: int, today: date) -> Accepted | Rejected:
    problems = conformance_problems(schema, submission)
    if not problems:
        problems = business_problems(submission, today)
    if problems:
        return Rejected(problems)
    return Accepted({
        "event_id": event_id,
        "received_at": received_at_ms,
        "operation": submission["operation"],
        "centre_id": submission["centre_id"],
        "local_record_id": submission["local_record_id"],
        "record": submission.get("record"),
    })


def business_problems(s: dict, today: date) -> list[Reason]:
    problems: list[Reason] = []
    if not rules.CENTRE_ID.fullmatch(s["centre_id"]):
        problems.append(Reason("centre-id-syntax", "centre_id must be 1-32 letters, digits, '.', '_' or '-'", "centre_id"))
    if not rules.LOCAL_RECORD_ID.fullmatch(s["local_record_id"]):
        problems.append(Reason("local-record-id-syntax", "local_record_id must be 1-64 printable characters",
                               "local_record_id"))
    operation, record = s["operation"], s.get("record")
    if operation == "UNRECOGNISED":
        problems.append(Reason("operation-unknown", "operation must be UPSERT, WITHDRAW or OPPOSE", "operation"))
    elif operation == "UPSERT" and record is None:
        problems.append(Reason("record-required", "an UPSERT needs the record", "record"))
    elif operation != "UPSERT" and record is not None:
        problems.append(Reason("record-not-allowed", f"a {operation} must not carry the record", "record"))
    if operation == "UPSERT" and record is not None:
        problems += record_problems(record, today)
    return problems


def record_problems(record: dict, today: date) -> list[Reason]:
    identity = record["identity"]
    problems = rules.identity_problems(identity, today)
    birth_ok = not any(p.path.startswith("record.identity.birth_date") for p in problems)
    birth = identity["birth_date"] if birth_ok else {"year": rules.EARLIEST_YEAR}
    vital = record.get("vital_status") or {}
    problems += rules.vital_status_problems(vital, birth, today)
    for i, diagnosis in enumerate(record.get("diagnoses") or []):
        problems += rules.diagnosis_problems(diagnosis, f"record.diagnoses[{i}]", birth, today)
    return problems

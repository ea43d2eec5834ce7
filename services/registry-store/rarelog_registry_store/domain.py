"""What a batch of patient events does to the warehouse. Pure: events in, row changes out.

Events of one record can arrive in any order across partitions (they are keyed by patient),
so each record keeps only its highest version; the store's upsert refuses older versions too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone


@dataclass
class RowChanges:
    records: dict[str, tuple] = field(default_factory=dict)        # record_key -> record row
    diagnoses: dict[str, list[tuple]] = field(default_factory=dict)  # record_key -> its diagnosis rows
    patients: set[str] = field(default_factory=set)                # patients whose derived row is rewritten


RECORD_COLUMNS = ("record_key", "patient_id", "centre_id", "record_version", "received_at", "link_rule",
                  "birth_year_month", "sex", "deceased", "death_year", "death_month", "death_day",
                  "death_due_to_rare_disease", "withdrawn", "withdrawal_reason", "last_event_id")
DIAGNOSIS_COLUMNS = ("record_key", "ordinal", "orphacode", "icd10", "status",
                     "diagnosis_year", "diagnosis_month", "diagnosis_day")


def _date_parts(value: dict | None) -> tuple:
    if value is None:
        return (None, None, None)
    return (value["year"], value.get("month"), value.get("day"))


def _received(value: datetime | int) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromtimestamp(value / 1000, timezone.utc)


def changes_for(events: list[tuple[str, dict]]) -> RowChanges:
    changes = RowChanges()
    for name, e in events:
        key = e["record_key"]
        current = changes.records.get(key)
        if current is not None and current[3] > e["record_version"]:
            continue
        changes.patients.add(e["patient_id"])
        if name == "RecordLinked":
            vital = e["vital_status"] or {}
            changes.records[key] = (
                key, e["patient_id"], e["centre_id"], e["record_version"], _received(e["received_at"]),
                e["link_rule"], e["birth_year_month"], e["sex"], bool(vital.get("deceased")),
                *_date_parts(vital.get("death_date")), vital.get("death_due_to_rare_disease"),
                False, None, e["event_id"])
            changes.diagnoses[key] = [
                (key, i, d["orphacode"], d["icd10"], d["status"], *_date_parts(d["diagnosis_date"]))
                for i, d in enumerate(e["diagnoses"])]
        elif name == "RecordWithdrawn":
            # A withdrawn record keeps its row (marked) so counts can be explained; its clinical
            # content goes.
            changes.records[key] = (
                key, e["patient_id"], e["centre_id"], e["record_version"], _received(e["received_at"]),
                None, None, "UNKNOWN", False, None, None, None, None, True, e["reason"], e["event_id"])
            changes.diagnoses[key] = []
    return changes

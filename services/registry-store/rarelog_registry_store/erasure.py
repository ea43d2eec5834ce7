"""A patient's erasure (PatientErased, docs/decisions/0011) as a step. Pure: event in, step out.

The reconciler has deleted the data keys of the patient's records in the same transaction as the
event, so nothing sealed of them opens any more; what the warehouse holds of them goes now, and
an audit line says that an erasure happened, when and why, never of whom. It is a step of its
own in the batch's order: the events before it still find the patient's rows, those after it do
not (a record submitted again later founds a patient afresh).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

ERASURE_EVENTS = ("PatientErased",)
AUDIT_COLUMNS = ("erased_at", "tag", "reason", "records")  # applied_at: the database's now()


@dataclass
class Erasure:
    patient_id: str
    record_keys: list[str]
    audit: tuple  # AUDIT_COLUMNS

    @property
    def patients(self) -> set[str]:
        return {self.patient_id}


def audit_tag(event_id: str) -> str:
    """Tells apart erasures received in the same millisecond (a centre withdrawing a list), so that
    the audit's key holds each once and an event applied again writes nothing. 32 bits of a digest
    of the event id: no id, and nothing the line's erased_at does not already point to in the log."""
    return hashlib.sha256(event_id.encode()).hexdigest()[:8]


def erasure(e: dict) -> Erasure:
    at = e["received_at"]
    erased_at = at if isinstance(at, datetime) else datetime.fromtimestamp(at / 1000, timezone.utc)
    keys = sorted(set(e["record_keys"]))
    return Erasure(e["patient_id"], keys, (erased_at, audit_tag(e["event_id"]), e["reason"], len(keys)))

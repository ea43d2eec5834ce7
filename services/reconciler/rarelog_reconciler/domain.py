"""Which registry patient a record belongs to. Pure: the index is plain dictionaries and
every decision returns the events to publish and the index changes to log.

This first version links on the exact pseudonym only; fuzzy linkage builds on the same index.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field


def patient_id_for(founding_record_key: str, pseudonym: str) -> str:
    """A new patient is named after the record (and identity) that founded it: deterministic
    on replay, and meaningless without the key that made both."""
    digest = hashlib.sha256(f"patient|{founding_record_key}|{pseudonym}".encode()).digest()
    return "P" + base64.b32encode(digest[:10]).decode().rstrip("=")


@dataclass
class LinkageIndex:
    by_pseudonym: dict[str, str] = field(default_factory=dict)
    by_record: dict[str, str] = field(default_factory=dict)

    def apply(self, change: "IndexChange") -> None:
        table = self.by_pseudonym if change.kind == "pseudonym" else self.by_record
        if change.patient_id is None:
            table.pop(change.key, None)
        else:
            table[change.key] = change.patient_id


@dataclass(frozen=True)
class IndexChange:
    kind: str  # "pseudonym" or "record"
    key: str
    patient_id: str | None  # None removes the entry

    @property
    def changelog_key(self) -> str:
        return f"{self.kind}:{self.key}"


# What a patient event carries on from the pseudonymised record, unchanged.
PASSED_THROUGH = ("is_foetus", "birth_area", "residence_departement", "clinical")


@dataclass(frozen=True)
class Decision:
    events: list[tuple[str, dict]]  # (schema name, value)
    changes: list[IndexChange]


def reconcile(index: LinkageIndex, record: dict, record_version: int, event_id: str) -> Decision:
    """Decide for one PseudonymisedRecord value; the caller applies `changes` to the index."""
    key = record["record_key"]
    if record["operation"] in ("WITHDRAW", "OPPOSE"):
        patient = index.by_record.get(key)
        if patient is None:
            return Decision([], [])  # nothing of this record was ever linked
        event = {"event_id": event_id, "patient_id": patient, "record_key": key,
                 "centre_id": record["centre_id"], "received_at": record["received_at"],
                 "record_version": record_version, "reason": record["operation"]}
        return Decision([("RecordWithdrawn", event)], [IndexChange("record", key, None)])

    # Every key of the pseudonymizer's ring names the record: during a rotation an old patient
    # is found by its previous-key pseudonym and learns the new one.
    pseudonyms = list(dict.fromkeys([record["pseudonym"], *(e["pseudonym"] for e in record.get("linkage", []))]))
    patient = next((index.by_pseudonym[p] for p in pseudonyms if p in index.by_pseudonym), None)
    if patient is None:
        patient, rule = patient_id_for(key, record["pseudonym"]), "new-patient"
    else:
        rule = "exact-pseudonym"
    changes = [IndexChange("pseudonym", p, patient) for p in pseudonyms if index.by_pseudonym.get(p) != patient]
    if index.by_record.get(key) != patient:
        changes.append(IndexChange("record", key, patient))
    event = {"event_id": event_id, "patient_id": patient, "record_key": key, "centre_id": record["centre_id"],
             "received_at": record["received_at"], "record_version": record_version, "link_rule": rule,
             "birth_year_month": record["birth_year_month"], "sex": record["sex"],
             "vital_status": record["vital_status"], "diagnoses": record["diagnoses"],
             **{k: record[k] for k in PASSED_THROUGH}}
    return Decision([("RecordLinked", event)], changes)

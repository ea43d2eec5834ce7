"""Which registry patient a record belongs to, and what a reviewer's verdict changes. Pure: a
decision reads the state, applies its changes to it at once (later records of the same batch
see them) and returns the patient events to publish with the changes to log.

Order of a record's decision (docs/linkage.md, docs/decisions/0007):
1. an exact pseudonym (under any key of the pseudonymizer's ring) already known → its patient;
2. otherwise the fuzzy index: link (above the upper threshold), review (between the thresholds:
   the record founds a provisional patient and a PossibleMatch goes to reviewers), or new patient.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from rarelog_kit.ids import derived_id

from .linkage import COMPARED, decide, record_from_encoding
from .state import WIDTHS, Change, LinkageState, index_encoding, linkage_pseudonyms, refit_model

# What a patient event carries on from the pseudonymised record, unchanged.
PASSED_THROUGH = ("is_foetus", "birth_area", "residence_departement", "clinical")


def patient_id_for(founding_record_key: str, salt: str) -> str:
    """A new patient is named after the record that founded it (and its pseudonym, or the verdict
    that split it off): deterministic on replay, meaningless without the key that made both."""
    digest = hashlib.sha256(f"patient|{founding_record_key}|{salt}".encode()).digest()
    return "P" + base64.b32encode(digest[:10]).decode().rstrip("=")


def review_id_for(event_id: str) -> str:
    return "R" + base64.b32encode(hashlib.sha256(f"review|{event_id}".encode()).digest()[:10]).decode().rstrip("=")


@dataclass
class Outcome:
    events: list[tuple[str, dict]] = field(default_factory=list)  # (schema name, value)
    reports: list[tuple[str, dict]] = field(default_factory=list)  # to the deaths' outcomes topic
    shredded: list[str] = field(default_factory=list)  # records whose data key is to be erased
    changes: list[Change] = field(default_factory=list)
    rejection: tuple[str, str] | None = None  # (code, message): a verdict that cannot apply
    decision: str = ""                        # for metrics: exact, link, review, new, withdrawn...

    def change(self, state: LinkageState, change: Change) -> None:
        state.apply(change)
        self.changes.append(change)


def _usable_encoding(record: dict) -> dict | None:
    enc = index_encoding(record)
    if enc is None:
        return None
    filters = enc.get("filters") or {}
    if any(f not in WIDTHS or len(v) != 8 * WIDTHS[f] for f, v in filters.items() if v):
        return None  # another filter layout: exact pseudonym only
    return enc


def reconcile_next(state: LinkageState, record: dict) -> Outcome:
    """Decide for the next PseudonymisedRecord read from its (one-partition) topic: its version is
    its number in reading order, its event id derives from the pseudonymizer's. Neither depends on
    Kafka offsets, so a run interrupted by crashes publishes what a crash-free run would."""
    return reconcile(state, record, state.records_read + 1, derived_id("reconciler", record["event_id"]))


def reconcile(state: LinkageState, record: dict, record_version: int, event_id: str) -> Outcome:
    """Decide for one PseudonymisedRecord value, `record_version` above every earlier one."""
    key = record["record_key"]
    out = Outcome()
    out.change(state, Change("sequence", "records", {"records_read": record_version}))
    if not state.model_logged:  # the first decision logs the model it was taken with
        out.change(state, Change("model", "current", {"parameters": state.index.model.to_dict()}))
    point = state.refit_due()
    if point:  # at fixed index sizes: the same log refits at the same records, crash or not
        model = refit_model(state.index, state.blip, point, state.min_refit_matches)
        out.change(state, Change("model", "current", {"parameters": model.to_dict()}))
        out.decision = "refit"
    if record["operation"] in ("WITHDRAW", "OPPOSE"):
        patient = state.patient_of_record(key)
        if patient is None:
            out.decision = "withdrawn-unknown"  # nothing of this record was ever linked
            return out
        from .erasure import erase_patient  # erasure builds on this module's Outcome
        if record["operation"] == "OPPOSE":  # the patient opposes any reuse: all of them goes
            erase_patient(state, out, patient, reason="OPPOSE", received_at=record["received_at"], event_id=event_id)
            return out
        out.events.append(("RecordWithdrawn", {
            "event_id": event_id, "patient_id": patient, "record_key": key, "centre_id": record["centre_id"],
            "received_at": record["received_at"], "record_version": record_version, "reason": record["operation"]}))
        for death in list(state.deaths_of_record(key)):  # sealed under the key that goes (0011)
            out.change(state, Change("death", death, None))
        out.change(state, Change("record", key, None))
        out.change(state, Change("encoding", key, None))
        out.shredded.append(key)  # the registry no longer holds it: its content goes with its key
        out.decision = "withdrawn"
        if not state.records_of_patient(patient):  # the last one: the patient goes
            erase_patient(state, out, patient, reason="WITHDRAW", received_at=record["received_at"],
                          event_id=event_id, also=(key,))
        return out

    pseudonyms = list(dict.fromkeys([record["pseudonym"], *(e["pseudonym"] for e in record.get("linkage") or [])]))
    encoding = _usable_encoding(record)
    patient, rule, probability, possible = None, "", None, None
    for p in pseudonyms:
        patient = state.patient_of_pseudonym(p)
        if patient is not None:
            rule, out.decision = "exact-pseudonym", "exact"
            break
    if patient is None and encoding is not None:
        flat = record_from_encoding(encoding)
        decision = decide(state.index, flat)
        if decision.kind == "link":
            patient, rule, probability = decision.patient_id, "probabilistic", decision.probability
        elif decision.kind == "review":
            possible, probability = decision, decision.probability
        out.decision = decision.kind
    if patient is None:
        # A record alone in its patient keeps that patient's id; otherwise it founds one.
        current = state.patient_of_record(key)
        alone = current is not None and state.index.record_count(current) == 1
        patient = current if alone else patient_id_for(key, record["pseudonym"])
        rule = "provisional" if possible else "new-patient"
        out.decision = out.decision or "new"

    # the encoding first: a new record then enters the index once, with it
    entry = {"patient_id": patient, "record_version": record_version, "encoding": encoding}
    sealed = record.get("sealed_linkage")
    if sealed:  # the changelog keeps it sealed; the pseudonym index follows the encodings
        entry.update(sealed_linkage=sealed, pseudonyms=linkage_pseudonyms(record))
    out.change(state, Change("encoding", key, entry))
    out.change(state, Change("record", key, {"patient_id": patient, "record_version": record_version}))
    for p in () if sealed else pseudonyms:
        if state.record_of_pseudonym.get(p) != key:
            out.change(state, Change("pseudonym", p, {"record_key": key}))
    out.events.append(("RecordLinked", {
        "event_id": event_id, "patient_id": patient, "record_key": key, "centre_id": record["centre_id"],
        "received_at": record["received_at"], "record_version": record_version, "link_rule": rule,
        "match_probability": probability, "birth_year_month": record["birth_year_month"], "sex": record["sex"],
        "vital_status": record["vital_status"], "diagnoses": record["diagnoses"],
        "content": record.get("content"), **{k: record[k] for k in PASSED_THROUGH}}))
    if possible is not None:
        _possible_match(state, out, possible, record, record_version, event_id, patient)
    return out


def _possible_match(state: LinkageState, out: Outcome, decision, record: dict, record_version: int,
                    event_id: str, patient: str) -> None:
    review_id = review_id_for(event_id)
    candidate_record = decision.record_key or ""
    out.change(state, Change("review", review_id, {
        "patient_id": patient, "candidate_patient_id": decision.patient_id, "record_key": record["record_key"],
        "candidate_record_key": candidate_record}))
    model = state.index.model
    out.events.append(("PossibleMatch", {
        "event_id": f"{event_id}/possible-match", "review_id": review_id, "patient_id": patient,
        "candidate_patient_id": decision.patient_id, "record_key": record["record_key"],
        "candidate_record_key": candidate_record, "centre_id": record["centre_id"],
        "received_at": record["received_at"], "record_version": record_version,
        "match_probability": decision.probability, "reason": decision.reason,
        "agreement": [{"field": f, "level": decision.agreement.get(f, 0), "levels": len(model.thresholds[f]) + 1}
                      for f in COMPARED],
        "names_swapped": decision.swapped}))

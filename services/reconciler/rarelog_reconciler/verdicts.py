"""What a reviewer's verdict (LinkageReview) does: accept a possible match (merge), reject it, or
split records out of a patient. Pure, like `domain.reconcile`: changes applied to the state as
they are decided, events returned. A verdict that cannot apply is rejected with a reason (the
adapter dead-letters it); nothing is half-applied, because every check runs first.
"""
from __future__ import annotations

from .domain import Outcome, patient_id_for
from .state import Change, LinkageState


def apply_verdict(state: LinkageState, verdict: dict, event_id: str) -> Outcome:
    kind = verdict["verdict"]
    if kind in ("ACCEPT", "REJECT"):
        return _resolve(state, verdict, event_id, accept=kind == "ACCEPT")
    if kind == "SPLIT":
        return _split(state, verdict, event_id)
    return Outcome(rejection=("verdict-unknown", f"unknown verdict {kind!r}"))


def _resolve(state: LinkageState, verdict: dict, event_id: str, accept: bool) -> Outcome:
    review_id = verdict.get("review_id")
    review = state.reviews.get(review_id or "")
    if review is None:
        return Outcome(rejection=("review-unknown", f"no pending possible match {review_id!r}: unknown or "
                                                    "already decided"))
    # Patients may have been merged or split since the review was raised: follow the records.
    provisional = state.patient_of_record(review["record_key"])
    candidate = state.patient_of_record(review["candidate_record_key"])
    if accept and (provisional is None or candidate is None):
        return Outcome(rejection=("review-record-withdrawn", "a record of this possible match was withdrawn "
                                                             "since; it can only be rejected"))
    out = Outcome(decision="accepted" if accept else "rejected")
    out.change(state, Change("review", review_id, None))
    out.events.append(("PossibleMatchResolved", {
        "event_id": event_id, "review_id": review_id, "patient_id": review["patient_id"],
        "candidate_patient_id": review["candidate_patient_id"], "verdict": verdict["verdict"],
        "reviewer": verdict["reviewer"], "decided_at": verdict["decided_at"]}))
    if accept and provisional != candidate:
        moved = state.records_of_patient(provisional)
        for key in moved:
            out.change(state, Change("record", key, {"patient_id": candidate, "record_version": -1}))
        out.events.append(("PatientsMerged", {
            "event_id": f"{event_id}/merge", "patient_id": candidate, "merged_patient_id": provisional,
            "record_keys": moved, "cause": "review-accepted", "review_id": review_id,
            "reviewer": verdict["reviewer"], "decided_at": verdict["decided_at"]}))
    return out


def _split(state: LinkageState, verdict: dict, event_id: str) -> Outcome:
    keys = list(dict.fromkeys(verdict.get("record_keys") or []))
    if not keys:
        return Outcome(rejection=("split-no-records", "a split names the records to take out of their patient"))
    patients = {k: state.patient_of_record(k) for k in keys}
    unknown = [k for k, p in patients.items() if p is None]
    if unknown:
        return Outcome(rejection=("split-record-unknown", f"{len(unknown)} record(s) unknown or withdrawn: "
                                                          f"{', '.join(unknown[:5])}"))
    if len(set(patients.values())) > 1:
        return Outcome(rejection=("split-records-span-patients", "the records belong to different patients; "
                                                                 "split one patient at a time"))
    patient = next(iter(patients.values()))
    if state.index.record_count(patient) == len(keys):
        return Outcome(rejection=("split-takes-all", "these are all the records of the patient: nothing to split"))
    new_patient = patient_id_for(keys[0], f"split|{verdict['verdict_id']}")
    out = Outcome(decision="split")
    for key in keys:
        out.change(state, Change("record", key, {"patient_id": new_patient, "record_version": -1}))
    out.events.append(("PatientSplit", {
        "event_id": event_id, "patient_id": patient, "new_patient_id": new_patient, "record_keys": keys,
        "cause": "review-split", "reviewer": verdict["reviewer"], "decided_at": verdict["decided_at"]}))
    return out

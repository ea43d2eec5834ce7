"""Erasing a patient (docs/decisions/0011). Pure: the state loses every record of the patient
(index, exact pseudonyms, pending reviews, verified deaths), the changelog gets their tombstones,
the key store the tombstones of their data keys (`Outcome.shredded`), and a PatientErased event
tells registry-store to delete what it holds. A later record of the same person links to nobody
before it: it founds a patient of its own, as a first submission would.
"""
from __future__ import annotations

from .domain import Outcome
from .state import Change, LinkageState


def erase_patient(state: LinkageState, out: Outcome, patient_id: str, *, reason: str, received_at: int,
                  event_id: str, also: tuple[str, ...] = ()) -> None:
    """Adds the erasure of `patient_id` to `out`. `also`: records of the patient already taken
    out of the index by this outcome (a withdrawn last record), named on the event too."""
    records = [*also, *state.records_of_patient(patient_id)]
    deaths = state.deaths_of_patient(patient_id)
    for death in deaths:
        out.change(state, Change("death", death, None))
    for review_id, review in sorted(state.reviews.items()):
        if patient_id in (review["patient_id"], review["candidate_patient_id"]) \
                or review["record_key"] in records or review["candidate_record_key"] in records:
            out.change(state, Change("review", review_id, None))
    for key in records:
        if key not in also:
            out.change(state, Change("encoding", key, None))
            out.change(state, Change("record", key, None))
        if key not in out.shredded:
            out.shredded.append(key)
    out.events.append(("PatientErased", {"event_id": f"{event_id}/erased", "patient_id": patient_id,
                                         "record_keys": sorted(set(records)), "reason": reason,
                                         "received_at": received_at}))
    out.decision = "erased"

"""What a batch of patient events does to the warehouse. Pure: events in, steps out.

Patient events arrive in one total order (one partition), and merges and splits move records
between patients, so a batch becomes steps applied in that order: each run of RecordLinked /
RecordWithdrawn is one bulk RowChanges, each linkage event and each erasure (PatientErased,
erasure.py) a step of its own. Within a run a record keeps its highest version, and the store's
upsert refuses older versions too (0006).
A verified death (VitalStatusVerified) is a row of its own, keyed by death_id: it names a record,
not a patient, so its place among moves does not matter (death_rows.py). It does among deletions:
a withdrawal deletes the verified deaths of its record, an erasure those of its patient (both
erase the data key they were sealed with), so the deaths read before either are written before it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from . import clinical_rows
from .clinical_rows import date_parts as _date_parts
from .death_rows import VITAL_EVENTS, DeathsVerified, death_problem, death_row
from .erasure import ERASURE_EVENTS, Erasure, erasure

RECORD_EVENTS = ("RecordLinked", "RecordWithdrawn")
LINKAGE_EVENTS = ("PossibleMatch", "PossibleMatchResolved", "PatientsMerged", "PatientSplit")
RECORD_COLUMNS = ("record_key", "patient_id", "centre_id", "record_version", "received_at", "link_rule",
                  "birth_year_month", "sex", "is_foetus", "birth_area", "residence_departement", "deceased", "death_year", "death_month", "death_day",
                  "death_due_to_rare_disease", "withdrawn", "withdrawal_reason", "last_event_id")
DIAGNOSIS_COLUMNS = ("record_key", "ordinal", "orphacode", "icd10", "status",
                     "diagnosis_year", "diagnosis_month", "diagnosis_day")
POSSIBLE_MATCH_COLUMNS = ("review_id", "patient_id", "candidate_patient_id", "record_key", "candidate_record_key",
                          "centre_id", "match_probability", "reason", "agreement", "names_swapped",
                          "raised_event_id", "raised_at")
LINK_EVENT_COLUMNS = ("event_id", "kind", "patient_id", "other_patient_id", "record_keys", "cause", "review_id",
                      "reviewer", "decided_at")
VERDICT_STATUS = {"ACCEPT": "accepted", "REJECT": "rejected"}


@dataclass
class RowChanges:
    records: dict[str, tuple] = field(default_factory=dict)        # record_key -> record row
    diagnoses: dict[str, list[tuple]] = field(default_factory=dict)  # record_key -> its diagnosis rows
    clinical: dict[str, dict[str, list[tuple]]] = field(default_factory=dict)  # record_key -> table -> rows
    patients: set[str] = field(default_factory=set)                # patients whose derived row is rewritten


@dataclass
class MatchRaised:
    """A possible match awaits a reviewer; its provisional patient is flagged meanwhile."""
    row: tuple  # POSSIBLE_MATCH_COLUMNS

    @property
    def patients(self) -> set[str]:
        return {self.row[1]}


@dataclass
class MatchResolved:
    review_id: str
    status: str
    event_id: str
    resolved_at: datetime
    reviewer: str
    patient_id: str

    @property
    def patients(self) -> set[str]:
        return {self.patient_id}


@dataclass
class RecordsMoved:
    """A merge or a split: records leave one patient for another, and the journal says why."""
    source: str             # the patient the records leave
    target: str             # the patient they join
    record_keys: list[str]
    whole: bool             # a merge takes every record of the source, listed or not
    journal: tuple          # LINK_EVENT_COLUMNS

    @property
    def patients(self) -> set[str]:
        return {self.source, self.target}


Step = RowChanges | MatchRaised | MatchResolved | RecordsMoved | DeathsVerified | Erasure


def _instant(value: datetime | int) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromtimestamp(value / 1000, timezone.utc)


def unappliable(name: str, e: dict) -> str | None:
    """Why a decoded event cannot be applied (it is then quarantined, not fatal to the batch)."""
    if name == "PossibleMatchResolved" and e["verdict"] not in VERDICT_STATUS:
        return f"a possible match cannot be resolved with verdict {e['verdict']}"
    if name in VITAL_EVENTS:
        return death_problem(e)
    return None


def plan(events: list[tuple[str, dict]]) -> list[Step]:
    steps: list[Step] = []
    run: list[tuple[str, dict]] = []
    withdrawn: set[str] = set()  # records withdrawn in the run
    deaths = DeathsVerified()

    def close_run() -> None:
        if run:
            steps.append(changes_for(run))
            run.clear()
            withdrawn.clear()

    def write_deaths() -> None:
        nonlocal deaths
        close_run()
        steps.append(deaths)
        deaths = DeathsVerified()

    for name, e in events:
        key = e.get("record_key")
        if name in VITAL_EVENTS:
            # Not a break in the run: a death row is joined to its record only by the views.
            deaths.rows[e["death_id"]] = death_row(e)
            continue
        if name in RECORD_EVENTS:
            if name == "RecordWithdrawn" and any(row[1] == key for row in deaths.rows.values()):
                write_deaths()  # the withdrawal must find them to delete them
            elif key in withdrawn:
                close_run()  # a later version must not hide the withdrawal, which deletes deaths
            run.append((name, e))
            if name == "RecordWithdrawn":
                withdrawn.add(key)
            continue
        if name in ERASURE_EVENTS and deaths.rows:
            write_deaths()
        close_run()
        steps.append(_LINKAGE_STEPS[name](e))
    close_run()
    if deaths.rows:
        steps.append(deaths)
    return steps


def changes_for(events: list[tuple[str, dict]]) -> RowChanges:
    """One run of record events; none of them moves a record behind another's back."""
    changes = RowChanges()
    for name, e in events:
        key = e["record_key"]
        current = changes.records.get(key)
        if current is not None and current[3] > e["record_version"]:
            continue
        changes.patients.add(e["patient_id"])
        changes.records[key], changes.diagnoses[key], changes.clinical[key] = record_rows(name, e)
    return changes


def record_rows(name: str, e: dict) -> tuple[tuple, list[tuple], dict[str, list[tuple]]]:
    """The record row, diagnosis rows and clinical rows of one record event (the sink and the
    bulk replay both use it, so they write the same values)."""
    key = e["record_key"]
    if name == "RecordWithdrawn":
        # A withdrawn record keeps its row (marked) so counts can be explained; its clinical
        # content goes.
        return ((key, e["patient_id"], e["centre_id"], e["record_version"], _instant(e["received_at"]),
                 None, None, "UNKNOWN", False, None, None, False, None, None, None, None, True, e["reason"],
                 e["event_id"]), [], {})
    vital = e["vital_status"] or {}
    row = (key, e["patient_id"], e["centre_id"], e["record_version"], _instant(e["received_at"]),
           e["link_rule"], e["birth_year_month"], e["sex"], bool(e.get("is_foetus")), e.get("birth_area"),
           e.get("residence_departement"), bool(vital.get("deceased")),
           *_date_parts(vital.get("death_date")), vital.get("death_due_to_rare_disease"),
           False, None, e["event_id"])
    diagnoses = [(key, i, d["orphacode"], d["icd10"], d["status"], *_date_parts(d["diagnosis_date"]))
                 for i, d in enumerate(e["diagnoses"])]
    return row, diagnoses, clinical_rows.rows(e)


def _raised(e: dict) -> MatchRaised:
    # The agreement pattern says how each identity field agrees, never what it holds.
    agreement = [{"field": a["field"], "level": a["level"], "levels": a["levels"]} for a in e["agreement"]]
    return MatchRaised((e["review_id"], e["patient_id"], e["candidate_patient_id"], e["record_key"],
                        e["candidate_record_key"], e["centre_id"], e["match_probability"], e["reason"],
                        agreement, e["names_swapped"], e["event_id"], _instant(e["received_at"])))


def _resolved(e: dict) -> MatchResolved:
    return MatchResolved(e["review_id"], VERDICT_STATUS[e["verdict"]], e["event_id"], _instant(e["decided_at"]),
                         e["reviewer"], e["patient_id"])


def _merged(e: dict) -> RecordsMoved:
    keys = list(e["record_keys"])
    return RecordsMoved(e["merged_patient_id"], e["patient_id"], keys, True,
                        (e["event_id"], "merge", e["patient_id"], e["merged_patient_id"], keys, e["cause"],
                         e["review_id"], e["reviewer"], _instant(e["decided_at"])))


def _split(e: dict) -> RecordsMoved:
    keys = list(e["record_keys"])
    return RecordsMoved(e["patient_id"], e["new_patient_id"], keys, False,
                        (e["event_id"], "split", e["patient_id"], e["new_patient_id"], keys, e["cause"],
                         None, e["reviewer"], _instant(e["decided_at"])))


_LINKAGE_STEPS = {"PossibleMatch": _raised, "PossibleMatchResolved": _resolved,
                  "PatientsMerged": _merged, "PatientSplit": _split, "PatientErased": erasure}

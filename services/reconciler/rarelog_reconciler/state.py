"""The reconciler's state: which patient every record belongs to, the fuzzy index of their
encodings, the exact pseudonyms, the pending reviews and the model in force. Pure: no I/O.

Every change goes through `apply`, both when a decision is taken and when the state is rebuilt
from the changelog on start, so the two cannot drift apart (docs/decisions/0005, 0007).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

import numpy as np

from .linkage import AssignParams, BlockingParams, Model, PatientIndex, record_from_encoding, refit

# The encodings the index compares, by the pseudonymizer's encoding version: the BLIP flip
# probability (it changes the blocking keys and the Dice thresholds' meaning) and the filter
# widths in 64-bit words. A record in another version is linked on its exact pseudonym only.
INDEX_ENCODINGS = {"bf1-blip0.01": 0.01}
WIDTHS = {"given": 8, "given_rest": 8, "surname": 8, "used": 8, "date": 8, "date_swap": 8, "place": 8,
          "country": 8, "sex": 1}
NO_ENCODING: dict = {"blocking": [], "foetus_rank": 0}  # a record only its exact pseudonym can find


def initial_model() -> Model:
    """The model a new registry starts with: fitted by EM on a synthetic cohort (`rarelog linkage
    eval --dataset synthetic --save-model`), before the registry has data of its own."""
    text = resources.files("rarelog_reconciler").joinpath("initial_model.json").read_text()
    return Model.from_dict(json.loads(text))


@dataclass(frozen=True)
class Change:
    """One entry of the changelog: `kind:key` → value (None removes it).
    - pseudonym:<p> → {"record_key"}: the last record seen with this exact pseudonym;
    - record:<k> → {"patient_id", "record_version"}: the record's patient;
    - encoding:<k> → {"patient_id", "record_version", "encoding"}: what the fuzzy index compares;
    - review:<id> → {"patient_id", "candidate_patient_id", "record_key", "candidate_record_key"};
    - model:current → {"parameters": model dict};
    - sequence:records → {"records_read"}: pseudonymised records read so far (the last one's version);
    - death:<death_id> → {"record_key", "patient_id", "date_digest"}: a death verified (deaths.py).
    An encoding entry of a sealed record (docs/decisions/0011) also carries "sealed_linkage" (what
    the changelog keeps) and "pseudonyms": such records have no pseudonym entries (their key would
    show the pseudonym); the pseudonym index is kept from the encodings instead."""
    kind: str
    key: str
    value: dict | None

    @property
    def changelog_key(self) -> str:
        return f"{self.kind}:{self.key}"


def linkage_pseudonyms(record: dict) -> list[str]:
    """A record's exact pseudonyms: its own and those under every key of the ring, once each."""
    return list(dict.fromkeys(p for p in [record.get("pseudonym"), *(e["pseudonym"] for e in record.get("linkage") or [])]
                              if p))


def index_encoding(record: dict) -> dict | None:
    """The encoding made with the record key's own key (the oldest of the pseudonymizer's ring,
    last in `linkage`): stable across a rotation, like the record key itself."""
    linkage = record.get("linkage") or []
    if not linkage or linkage[-1].get("encoding") not in INDEX_ENCODINGS:
        return None
    return linkage[-1]


# Index sizes (live records) at which the model is fitted again by EM on the registry's own
# records: the starting model was fitted on a synthetic cohort, and models do not travel well
# between populations (docs/linkage.md), so the first refit comes early. Beyond the last, the model is
# settled and only its prior follows the index (AssignParams.scale_prior: the fitted share of
# matching pairs pooled with the index's own, Model.prior_log2). A refit runs
# inside a transaction, which must commit within 60 s: measured 47 s at 106,000 records, so
# the last refit is at 30,000 (about 14 s).
REFIT_AT = (2_000, 5_000, 10_000, 30_000)


# EM learns what a match looks like from the matches among the index's pairs: with too few (a
# young registry, or few persons seen twice) it learns family likeness instead. A refit whose
# fitted expected matches stay under this keeps the model in force (the point is still taken).
MIN_REFIT_MATCHES = 150


REFIT_RANDOM_PAIRS = 1_000_000


def refit_model(index: PatientIndex, blip: float, point: int, min_matches: float = MIN_REFIT_MATCHES) -> Model:
    """The model to log at a refit point: fitted by EM on the index, or the one in force when EM
    found too few matches to learn from. Either way it records the point as taken."""
    fitted = refit(index, blip=blip, random_pairs=REFIT_RANDOM_PAIRS)
    if fitted.info.get("expected_matches", 0.0) >= min_matches:
        model = fitted
    else:
        model = Model.from_dict(index.model.to_dict())
        model.info["refit_declined_matches"] = fitted.info.get("expected_matches", 0.0)
    model.info["refit_point"] = float(point)
    return model


def refit_point_due(model: Model, records: int, points: tuple[int, ...] = REFIT_AT) -> int | None:
    """The refit point just reached, if any (each is taken once; the model records it)."""
    done = int(model.info.get("refit_point", 0))
    due = [p for p in points if done < p <= records]
    return due[-1] if due else None


class LinkageState:
    def __init__(self, model: Model | None = None, assign: AssignParams = AssignParams(scale_prior=True),
                 refit_at: tuple[int, ...] = REFIT_AT, min_refit_matches: float = MIN_REFIT_MATCHES):
        self.assign, self.refit_at, self.min_refit_matches = assign, tuple(sorted(refit_at)), min_refit_matches
        self.blip = next(iter(INDEX_ENCODINGS.values()))
        self.index = self._new_index(model or initial_model())
        self.record_of_pseudonym: dict[str, str] = {}
        self.reviews: dict[str, dict] = {}
        self._unplaced: dict[str, dict] = {}  # encodings whose record entry is still to come
        self.model_logged = False  # the model in force is in the changelog (a restart keeps it)
        self.records_read = 0  # numbers the records in reading order: each one's record_version
        self.deaths: dict[str, dict] = {}              # death id -> VerifiedDeath value
        # sealed records' exact pseudonyms: each pseudonym's records, the last written last
        self._holders: dict[str, list[str]] = {}
        self._pseudonyms_of: dict[str, tuple[str, ...]] = {}
        self._deaths_of_record: dict[str, list[str]] = {}

    def _new_index(self, model: Model) -> PatientIndex:
        return PatientIndex(model, WIDTHS, BlockingParams.for_encoding(self.blip), self.assign)

    def refit_due(self) -> int | None:
        return refit_point_due(self.index.model, self.index.size, self.refit_at)

    # -- reading -------------------------------------------------------------------------------
    def patient_of_record(self, record_key: str) -> str | None:
        return self.index.patient_of_record(record_key)

    def patient_of_pseudonym(self, pseudonym: str) -> str | None:
        record_key = self.record_of_pseudonym.get(pseudonym)
        return None if record_key is None else self.index.patient_of_record(record_key)

    def records_of_patient(self, patient_id: str) -> list[str]:
        return self.index.records_of_patient(patient_id)

    def deaths_of_record(self, record_key: str) -> list[str]:
        return self._deaths_of_record.get(record_key, [])

    def deaths_of_patient(self, patient_id: str) -> list[str]:
        """Deaths verified on any of the patient's records (they follow records through merges)."""
        return [d for k in self.records_of_patient(patient_id) for d in self._deaths_of_record.get(k, ())]

    # -- changing ------------------------------------------------------------------------------
    def apply(self, change: Change) -> None:
        kind, key, value = change.kind, change.key, change.value
        if kind == "pseudonym":
            if value is None:
                self.record_of_pseudonym.pop(key, None)
            else:
                self.record_of_pseudonym[key] = value["record_key"]
        elif kind == "record":
            self._place(key, value)
        elif kind == "encoding":
            self._index_pseudonyms(key, value)
            flat = NO_ENCODING if value is None or value.get("encoding") is None \
                else record_from_encoding(value["encoding"])
            patient = self.index.patient_of_record(key)
            if patient is None:
                self._unplaced[key] = flat
            else:  # a new version of a known record: its new encoding replaces the old row
                self.index.add(key, flat, patient)
        elif kind == "review":
            if value is None:
                self.reviews.pop(key, None)
            else:
                self.reviews[key] = value
        elif kind == "model":
            self.index.model = Model.from_dict(value["parameters"])
            self.model_logged = True
        elif kind == "sequence":
            self.records_read = 0 if value is None else value["records_read"]
        elif kind == "death":
            old = self.deaths.pop(key, None)
            if old is not None:
                self._deaths_of_record[old["record_key"]].remove(key)
            if value is not None:
                self.deaths[key] = value
                self._deaths_of_record.setdefault(value["record_key"], []).append(key)
        else:
            raise ValueError(f"unknown changelog entry kind {kind!r}")

    def _index_pseudonyms(self, record_key: str, value: dict | None) -> None:
        """A sealed record's pseudonyms find the live record that last had them: the same after
        a rebuild from the changelog (entries in the order written) as when decided."""
        if value is not None and value.get("pseudonyms") is None and record_key not in self._pseudonyms_of:
            return  # a record without sealed linkage: its pseudonym entries do this
        for p in self._pseudonyms_of.pop(record_key, ()):
            holders = self._holders[p]
            holders.remove(record_key)
            if holders:
                self.record_of_pseudonym[p] = holders[-1]
            else:
                del self._holders[p]
                self.record_of_pseudonym.pop(p, None)
        if value is not None and value.get("pseudonyms"):
            self._pseudonyms_of[record_key] = tuple(value["pseudonyms"])
            for p in value["pseudonyms"]:
                self._holders.setdefault(p, []).append(record_key)
                self.record_of_pseudonym[p] = record_key

    def _place(self, record_key: str, value: dict | None) -> None:
        if value is None:  # withdrawn: never a candidate again
            if record_key in self.index.row_of:
                self.index.remove(record_key)
            return
        patient = value["patient_id"]
        if record_key in self.index.row_of:
            if self.index.patient_of_record(record_key) != patient:
                self.index.move(record_key, patient)
        else:
            self.index.add(record_key, self._unplaced.pop(record_key, NO_ENCODING), patient)

    def rebuild(self, entries: list[Change]) -> None:
        """Loads changelog entries in bulk, in log order (the last entry of a key wins): the whole
        compacted changelog on an empty state, or, after a checkpoint, the tail's entries of
        records the checkpoint does not hold (changelog.catch_up applies the others in order).
        Keep the state picklable (checkpoints): plain values and numpy arrays only."""
        records: dict[str, str] = {}
        encodings: dict[str, dict] = {}
        for change in entries:
            if change.kind == "record":
                if change.value is None:
                    records.pop(change.key, None)
                else:
                    records[change.key] = change.value["patient_id"]
            elif change.kind == "encoding":
                self._index_pseudonyms(change.key, change.value)
                if change.value is None or change.value.get("encoding") is None:
                    encodings.pop(change.key, None)
                else:
                    encodings[change.key] = change.value["encoding"]
            else:
                self.apply(change)
        keys = list(records)
        self.index.add_many(keys, [record_from_encoding(encodings[k]) if k in encodings else NO_ENCODING
                                   for k in keys], [records[k] for k in keys])

    def summary(self) -> dict[str, int]:
        live = self.index.patient_of[:self.index.store.size] >= 0
        return {"records": self.index.size, "patients": self.index.patient_count(),
                "pseudonyms": len(self.record_of_pseudonym), "pending_reviews": len(self.reviews),
                "verified_deaths": len(self.deaths),
                "index_rows": int(live.sum()), "index_bytes": self.index.nbytes()}

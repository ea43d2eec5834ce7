"""Incremental assignment: which patient a new record joins, one record at a time.

The index holds every record's filters (FilterStore), its blocking keys (KeyIndex) and its
patient. `decide` is pure: it reads the index and returns a Decision; the caller then calls
`index.add` (for a new or provisional patient, with the id it minted). Same inputs in the same
order give the same decisions: candidates are sorted, ties go to the oldest patient.

Rule (docs/linkage.md, "Assignment"): the record is scored against every record of every
candidate patient. The best patient is joined only when
- its best record scores at least `link` (posterior match probability), and
- the record is consistent with the patient as a whole: its log-odds averaged over all the
  patient's records reach `consistent` too — one near-identical record does not outvote the
  others (a single wrong edge would otherwise pull in a third person), and
- it is not a possible twin (same birth date, sexes recorded, no given name in common or the
  sexes differ), and
- no other patient also scores at least `link` and nearly as well (within `ambiguity` bits):
  then a human decides, they may be one person.
A best score between `review` and `link`, or a failed check, sends the record to review: it
becomes a provisional patient with a PossibleMatch to that patient. Below `review`: new patient.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import blocking as _blocking
from .blocking import BlockingParams, KeyIndex, KeyMaker
from .filters import FIELDS, FilterStore
from .model import _COMBOS, COMPARED, Model, _layout, fit, levels, score_members, similarities


@dataclass(frozen=True)
class AssignParams:
    link: float = 0.5         # posterior probability to join a patient
    review: float = 0.3       # below this, a new patient
    consistent: float = 0.5   # the mean log-odds over the patient's records must reach this
    ambiguity: float = 4.0    # log2: a runner-up above `link` within this of the best → review
    twin_guard: bool = True   # same birth date, sexes recorded, given names apart → review
    scale_prior: bool = False  # pair prior from the index's own share of matching pairs (Model.prior_log2)


@dataclass(frozen=True)
class Decision:
    kind: str                  # "link", "review" or "new"
    patient_id: str | None     # the patient joined ("link") or possibly matched ("review")
    score: float               # log2 posterior odds against that patient's best record
    probability: float
    agreement: dict[str, int] = field(default_factory=dict)  # level per field vs that record
    swapped: bool = False      # given name and surname read crosswise
    reason: str = ""           # why a review: "score", "inconsistent", "possible-twin", "ambiguous"
    candidates: int = 0        # records that shared a blocking key (for metrics)
    record_key: str | None = None  # the best-scoring record of that patient


def _probability(log2_odds: float) -> float:
    return 1.0 / (1.0 + 2.0 ** (-log2_odds)) if log2_odds > -1000 else 0.0


class PatientIndex:
    """Records' encodings grouped by patient; add, move and remove records by record key."""

    def __init__(self, model: Model, widths: dict[str, int], blocking: BlockingParams = BlockingParams(),
                 assign: AssignParams = AssignParams()):
        self.model, self.blocking, self.assign = model, blocking, assign
        self.store = FilterStore(widths)
        self.keys = KeyIndex()
        self.key_maker = KeyMaker(blocking, self.store.words)
        self._scratch = FilterStore(self.store.words, capacity=1)
        self.patient_ids: list[str] = []                  # patient number → id
        self._patient_number: dict[str, int] = {}
        self.records_of = np.zeros(1024, dtype=np.int32)  # patient number → live records
        self.patient_of = np.zeros(1024, dtype=np.int32)  # row → patient number, -1 removed
        self.rank = np.zeros(1024, dtype=np.int16)        # row → foetus rank (0 for a person)
        self.rows_of: dict[int, list[int]] = {}
        self.row_of: dict[str, int] = {}
        self.key_at: list[str | None] = []                # row → record key (None once replaced)
        # each patient's live rows as a chain, for vectorised look-ups: head[patient], next[row]
        self.head = np.full(1024, -1, dtype=np.int32)
        self.next = np.full(1024, -1, dtype=np.int32)
        self._prepared: tuple[dict | None, tuple] = (None, ())
        self.within_pairs = 0  # pairs of live records of one patient: the prior's evidence

    @property
    def size(self) -> int:
        return len(self.row_of)

    def _patient(self, patient_id: str) -> int:
        number = self._patient_number.get(patient_id)
        if number is None:
            number = self._patient_number[patient_id] = len(self.patient_ids)
            self.patient_ids.append(patient_id)
            if number >= len(self.records_of):
                self.records_of = np.resize(self.records_of, 2 * len(self.records_of))
                self.head = np.resize(self.head, len(self.records_of))
            self.records_of[number], self.head[number] = 0, -1
        return number

    def _link(self, number: int, row: int) -> None:
        if row >= len(self.patient_of):
            grown = max(2 * len(self.patient_of), row + 1)
            self.patient_of, self.rank = np.resize(self.patient_of, grown), np.resize(self.rank, grown)
            self.next = np.resize(self.next, grown)
        self.patient_of[row] = number
        self.rows_of.setdefault(number, []).append(row)
        self.within_pairs += int(self.records_of[number])
        self.records_of[number] += 1
        self.next[row], self.head[number] = self.head[number], row

    def _unlink(self, number: int, row: int) -> None:
        self.rows_of[number].remove(row)
        self.records_of[number] -= 1
        self.within_pairs -= int(self.records_of[number])
        self.head[number] = -1
        for other in self.rows_of[number]:  # rebuild the (short) chain
            self.next[other], self.head[number] = self.head[number], other

    def prepare(self, record: dict) -> tuple[np.ndarray, list[int], np.ndarray]:
        """The record's filter row, popcounts and blocking keys; decide() then add() of the same
        record compute them once."""
        if self._prepared[0] is record:
            return self._prepared[1]
        bits, pops = self.store._row(record)
        scratch = self._scratch
        scratch.size = 0
        scratch.add_row(bits, pops)
        keys = self.key_maker.keys_one(scratch, 0, record.get("blocking") or [])
        self._prepared = (record, (bits, pops, keys))
        return bits, pops, keys

    def add(self, record_key: str, record: dict, patient_id: str) -> int:
        """Stores a record (its encodings dict) under a patient; returns its row."""
        if record_key in self.row_of:
            self.remove(record_key)  # an update: the new version replaces the old
        bits, pops, keys = self.prepare(record)
        row = self.store.add_row(bits, pops)
        self._link(self._patient(patient_id), row)
        self.rank[row] = int(record.get("foetus_rank") or 0)
        self.row_of[record_key] = row
        self._key_at(row, record_key)
        self.keys.add(keys, row)
        return row

    def add_many(self, record_keys: list[str], records: list[dict], patient_ids: list[str]) -> None:
        """Bulk load (a restart rebuilding the index from the changelog): the same state as adding
        the records one by one, with the blocking keys computed in one batch."""
        start = self.store.size
        self.store.add_rows_of(records)  # removals below leave the store alone: same rows
        for row, (record_key, record, patient_id) in enumerate(zip(record_keys, records, patient_ids), start):
            if record_key in self.row_of:
                self.remove(record_key)
            self._link(self._patient(patient_id), row)
            self.rank[row] = int(record.get("foetus_rank") or 0)
            self.row_of[record_key] = row
            self._key_at(row, record_key)
        rows = np.arange(start, self.store.size)
        for chunk in range(0, len(rows), 50_000):
            part = rows[chunk:chunk + 50_000]
            keys = self.key_maker.keys(self.store, part, [r.get("blocking") or [] for r in records[chunk:chunk + 50_000]])
            self.keys.add_many(keys, part)

    def _key_at(self, row: int, record_key: str) -> None:
        self.key_at.extend([None] * (row + 1 - len(self.key_at)))
        self.key_at[row] = record_key

    def patient_count(self) -> int:
        """Patients with a live record. Only numbers handed out count: np.resize fills the grown
        tail of records_of with copies, reset when a number is handed out."""
        return int(np.count_nonzero(self.records_of[:len(self.patient_ids)] > 0))

    def records_of_patient(self, patient_id: str) -> list[str]:
        """A patient's live records, oldest row first."""
        number = self._patient_number.get(patient_id)
        return [self.key_at[row] for row in sorted(self.rows_of.get(number, ()))] if number is not None else []

    def record_count(self, patient_id: str) -> int:
        number = self._patient_number.get(patient_id)
        return 0 if number is None else int(self.records_of[number])

    def move(self, record_key: str, patient_id: str) -> None:
        """A reviewer's verdict (merge or split) moves a record to another patient."""
        row = self.row_of[record_key]
        self._unlink(int(self.patient_of[row]), row)
        self._link(self._patient(patient_id), row)

    def remove(self, record_key: str) -> None:
        """Withdrawal: the row stays in the arrays (its keys too) but is never a candidate again."""
        row = self.row_of.pop(record_key)
        self._unlink(int(self.patient_of[row]), row)
        self.patient_of[row] = -1
        self.key_at[row] = None

    def patient_of_record(self, record_key: str) -> str | None:
        row = self.row_of.get(record_key)
        return None if row is None or self.patient_of[row] < 0 else self.patient_ids[self.patient_of[row]]

    def prior_log2(self) -> float:
        """A pair's prior log-odds in this index (Model.prior_log2)."""
        if not self.assign.scale_prior:
            return self.model.prior_log2()
        return self.model.prior_log2(self.size, self.within_pairs)

    def nbytes(self) -> int:
        """Arrays only (filters, keys, row → patient); Python dicts of ids come on top."""
        return self.store.nbytes() + self.keys.nbytes() + 6 * self.store.size + 4 * len(self.patient_ids)


def _members(index: PatientIndex, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate patients (sorted numbers), all their live rows grouped by patient, and where each
    patient's group starts. Most patients have one record: their row is the candidate itself."""
    patients = np.unique(index.patient_of[rows])
    counts = index.records_of[patients]
    # walk the patients' chains all at once: one step per record of the largest patient
    owner_parts, row_parts = [], []
    frontier, owner = index.head[patients].astype(np.int64), np.arange(len(patients))
    while len(frontier):
        owner_parts.append(owner)
        row_parts.append(frontier)
        frontier = index.next[frontier].astype(np.int64)
        owner, frontier = owner[frontier >= 0], frontier[frontier >= 0]
    owners = np.concatenate(owner_parts)
    order = np.argsort(owners, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return patients, np.concatenate(row_parts)[order], starts


assert _COMBOS[:4] == (("given", "given"), ("surname", "surname"), ("given", "surname"), ("surname", "given"))
assert len(_COMBOS) == 16 and COMPARED == ("given", "surname", "date", "place", "sex", "given_rest", "country")


def decide(index: PatientIndex, record: dict) -> Decision:
    """Link, review or new patient for one record's encodings (not yet in the index)."""
    if _blocking.JIT:
        return _decide_jit(index, record)
    _, _, keys = index.prepare(record)
    rows = index.keys.lookup(keys, index.blocking.bucket_cap(index.size))
    rank = int(record.get("foetus_rank") or 0)
    rows = rows[(index.patient_of[rows] >= 0) & (index.rank[rows] == rank)]  # a foetus meets its rank only
    if not len(rows):
        return Decision("new", None, -math.inf, 0.0)
    patients, all_rows, starts = _members(index, rows)
    model = index.model
    sims, swapped = similarities(index._scratch, np.zeros(1, dtype=np.int64), all_rows, model.swap_margin,
                                 other=index.store)  # one row against all: broadcast
    lev = levels(sims, model.thresholds)
    score = model.bayes_factor(lev) + index.prior_log2()
    best = np.maximum.reduceat(score, starts)
    mean = np.add.reduceat(score, starts) / np.diff(np.append(starts, len(score)))  # the patient as a whole
    order = np.lexsort((patients, -best))  # best first; ties to the oldest patient: deterministic
    top = order[0]
    end = starts[top + 1] if top + 1 < len(starts) else len(score)
    top_row = starts[top] + int(np.argmax(score[starts[top]:end]))
    return _verdict(index, patients, starts, all_rows, score, lev, swapped, int(top), int(top_row),
                    float(best[order[1]]) if len(order) > 1 else None, len(rows), lambda: float(mean[top]))


def _decide_jit(index: PatientIndex, record: dict) -> Decision:
    """decide's compiled path (model.score_members): the same decision, a few times faster."""
    _, _, keys = index.prepare(record)
    rows = index.keys.lookup_raw(keys[keys != 0], index.blocking.bucket_cap(index.size))
    model, scratch = index.model, index._scratch
    layout = scratch.__dict__.get("_member_layout")
    if layout is None:
        cols_a, cols_b, starts, pop_a, pop_b = _layout(scratch)
        layout = scratch.__dict__["_member_layout"] = (
            cols_a.astype(np.int64), cols_b.astype(np.int64), np.append(starts, len(cols_a)).astype(np.int64),
            pop_a.astype(np.int64), pop_b.astype(np.int64))
    thresholds, weights = model.tables()
    (n_candidates, patients, starts, all_rows, score, lev, swapped, top, top_row, second) = score_members(
        rows, int(record.get("foetus_rank") or 0), index.patient_of, index.rank, index.records_of, index.head,
        index.next, index.store.bits, index.store.pop, scratch.bits[0], scratch.pop[0], *layout, thresholds,
        weights, np.float32(model.swap_margin), float(index.prior_log2()), float(index.assign.link))
    if not n_candidates:
        return Decision("new", None, -math.inf, 0.0)

    def mean() -> float:  # np.add.reduceat as the numpy path sums (pairwise): the same float
        return float((np.add.reduceat(score, starts) / np.diff(np.append(starts, len(score))))[top])
    return _verdict(index, patients, starts, all_rows, score, lev, swapped, top, top_row,
                    second if len(patients) > 1 else None, n_candidates, mean)


def _verdict(index: PatientIndex, patients: np.ndarray, starts: np.ndarray, all_rows: np.ndarray, score: np.ndarray,
             lev: np.ndarray, swapped: np.ndarray, top: int, top_row: int, second: float | None,
             n_candidates: int, mean) -> Decision:
    """The rule on the scored candidates: top = the best patient (ties to the oldest), top_row its
    best record, second the runner-up patient's best score, mean() the top patient's mean."""
    p, model = index.assign, index.model
    best = float(score[top_row])
    prob = _probability(best)
    kind, reason = "new", ""
    if prob >= p.review:
        kind, reason = "review", "score"
        if prob >= p.link:
            if _probability(mean()) < p.consistent:
                reason = "inconsistent"
            elif p.twin_guard and _possible_twin(lev[top_row], model):
                reason = "possible-twin"
            elif second is not None and _probability(second) >= p.link and best - second < p.ambiguity:
                reason = "ambiguous"
            else:
                kind, reason = "link", ""
    return Decision(kind, index.patient_ids[int(patients[top])] if kind != "new" else None,
                    best, prob, {f: int(lev[top_row, c]) for c, f in enumerate(COMPARED)},
                    bool(swapped[top_row]), reason, n_candidates, index.key_at[int(all_rows[top_row])])


def refit(index: PatientIndex, blip: float = 0.0, random_pairs: int = 1_000_000, seed: int = 7) -> Model:
    """A new model fitted by EM on the index itself (its candidate pairs and random pairs), to
    store in the changelog when the index has grown (the prior falls as it grows). `blip`: the
    encoder's flip probability, read from the records' encoding version."""
    pairs = index.keys.pairs(index.blocking.bucket_cap(index.size))
    live = index.patient_of[:index.store.size] >= 0
    pairs = pairs[live[pairs[:, 0]] & live[pairs[:, 1]]]
    return fit(index.store, pairs, random_pairs=random_pairs, seed=seed, thresholds=dict(index.model.thresholds)
               if blip == 0 else None, swap_margin=index.model.swap_margin, blip=blip)


def _possible_twin(agreement: np.ndarray, model: Model) -> bool:
    """Twins share family name, birth date and place: the independence of the fields makes such a
    pair look certain. Conditional independence fails exactly there, so a rule: when the sexes are
    recorded (a civil-status identity) and the birth date agrees fully while no given name does,
    or the sexes differ and the given names are not the same, a human decides."""
    c = {f: i for i, f in enumerate(COMPARED)}
    date_top = len(model.thresholds["date"]) + 1
    given_top = len(model.thresholds["given"]) + 1
    if agreement[c["date"]] != date_top or agreement[c["sex"]] == 0:
        return False
    return agreement[c["given"]] == 1 or (agreement[c["sex"]] == 1 and agreement[c["given"]] < given_top)


__all__ = ["AssignParams", "Decision", "PatientIndex", "decide", "refit", "FIELDS"]

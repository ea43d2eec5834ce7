"""The whole log of patient events folded in memory into the warehouse's final rows. Pure.

The sink applies the log batch by batch with upserts, deletes and updates; the end state of
every event-derived table depends only on the order of the events, so one pass in that order
gives the same rows, which the bulk replay then writes once each with COPY:
- a record keeps its row from the last event whose version is not older than the kept one
  (0006), and the diagnosis and clinical rows of that same event (none when withdrawn);
- a merge or a split moves the records present at that point in the log (a merge: every record
  of the merged patient as well as those listed); a later winning version sets its own patient;
- a possible match keeps its first raising; a verdict updates a raised match, else does nothing;
- the merge and split journal keeps each event's first occurrence;
- a verified death keeps the last event of its death_id (the sink's upsert).
The patient table is not folded: it is one INSERT…SELECT over the final records (store.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import domain
from .death_rows import death_row

_PATIENT, _VERSION = 1, 3


@dataclass
class Projection:
    records: dict[str, tuple] = field(default_factory=dict)     # record_key -> row of the winning event
    patient_of: dict[str, str] = field(default_factory=dict)    # record_key -> its patient now
    members: dict[str, set[str]] = field(default_factory=dict)  # patient -> its record keys
    diagnoses: dict[str, list[tuple]] = field(default_factory=dict)
    clinical: dict[str, dict[str, list[tuple]]] = field(default_factory=dict)
    matches: dict[str, list] = field(default_factory=dict)      # review_id -> possible_match row
    journal: dict[str, tuple] = field(default_factory=dict)     # event_id -> patient_link_event row
    deaths: dict[str, tuple] = field(default_factory=dict)      # death_id -> death_verified row

    def apply(self, name: str, e: dict) -> None:
        if name in domain.RECORD_EVENTS:
            self._record(name, e)
        elif name in domain.VITAL_EVENTS:
            self.deaths[e["death_id"]] = death_row(e)
        else:
            step = domain.plan([(name, e)])[0]
            if isinstance(step, domain.MatchRaised):
                # status, resolved_event_id, resolved_at, reviewer
                self.matches.setdefault(step.row[0], [*step.row, "pending", None, None, None])
            elif isinstance(step, domain.MatchResolved):
                row = self.matches.get(step.review_id)
                if row is not None:
                    row[-4:] = [step.status, step.event_id, step.resolved_at, step.reviewer]
            else:
                self._move(step)

    def _record(self, name: str, e: dict) -> None:
        key = e["record_key"]
        kept = self.records.get(key)
        if kept is not None and kept[_VERSION] > e["record_version"]:
            return  # an older version arriving late changes nothing
        row, diagnoses, clinical = domain.record_rows(name, e)
        self.records[key], self.diagnoses[key], self.clinical[key] = row, diagnoses, clinical
        self._assign(key, row[_PATIENT])

    def _move(self, step: domain.RecordsMoved) -> None:
        keys = [k for k in step.record_keys if k in self.records]
        if step.whole:
            keys += self.members.get(step.source, ())
        for key in set(keys):
            self._assign(key, step.target)
        self.journal.setdefault(step.journal[0], step.journal)

    def _assign(self, key: str, patient: str) -> None:
        before = self.patient_of.get(key)
        if before == patient:
            return
        if before is not None:
            self.members[before].discard(key)
            if not self.members[before]:
                del self.members[before]
        self.patient_of[key] = patient
        self.members.setdefault(patient, set()).add(key)

    def record_rows(self):
        """Record rows with their final patient, in key order (the primary key's order)."""
        for key in sorted(self.records):
            row = self.records[key]
            yield (row[0], self.patient_of[key], *row[2:])

    def child_rows(self, table: str):
        """Rows of `diagnosis` or of a clinical table, in primary-key order."""
        for key in sorted(self.records):
            if table == "diagnosis":
                yield from self.diagnoses[key]
            else:
                yield from self.clinical[key].get(table, ())

    def death_rows(self):
        """death_verified rows in death_id order (the primary key's order)."""
        return (self.deaths[k] for k in sorted(self.deaths))

    def row_count(self) -> int:
        return (len(self.records) + sum(len(d) for d in self.diagnoses.values()) + len(self.matches) +
                len(self.journal) + len(self.deaths) +
                sum(len(rows) for c in self.clinical.values() for rows in c.values()))

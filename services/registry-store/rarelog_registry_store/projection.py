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
- a verified death keeps the last event of its death_id (the sink's upsert); a withdrawal that
  wins deletes the deaths of its record read before it (store.write_records);
- an erasure deletes, at its place in the log, the patient's records and every match, journal
  entry and death naming the patient or its records, and keeps an audit line (erasure_store).
The patient table is not folded: it is one INSERT…SELECT over the final records (store.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import domain
from .death_rows import death_row

_PATIENT, _VERSION, _WITHDRAWN = 1, 3, domain.RECORD_COLUMNS.index("withdrawn")


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
    audit: dict[tuple, tuple] = field(default_factory=dict)     # (erased_at, tag) -> erasure_audit row
    forgotten: set[str] = field(default_factory=set)  # ids erasures left without a record (omop.forget_persons)
    # patient id or record key -> the rows naming it: ("match", review_id), ("journal", event_id),
    # ("death", death_id). May name rows replaced since: an erasure checks each row it finds.
    naming: dict[str, set[tuple[str, str]]] = field(default_factory=dict)

    def apply(self, name: str, e: dict) -> None:
        if name in domain.RECORD_EVENTS:
            self._record(name, e)
        elif name in domain.VITAL_EVENTS:
            row = self.deaths[e["death_id"]] = death_row(e)
            self._name(("death", row[0]), row[1], row[2])
        else:
            step = domain.plan([(name, e)])[0]
            if isinstance(step, domain.MatchRaised):
                # status, resolved_event_id, resolved_at, reviewer
                row = self.matches.setdefault(step.row[0], [*step.row, "pending", None, None, None])
                self._name(("match", row[0]), *row[1:5])
            elif isinstance(step, domain.MatchResolved):
                row = self.matches.get(step.review_id)
                if row is not None:
                    row[-4:] = [step.status, step.event_id, step.resolved_at, step.reviewer]
            elif isinstance(step, domain.Erasure):
                self._erase(step)
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
        if row[_WITHDRAWN]:  # its data key is erased: so are the deaths sealed with it
            for kind, death_id in self.naming.get(key, ()):
                if kind == "death" and death_id in self.deaths and self.deaths[death_id][1] == key:
                    del self.deaths[death_id]

    def _move(self, step: domain.RecordsMoved) -> None:
        keys = [k for k in step.record_keys if k in self.records]
        if step.whole:
            keys += self.members.get(step.source, ())
        for key in set(keys):
            self._assign(key, step.target)
        row = self.journal.setdefault(step.journal[0], step.journal)
        self._name(("journal", row[0]), row[2], row[3], *row[4])

    def _name(self, row: tuple[str, str], *ids: str) -> None:
        for i in ids:
            self.naming.setdefault(i, set()).add(row)

    def _erase(self, step: domain.Erasure) -> None:
        p = step.patient_id
        keys = set(step.record_keys) | self.members.get(p, set())
        gone = {p} | {self.patient_of[k] for k in keys if k in self.patient_of}
        for key in keys:
            if key in self.records:
                self._assign(key, None)
                del self.records[key], self.diagnoses[key], self.clinical[key], self.patient_of[key]
        ids = keys | {p}
        tables = {"match": self.matches, "journal": self.journal, "death": self.deaths}
        for kind, pk in set().union(*(self.naming.pop(i, set()) for i in ids)):
            row = tables[kind].get(pk)
            if row is not None and ids & _names(kind, row):
                del tables[kind][pk]
                gone |= _patients(kind, row)
        # As erasure_store: the ids left without a record lose their OMOP person id.
        self.forgotten |= {i for i in gone if i not in self.members}
        self.audit.setdefault(step.audit[:2], step.audit)

    def _assign(self, key: str, patient: str | None) -> None:
        """None: the record leaves every patient (erased)."""
        before = self.patient_of.get(key)
        if before == patient:
            return
        if before is not None:
            self.members[before].discard(key)
            if not self.members[before]:
                del self.members[before]
        self.patient_of[key] = patient
        if patient is not None:
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

    def audit_rows(self):
        """erasure_audit rows in primary-key order."""
        return (self.audit[k] for k in sorted(self.audit))

    def row_count(self) -> int:
        return (len(self.records) + sum(len(d) for d in self.diagnoses.values()) + len(self.matches) +
                len(self.journal) + len(self.deaths) + len(self.audit) +
                sum(len(rows) for c in self.clinical.values() for rows in c.values()))


def _patients(kind: str, row) -> set[str]:
    """The patients a possible match, journal entry or death names."""
    return {row[1], row[2]} if kind == "match" else {row[2], row[3]} if kind == "journal" else {row[2]}


def _names(kind: str, row) -> set[str]:
    """The patients and records a possible match, journal entry or death names."""
    records = set(row[3:5]) if kind == "match" else set(row[4]) if kind == "journal" else {row[1]}
    return _patients(kind, row) | records

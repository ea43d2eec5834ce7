"""A large synthetic registry's logs, made without running the services and cached on disk.

For every generated submission: ingest's decision, the pseudonymizer, then what the reconciler
would have written had it linked the record to the generator's true patient —
- on the patient events topic: RecordLinked, plus a withdrawal of every 50th record and a merge
  every 500 records (RecordWithdrawn, PatientsMerged);
- on its changelog: the model, then per record its `encoding:`, `record:` and `pseudonym:`
  entries (changelog.to_message, the service's own encoding), tombstones for withdrawals.
About 2.5 ms of CPU a record, so it runs on two processes and is written once under
.rarelog/cache/bench/ (per size and code version): a rerun only reads it back.
"""
from __future__ import annotations

import json
import multiprocessing
import struct
import sys
import time
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Iterator

from rarelog.cohort.generator import CohortSpec, generate
from rarelog_ingest import domain as ingest
from rarelog_kit.serde import AvroCatalog
from rarelog_pseudonymizer import domain as pseudonymizer
from rarelog_pseudonymizer.keys import PseudonymKey
from rarelog_reconciler import changelog
from rarelog_reconciler.state import Change, index_encoding

from .data import CACHE, ROOT, fingerprint, settled_model

KEY = PseudonymKey(b"replay-bench-key-".ljust(32, b"x"))
LINKED = ("record_key", "centre_id", "received_at", "birth_year_month", "sex", "vital_status", "diagnoses",
          "is_foetus", "birth_area", "residence_departement", "clinical")
T0 = 1_780_000_000_000
CHUNK = 2_000
_FRAME = struct.Struct("<ii")  # key length, value length (-1: a tombstone)


def _patient(number: int) -> str:
    return f"P{number}"


def _chunk(args: tuple[list[tuple[int, dict, int, int]], int]) -> tuple[list, list]:
    """(patient events, changelog entries) of a run of submissions: (version, submission, patient, copy)."""
    items, patients = args
    state = _chunk.__dict__.setdefault("state", (AvroCatalog(), CohortSpec(patients, 1).reference_day))
    catalog, today = state
    schema = catalog.expanded("Submission")
    events, entries = [], []
    for version, submission, patient, copy in items:
        s = ingest.from_json(json.loads(json.dumps(submission, ensure_ascii=False)))
        decided = ingest.decide(s, schema, event_id=f"in-{version}", received_at_ms=T0 + version, today=today)
        if not isinstance(decided, ingest.Accepted):
            continue
        r = pseudonymizer.pseudonymise(KEY, decided.record, f"ps-{version}")
        pid, rk = _patient(patient), r["record_key"]
        e = {"event_id": f"rl-{version}", "patient_id": pid, "record_version": version,
             "link_rule": "exact-pseudonym" if copy else "new-patient", "match_probability": None,
             **{k: r[k] for k in LINKED}}
        events.append((pid.encode(), catalog.encode("RecordLinked", e)))
        changes = [Change("encoding", rk, {"patient_id": pid, "record_version": version,
                                           "encoding": index_encoding(r)}),
                   Change("record", rk, {"patient_id": pid, "record_version": version}),
                   Change("pseudonym", r["pseudonym"], {"record_key": rk})]
        if version % 50 == 0:
            events.append((pid.encode(), catalog.encode("RecordWithdrawn", {
                "event_id": f"wd-{version}", "patient_id": pid, "record_key": rk, "centre_id": e["centre_id"],
                "received_at": T0 + version, "record_version": version + 1, "reason": "WITHDRAW"})))
            changes += [Change("record", rk, None), Change("encoding", rk, None)]
        if version % 500 == 0 and patient > 1:
            events.append((pid.encode(), catalog.encode("PatientsMerged", {
                "event_id": f"mg-{version}", "patient_id": pid, "merged_patient_id": _patient(patient - 1),
                "record_keys": [], "cause": "review-accepted", "review_id": None, "reviewer": "bench",
                "decided_at": T0 + version})))
        entries += [changelog.to_message(catalog, c) for c in changes]
    return events, entries


def _submissions(spec: CohortSpec) -> Iterator[tuple[list, int]]:
    batch = []
    for version, g in enumerate(generate(spec), start=1):
        batch.append((version, g.submission, g.patient, g.copy))
        if len(batch) == CHUNK:
            yield batch, spec.patients
            batch = []
    if batch:
        yield batch, spec.patients


def write_frames(handle, messages) -> int:
    n = 0
    for key, value in messages:
        handle.write(_FRAME.pack(len(key), -1 if value is None else len(value)))
        handle.write(key)
        if value is not None:
            handle.write(value)
        n += 1
    return n


def read_frames(path: Path, limit: int | None = None) -> Iterator[tuple[bytes, bytes | None]]:
    with open(path, "rb", buffering=1 << 20) as handle:
        n = 0
        while limit is None or n < limit:
            head = handle.read(_FRAME.size)
            if not head:
                return
            klen, vlen = _FRAME.unpack(head)
            key = handle.read(klen)
            yield key, (None if vlen < 0 else handle.read(vlen))
            n += 1


@dataclass(frozen=True)
class Registry:
    patients: int
    events_file: Path
    changelog_file: Path
    events: int
    entries: int


def registry(patients: int, centres: int = 60, seed: int = 2026, processes: int = 2) -> Registry:
    folder = CACHE / f"registry-{patients}-{centres}-{seed}-{fingerprint(Path(__file__))}"
    done = folder / "counts.json"
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        print(f"making the logs of a {patients:,}-patient registry on {processes} processes "
              f"(cached in {folder.relative_to(ROOT)})…", file=sys.stderr, flush=True)
        t0, n_events, n_entries = time.monotonic(), 0, 0
        model = changelog.to_message(AvroCatalog(), Change("model", "current", {"parameters": settled_model()}))
        with open(folder / "events.bin", "wb") as events, open(folder / "changelog.bin", "wb") as entries, \
                multiprocessing.get_context("fork").Pool(processes) as pool:
            n_entries += write_frames(entries, [model])
            window: list = []
            for chunk in chain(_submissions(CohortSpec(patients, centres, seed)), [None]):
                if chunk is not None:
                    window.append(chunk)
                # A window at a time, in order: Pool.imap would read the whole cohort ahead into memory.
                if len(window) == 4 * processes or (chunk is None and window):
                    for made_events, made_entries in pool.map(_chunk, window):
                        n_events += write_frames(events, made_events)
                        n_entries += write_frames(entries, made_entries)
                    window = []
        done.write_text(json.dumps({"events": n_events, "entries": n_entries}))
        print(f"made {n_events:,} patient events and {n_entries:,} changelog entries in "
              f"{time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)
    counts = json.loads(done.read_text())
    return Registry(patients, folder / "events.bin", folder / "changelog.bin", counts["events"], counts["entries"])

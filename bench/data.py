"""Input messages for each stage, built from a synthetic cohort with the services' own domain
code (so every stage sees what it would see in production)."""
from __future__ import annotations

import json
from datetime import date

from rarelog.cohort.generator import CohortSpec, submissions
from rarelog_ingest import domain as ingest
from rarelog_kit.serde import AvroCatalog
from rarelog_pseudonymizer import domain as pseudonymizer
from rarelog_pseudonymizer.keys import PseudonymKey
from rarelog_reconciler import domain as reconciler

CATALOG = AvroCatalog()
KEY = PseudonymKey(b"bench-key-not-a-secret-0123456789abcdef")
RECEIVED_MS = 1_780_358_400_000  # 2026-06-02: after every date the cohort holds (reference day 2026-06-01)
TODAY = date(2026, 6, 1)


def stage_inputs(records: int, seed: int = 7) -> dict[str, list[tuple[bytes, bytes]]]:
    """(key, value) lists: the input of ingest, pseudonymizer, reconciler and registry-store."""
    schema = CATALOG.expanded("Submission")
    out: dict[str, list[tuple[bytes, bytes]]] = {"ingest": [], "pseudonymizer": [], "reconciler": [],
                                                 "registry-store": []}
    index = reconciler.LinkageIndex()
    patients = max(1, int(records / 1.35))
    for i, (submission, _) in enumerate(submissions(CohortSpec(patients, 40, seed))):
        if i == records:
            break
        key = f"{submission['centre_id']}:{submission['local_record_id']}".encode()
        out["ingest"].append((key, json.dumps(submission, ensure_ascii=False).encode()))
        decided = ingest.decide(ingest.from_json(json.loads(json.dumps(submission))), schema,
                                event_id=f"e{i}", received_at_ms=RECEIVED_MS, today=TODAY)
        if not isinstance(decided, ingest.Accepted):
            continue
        out["pseudonymizer"].append((key, CATALOG.encode("CanonicalRecord", decided.record)))
        pseudo = pseudonymizer.pseudonymise(KEY, decided.record, f"p{i}")
        out["reconciler"].append((pseudo["record_key"].encode(), CATALOG.encode("PseudonymisedRecord", pseudo)))
        decision = reconciler.reconcile(index, pseudo, i, f"r{i}")
        for change in decision.changes:
            index.apply(change)
        for name, event in decision.events:
            out["registry-store"].append((event["patient_id"].encode(), CATALOG.encode(name, event)))
    return out

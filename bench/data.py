"""What each stage reads and writes, built from a synthetic cohort with the services' own domain
code (so every stage sees what it would see in production), cached between runs.

For each stage: its input messages and, per input, the outputs the stage writes for it (Kafka
messages, or warehouse rows for registry-store). The raw baselines replay those outputs without
the stage's work, so a stage and its baseline move the same bytes.
"""
from __future__ import annotations

import hashlib
import json
import pickle
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rarelog.cohort.generator import CohortSpec, submissions
from rarelog_ingest import domain as ingest
from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topics import (INTAKE_RECORDS, INTAKE_SUBMISSIONS, PATIENT_EVENTS, PSEUDONYMIZED_RECORDS,
                                RECONCILER_CHANGELOG, dlq)
from rarelog_pseudonymizer import domain as pseudonymizer
from rarelog_pseudonymizer.keys import PseudonymKey
from rarelog_reconciler import changelog
from rarelog_reconciler import domain as reconciler
from rarelog_reconciler.linkage import Model
from rarelog_reconciler.state import REFIT_AT, LinkageState, initial_model
from rarelog_registry_store import domain as warehouse

CATALOG = AvroCatalog()
KEY = PseudonymKey(b"bench-key-not-a-secret-0123456789abcdef")
RECEIVED_MS = 1_780_358_400_000  # 2026-06-02: after every date the cohort holds (reference day 2026-06-01)
TODAY = date(2026, 6, 1)
ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".rarelog" / "cache" / "bench"
STAGE_TOPICS = {"ingest": INTAKE_SUBMISSIONS, "pseudonymizer": INTAKE_RECORDS,
                "reconciler": PSEUDONYMIZED_RECORDS, "registry-store": PATIENT_EVENTS}

Message = tuple[bytes, bytes]              # (key, value)
Output = tuple[str, bytes, bytes | None]   # (unprefixed topic, key, value)


@dataclass
class StageData:
    inputs: list[Message] = field(default_factory=list)
    outputs: list[list] = field(default_factory=list)  # per input: [Output] or, registry-store, [(table, row)]


@dataclass
class Workload:
    stages: dict[str, StageData]
    record_keys: list[str | None]  # per submission: the record key it stores, None if ingest refuses it


def settled_model() -> dict:
    """The shipped model marked as past its last refit point. A new registry refits by EM at
    2k, 5k, 10k and 30k records (seconds each, inside a transaction); a 20,000-record bench run
    would mostly time those, not the steady state a registry of 1.6 M patients is in."""
    model = initial_model()
    model.info["refit_point"] = float(REFIT_AT[-1])
    return model.to_dict()


def reconciler_state() -> LinkageState:
    return LinkageState(Model.from_dict(settled_model()))


def warehouse_rows(name: str, event: dict) -> list[tuple[str, tuple]]:
    """The record, diagnosis and clinical rows the sink writes for one record event (the same
    function the sink uses); linkage events write a row or two of their own, left out."""
    if name not in warehouse.RECORD_EVENTS:
        return []
    record, diagnoses, clinical = warehouse.record_rows(name, event)
    return [("record", record), *(("diagnosis", r) for r in diagnoses),
            *((table, r) for table, rows in clinical.items() for r in rows)]


def build(records: int, seed: int = 7) -> Workload:
    schema = CATALOG.expanded("Submission")
    stages = {stage: StageData() for stage in STAGE_TOPICS}
    keys: list[str | None] = []
    state = reconciler_state()
    patients = max(1, int(records / 1.35))
    for i, (submission, _) in enumerate(submissions(CohortSpec(patients, 40, seed))):
        if i == records:
            break
        key = f"{submission['centre_id']}:{submission['local_record_id']}".encode()
        raw = json.dumps(submission, ensure_ascii=False).encode()
        stages["ingest"].inputs.append((key, raw))
        decided = ingest.decide(ingest.from_json(json.loads(raw), schema), schema,
                                event_id=f"e{i}", received_at_ms=RECEIVED_MS, today=TODAY)
        if not isinstance(decided, ingest.Accepted):
            stages["ingest"].outputs.append([(dlq(INTAKE_SUBMISSIONS), key, raw)])
            keys.append(None)
            continue
        canonical = CATALOG.encode("CanonicalRecord", decided.record)
        stages["ingest"].outputs.append([(INTAKE_RECORDS, key, canonical)])
        stages["pseudonymizer"].inputs.append((key, canonical))
        pseudo = pseudonymizer.pseudonymise(KEY, decided.record, f"p{i}")
        keys.append(pseudo["record_key"])
        encoded = (pseudo["record_key"].encode(), CATALOG.encode("PseudonymisedRecord", pseudo))
        stages["pseudonymizer"].outputs.append([(PSEUDONYMIZED_RECORDS, *encoded)])
        stages["reconciler"].inputs.append(encoded)
        decision = reconciler.reconcile(state, pseudo, i, f"r{i}")  # applies its own changes
        outs: list[Output] = []
        for name, event in decision.events:
            message = (event["patient_id"].encode(), CATALOG.encode(name, event))
            outs.append((PATIENT_EVENTS, *message))
            stages["registry-store"].inputs.append(message)
            # rows of the event as the sink reads it back (with the schema's defaults filled in)
            stages["registry-store"].outputs.append(warehouse_rows(name, CATALOG.decode(message[1]).value))
        outs += [(RECONCILER_CHANGELOG, *changelog.to_message(CATALOG, c)) for c in decision.changes]
        stages["reconciler"].outputs.append(outs)
    return Workload(stages, keys)


# Modules that move messages rather than make them: editing them leaves the cached data valid.
TRANSPORT = {"entrypoint.py", "bootstrap.py", "settings.py", "kafka_loop.py", "sink_loop.py", "health.py",
             "runner.py", "logs.py", "topic_reader.py", "checkpoint.py"}


def fingerprint(*makers: Path) -> str:
    """Of the schemas and code the data is made with (and of `makers`, the bench modules making
    it): a change makes a new cache entry."""
    digest = hashlib.sha256()
    for folder in ("schemas/avro", "services", "src/rarelog/cohort", "kit/rarelog_kit"):
        for path in sorted((ROOT / folder).rglob("*")):
            if (path.suffix in (".py", ".avsc", ".json", ".csv") and "tests" not in path.parts
                    and path.name not in TRANSPORT):
                digest.update(path.relative_to(ROOT).as_posix().encode() + path.read_bytes())
    for maker in (Path(__file__), *makers):
        digest.update(maker.read_bytes())
    return digest.hexdigest()[:12]


def workload(records: int, seed: int = 7) -> Workload:
    """`build`, pickled under .rarelog/cache/bench/ (a rerun of the same size reads it back)."""
    path = CACHE / f"workload-{records}-{seed}-{fingerprint()}.pickle"
    if path.exists():
        with open(path, "rb") as handle:
            return pickle.load(handle)
    print(f"building {records:,} submissions and every stage's messages (cached in {path.relative_to(ROOT)})…",
          file=sys.stderr, flush=True)
    made = build(records, seed)
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".tmp"), "wb") as handle:
        pickle.dump(made, handle, protocol=5)
    path.with_suffix(".tmp").rename(path)
    return made


def mean_bytes(messages: list[Message]) -> float:
    return sum(len(v) for _, v in messages) / max(len(messages), 1)

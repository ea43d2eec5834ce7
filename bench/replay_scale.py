"""`rarelog replay` throughput against a raw COPY of the same rows into the same PostgreSQL.

Run from the repository root (embedded stack up):
    .venv/bin/python -m bench.replay_scale [--patients 20000]

Patient events are made without the services: generated submissions → ingest's decision →
the pseudonymizer → RecordLinked with the generator's true patient (as the registry-store tests
do), plus 2 % withdrawals and a merge every 500 records, produced to a one-partition topic of
its own. Timed: the bulk replay (Kafka read, Avro decode, fold, COPY into a migrated schema pair
with its keys and indexes, patient INSERT…SELECT, commit), then the same rows COPY'd into bare
tables (`LIKE`, no key, no index) in one transaction. Figures on stdout and in
bench/results/replay-scale.md.
"""
from __future__ import annotations

import argparse
import json
import resource
import time
import uuid
from pathlib import Path

import psycopg
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from rarelog.cohort.generator import CohortSpec, generate
from rarelog.stack import embedded_env
from rarelog_ingest import domain as ingest
from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topics import PATIENT_EVENTS
from rarelog_pseudonymizer import domain as pseudonymizer
from rarelog_pseudonymizer.keys import PseudonymKey
from rarelog_registry_store import domain
from rarelog_registry_store.clinical_rows import TABLES
from rarelog_registry_store.replay import MATCH_COLUMNS, Progress, fold, read_events, replay

KEY = PseudonymKey(b"replay-bench-key-".ljust(32, b"x"))
LINKED = ("record_key", "centre_id", "received_at", "birth_year_month", "sex", "vital_status", "diagnoses",
          "is_foetus", "birth_area", "residence_departement", "clinical")
RESULTS = Path(__file__).resolve().parent / "results" / "replay-scale.md"
NATIONAL = 1_600_000


def patient_events(patients: int, centres: int, seed: int):
    """(schema name, value) in log order."""
    spec, schema, t0 = CohortSpec(patients, centres, seed), AvroCatalog().expanded("Submission"), 1_780_000_000_000
    for version, g in enumerate(generate(spec), start=1):
        s = ingest.from_json(json.loads(json.dumps(g.submission, ensure_ascii=False)))
        decided = ingest.decide(s, schema, event_id=f"in-{version}", received_at_ms=t0 + version,
                                today=spec.reference_day)
        if not isinstance(decided, ingest.Accepted):
            continue
        r = pseudonymizer.pseudonymise(KEY, decided.record, f"ps-{version}")
        e = {"event_id": f"rl-{version}", "patient_id": f"P{g.patient}", "record_version": version,
             "link_rule": "exact-pseudonym" if g.copy else "new-patient", "match_probability": None,
             **{k: r[k] for k in LINKED}}
        yield "RecordLinked", e
        if version % 50 == 0:
            yield "RecordWithdrawn", {"event_id": f"wd-{version}", "patient_id": e["patient_id"],
                                      "record_key": e["record_key"], "centre_id": e["centre_id"],
                                      "received_at": t0 + version, "record_version": version + 1,
                                      "reason": "WITHDRAW"}
        if version % 500 == 0 and g.patient > 1:
            yield "PatientsMerged", {"event_id": f"mg-{version}", "patient_id": e["patient_id"],
                                     "merged_patient_id": f"P{g.patient - 1}", "record_keys": [],
                                     "cause": "review-accepted", "review_id": None, "reviewer": "bench",
                                     "decided_at": t0 + version}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=20_000)
    ap.add_argument("--centres", type=int, default=60)
    args = ap.parse_args()
    env = embedded_env()
    url, client = env["DATABASE_URL"], {"bootstrap.servers": env["KAFKA_BOOTSTRAP_SERVERS"]}
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    topic, catalog = prefix + PATIENT_EVENTS, AvroCatalog()
    admin = AdminClient(client)
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result()
    registry, analytics, scratch = f"{prefix[:-1]}_registry", f"{prefix[:-1]}_analytics", f"{prefix[:-1]}_scratch"
    try:
        t = time.monotonic()
        producer, n = Producer({**client, "linger.ms": 50}), 0
        for name, value in patient_events(args.patients, args.centres, 2026):
            producer.produce(topic, catalog.encode(name, value), value["patient_id"].encode())
            producer.poll(0)
            n += 1
        producer.flush()
        print(f"made and produced {n:,} events in {time.monotonic() - t:.0f} s")

        t = time.monotonic()
        result = replay(url, client, topic, registry, analytics, group=f"{prefix}rarelog-registry-store")
        replay_s = time.monotonic() - t  # migrations included
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        # The same rows again, in memory (not timed), then COPY'd into bare tables.
        projection, _, _, _ = fold(read_events(client, topic), catalog, Progress(None))
        tables = {"record": (domain.RECORD_COLUMNS, list(projection.record_rows())),
                  "diagnosis": (domain.DIAGNOSIS_COLUMNS, list(projection.child_rows("diagnosis"))),
                  **{t_: (c, list(projection.child_rows(t_))) for t_, c in TABLES.items()},
                  "possible_match": (MATCH_COLUMNS, []),
                  "patient_link_event": (domain.LINK_EVENT_COLUMNS, list(projection.journal.values()))}
        with psycopg.connect(url) as conn:
            conn.execute(f"CREATE SCHEMA {scratch}")
            for table in (*tables, "patient"):
                conn.execute(f"CREATE TABLE {scratch}.{table} (LIKE {registry}.{table})")
            patients = conn.execute(f"SELECT * FROM {registry}.patient").fetchall()
        rows = sum(len(r) for _, r in tables.values()) + len(patients)
        t = time.monotonic()
        with psycopg.connect(url) as conn, conn.cursor() as cur:
            for table, (columns, table_rows) in [*tables.items(), ("patient", (None, patients))]:
                cols = f" ({', '.join(columns)})" if columns else ""
                with cur.copy(f"COPY {scratch}.{table}{cols} FROM STDIN") as cp:
                    for row in table_rows:
                        cp.write_row(row)
        copy_s = time.monotonic() - t
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            for schema in (scratch, analytics, f"{registry}_omop", registry):
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.delete_topics([topic])

    events_per_patient = result.events / args.patients
    lines = [
        f"# Replay scale ({args.patients:,} patients, {result.events:,} events, {result.rows:,} rows)", "",
        "| | seconds | events/s | rows/s |", "|---|---:|---:|---:|",
        f"| replay (read + decode + fold {result.read_seconds:.1f} s, write {result.write_seconds:.1f} s, "
        f"migrations included) | {replay_s:.1f} | {result.events / replay_s:,.0f} | {result.rows / replay_s:,.0f} |",
        f"| raw COPY of the same {rows:,} rows into bare tables | {copy_s:.1f} | | {rows / copy_s:,.0f} |", "",
        f"Replay at **{copy_s / replay_s:.0%}** of the raw COPY rate. Peak RSS {rss_mb:,.0f} MB "
        f"({rss_mb * 1024 / args.patients:.1f} kB a patient).", "",
        f"Extrapolated to {NATIONAL:,} patients ({events_per_patient:.2f} events a patient): replay "
        f"{NATIONAL * events_per_patient / (result.events / replay_s) / 60:,.0f} min, raw COPY "
        f"{NATIONAL * rows / args.patients / (rows / copy_s) / 60:,.0f} min, "
        f"memory ~{rss_mb * NATIONAL / args.patients / 1024:,.1f} GB.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

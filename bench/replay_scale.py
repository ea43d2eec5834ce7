"""`rarelog replay` throughput against a raw COPY of the same rows into the same PostgreSQL.

Run from the repository root (embedded stack up):
    .venv/bin/python -m bench.replay_scale [--patients 20000]

Patient events are made without the services (bench/replay_data.py, cached in
.rarelog/cache/bench/, shared with `make bench`'s replay): generated submissions → ingest's
decision → the pseudonymizer → RecordLinked with the generator's true patient, plus 2 %
withdrawals and a merge every 500 records, produced to a one-partition topic of its own.
Timed: the bulk replay (Kafka read, Avro decode, fold, COPY into a migrated schema pair with its
keys and indexes, patient INSERT…SELECT, commit), then the same rows COPY'd into bare tables
(`LIKE`, no key, no index) in one transaction. Figures on stdout and in
bench/results/replay-scale.md.
"""
from __future__ import annotations

import argparse
import resource
import time
import uuid
from pathlib import Path

import psycopg
from confluent_kafka.admin import AdminClient, NewTopic

from rarelog.stack import embedded_env
from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topics import PATIENT_EVENTS
from rarelog_registry_store import domain
from rarelog_registry_store.clinical_rows import TABLES
from rarelog_registry_store.replay import MATCH_COLUMNS, Progress, fold, read_events, replay

from .harness import produce
from .replay_data import read_frames
from .replay_data import registry as cached_registry

RESULTS = Path(__file__).resolve().parent / "results" / "replay-scale.md"
NATIONAL = 1_600_000


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
        made = cached_registry(args.patients, args.centres)
        produce(env["KAFKA_BOOTSTRAP_SERVERS"], topic, read_frames(made.events_file))
        print(f"produced {made.events:,} events in {time.monotonic() - t:.0f} s")

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

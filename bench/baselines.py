"""Raw baselines of this machine, measured in the same run as the stages: what the libraries and
servers do with the stages' own messages and rows when no stage logic runs."""
from __future__ import annotations

import io
import statistics
import time
import uuid
from contextlib import contextmanager
from typing import Iterator

import fastavro
import psycopg
from confluent_kafka import Consumer, TopicPartition

from rarelog_kit.serde import AvroCatalog
from rarelog_registry_store.clinical_rows import TABLES as CLINICAL_TABLES
from rarelog_registry_store.domain import DIAGNOSIS_COLUMNS, RECORD_COLUMNS
from rarelog_registry_store.migrations import migrate

COLUMNS = {"record": RECORD_COLUMNS, "diagnosis": DIAGNOSIS_COLUMNS, **CLINICAL_TABLES}
SINK_BATCH = 2000  # registry-store's RARELOG_BATCH_SIZE default


def _per_cpu_second(fn, items) -> float:
    """Items per second of this process's CPU time: the work is CPU-bound and in-process, and CPU
    time does not count the moments another process on the shared machine has the core."""
    start = time.process_time()
    for item in items:
        fn(item)
    return len(items) / (time.process_time() - start)


def avro_rates(catalog: AvroCatalog, name: str, values: list[bytes], rounds: int = 3) -> dict[str, float]:
    """Records per CPU second of one schema, over the stages' real messages of that schema:
    - fastavro: schemaless_writer / schemaless_reader called directly with the parsed schema;
      the writer is given the value with every nullable record union's branch named, as the kit
      gives it (the bytes are the same);
    - fastavro_unnamed: the writer given the plain value: fastavro then finds each union's branch
      by validating the value against it, the whole sub-tree at every level (what the earlier
      baseline measured);
    - kit: AvroCatalog.encode (names the branches, writes the header) and .decode (header
      lookup, reader, trailing-bytes check).
    The five are measured in turn, `rounds` times, and each one's median kept: a burst of load
    then weighs on one round of each rather than on one of them."""
    schema = catalog.schema(name)
    bodies = [v[10:] for v in values]  # after the single-object header
    plain = [catalog.decode(v).value for v in values]
    catalog.encode(name, plain[0])  # compiles the branch annotator
    annotate = catalog._annotators[name] or (lambda v: v)
    named = [annotate(v) for v in plain]
    measures = {
        "fastavro_encode": (lambda v: fastavro.schemaless_writer(io.BytesIO(), schema, v), named),
        "fastavro_encode_unnamed": (lambda v: fastavro.schemaless_writer(io.BytesIO(), schema, v), plain),
        "kit_encode": (lambda v: catalog.encode(name, v), plain),
        "fastavro_decode": (lambda b: fastavro.schemaless_reader(io.BytesIO(b), schema, None), bodies),
        "kit_decode": (catalog.decode, values),
    }
    runs: dict[str, list[float]] = {k: [] for k in measures}
    for _ in range(rounds):
        for key, (fn, items) in measures.items():
            runs[key].append(_per_cpu_second(fn, items))
    return {k: statistics.median(v) for k, v in runs.items()}


def distinct_records(rows_per_event: list[list[tuple[str, tuple]]]) -> list[list[tuple[str, tuple]]]:
    """The rows of each event, without the rows of a record already written by an earlier event
    (a plain COPY cannot replace a row; the stage's upsert does)."""
    seen: set[str] = set()
    out = []
    for rows in rows_per_event:
        key = next((row[0] for table, row in rows if table == "record"), None)
        if key is None or key in seen:
            out.append([])
            continue
        seen.add(key)
        out.append(rows)
    return out


@contextmanager
def warehouse_tables(database_url: str) -> Iterator[str]:
    """A warehouse schema of its own, made by the registry-store's migrations (the same keys,
    indexes and foreign keys); dropped afterwards."""
    schema = f"bench_copy_{uuid.uuid4().hex[:8]}"
    migrate(database_url, schema, schema + "_views")
    try:
        yield schema
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            for name in (schema + "_views", schema + "_omop", schema):
                conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def _copy(cur: psycopg.Cursor, schema: str, rows_per_event: list[list[tuple[str, tuple]]]) -> int:
    by_table: dict[str, list[tuple]] = {}
    for rows in rows_per_event:
        for table, row in rows:
            by_table.setdefault(table, []).append(row)
    for table in COLUMNS:  # record first: the others reference it
        if by_table.get(table):
            with cur.copy(f"COPY {schema}.{table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
                for row in by_table[table]:
                    copy.write_row(row)
    return sum(len(r) for r in by_table.values())


def _empty(conn: psycopg.Connection, schema: str) -> None:
    conn.execute(f"TRUNCATE {', '.join(f'{schema}.{t}' for t in COLUMNS)} CASCADE")
    conn.commit()


def copy_rate(database_url: str, schema: str, rows_per_event: list[list[tuple[str, tuple]]]) -> float:
    """Events per second: COPY of the rows the sink writes for them (record, diagnosis and
    clinical tables), in one transaction, into the warehouse's own tables."""
    with psycopg.connect(database_url) as conn:
        _empty(conn, schema)
        start = time.perf_counter()
        with conn.cursor() as cur:
            _copy(cur, schema, rows_per_event)
        conn.commit()
        return len(rows_per_event) / (time.perf_counter() - start)


def raw_sink_rate(database_url: str, schema: str, bootstrap: str, topic: str,
                  rows_per_event: list[list[tuple[str, tuple]]], catalog: AvroCatalog) -> float:
    """Events per second of the registry-store's physical work without its logic: consume the
    patient events (read_committed), decode each with the kit, COPY the rows they make (computed
    beforehand) and commit, per batch of the sink's size. One partition: offset i is event i."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-raw-sink-{uuid.uuid4().hex}",
                         "enable.auto.commit": False, "isolation.level": "read_committed"})
    with psycopg.connect(database_url) as conn:
        _empty(conn, schema)
        start = time.perf_counter()
        consumer.assign([TopicPartition(topic, 0, -2)])
        done, deadline = 0, time.monotonic() + 300
        with conn.cursor() as cur:
            while done < len(rows_per_event) and time.monotonic() < deadline:
                batch = [m for m in consumer.consume(SINK_BATCH, 0.5) if m.error() is None]
                for m in batch:
                    catalog.decode(m.value())
                _copy(cur, schema, [rows_per_event[m.offset()] for m in batch])
                conn.commit()
                done += len(batch)
        elapsed = time.perf_counter() - start
    consumer.close()
    return done / elapsed

"""Raw baselines of this machine, measured in the same run as the stages."""
from __future__ import annotations

import io
import time
import uuid

import fastavro
import psycopg

from .data import CATALOG


def avro_rates(values: list[bytes]) -> tuple[float, float]:
    """Decode then re-encode the same records with fastavro alone: records per second each way."""
    decoded = [CATALOG.decode(v) for v in values]
    schemas = {d.schema_name: CATALOG.schema(d.schema_name) for d in decoded}
    start = time.perf_counter()
    for v in values:
        fastavro.schemaless_reader(io.BytesIO(v[10:]), schemas[decoded[0].schema_name], None)
    decode = len(values) / (time.perf_counter() - start)
    start = time.perf_counter()
    for d in decoded:
        fastavro.schemaless_writer(io.BytesIO(), schemas[d.schema_name], d.value)
    encode = len(values) / (time.perf_counter() - start)
    return encode, decode


def copy_rate(database_url: str, rows: int) -> float:
    """COPY of warehouse-like record rows (16 columns) into a fresh table with a primary key."""
    table = f"bench_copy_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url) as conn:
        conn.execute(f"CREATE TEMP TABLE {table} (record_key text PRIMARY KEY, patient_id text, centre_id text, "
                     "record_version bigint, received_at timestamptz, link_rule text, birth_year_month text, "
                     "sex text, deceased boolean, death_year int, death_month int, death_day int, "
                     "death_due boolean, withdrawn boolean, withdrawal_reason text, last_event_id text)")
        data = [(f"{i:032x}", f"P{i // 2:016d}", "S001", i, "2026-06-01T00:00:00Z", "new-patient", "2011-04",
                 "F", False, None, None, None, None, False, None, f"e{i}") for i in range(rows)]
        start = time.perf_counter()
        with conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:
            for row in data:
                copy.write_row(row)
        conn.commit()
        return rows / (time.perf_counter() - start)

"""Writes row changes into PostgreSQL, inside the sink's transaction."""
from __future__ import annotations

import psycopg

from .domain import DIAGNOSIS_COLUMNS, RECORD_COLUMNS, RowChanges


def write(conn: psycopg.Connection, schema: str, changes: RowChanges) -> None:
    if not changes.records:
        return
    keys = list(changes.records)
    with conn.cursor() as cur:
        # Patients the records leave must be recomputed too.
        cur.execute(f"SELECT DISTINCT patient_id FROM {schema}.record WHERE record_key = ANY(%s)", (keys,))
        patients = changes.patients | {r[0] for r in cur.fetchall()}
        columns = ", ".join(RECORD_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in RECORD_COLUMNS[1:])
        cur.executemany(
            f"INSERT INTO {schema}.record ({columns}) VALUES ({', '.join(['%s'] * len(RECORD_COLUMNS))}) "
            f"ON CONFLICT (record_key) DO UPDATE SET {updates} "
            f"WHERE {schema}.record.record_version <= excluded.record_version",
            list(changes.records.values()))
        # Replace the diagnoses of the records whose upsert won (an older version loses).
        cur.execute(f"SELECT record_key FROM {schema}.record WHERE record_key = ANY(%s) AND last_event_id = ANY(%s)",
                    (keys, [row[-1] for row in changes.records.values()]))
        applied = [r[0] for r in cur.fetchall()]
        cur.execute(f"DELETE FROM {schema}.diagnosis WHERE record_key = ANY(%s)", (applied,))
        rows = [row for key in applied for row in changes.diagnoses.get(key, [])]
        if rows:
            with cur.copy(f"COPY {schema}.diagnosis ({', '.join(DIAGNOSIS_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        refresh_patients(cur, schema, sorted(patients))


def refresh_patients(cur: psycopg.Cursor, schema: str, patients: list[str]) -> None:
    cur.execute(f"DELETE FROM {schema}.patient WHERE patient_id = ANY(%s)", (patients,))
    cur.execute(
        f"INSERT INTO {schema}.patient (patient_id, sex, birth_year_month, deceased, record_count, centre_count, "
        "first_received_at) "
        "SELECT patient_id, mode() WITHIN GROUP (ORDER BY sex), min(birth_year_month), bool_or(deceased), "
        "count(*), count(DISTINCT centre_id), min(received_at) "
        f"FROM {schema}.record WHERE patient_id = ANY(%s) AND NOT withdrawn GROUP BY patient_id",
        (patients,))

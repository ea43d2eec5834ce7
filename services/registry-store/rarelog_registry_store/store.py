"""Writes a batch's steps into PostgreSQL, in their order, inside the sink's transaction."""
from __future__ import annotations

import psycopg

from . import clinical_store, death_store, erasure_store, linkage_store
from .domain import DIAGNOSIS_COLUMNS, RECORD_COLUMNS, DeathsVerified, Erasure, RowChanges, Step

_EVENT = RECORD_COLUMNS.index("last_event_id")
_WITHDRAWN = RECORD_COLUMNS.index("withdrawn")


def write(conn: psycopg.Connection, schema: str, steps: list[Step]) -> None:
    touched: set[str] = set()
    with conn.cursor() as cur:
        for step in steps:
            if isinstance(step, RowChanges):
                touched |= write_records(cur, schema, step)
            elif isinstance(step, DeathsVerified):
                touched |= death_store.write(cur, schema, step)
            elif isinstance(step, Erasure):
                touched |= erasure_store.erase(cur, schema, step)
            else:
                touched |= linkage_store.apply(cur, schema, step)
        # Patient rows derive from the batch's end state, so each is rewritten once, at the end.
        if touched:
            refresh_patients(cur, schema, sorted(touched))


def write_records(cur: psycopg.Cursor, schema: str, changes: RowChanges) -> set[str]:
    """Upserts a run of records; returns the patients they join or leave."""
    if not changes.records:
        return set()
    keys = list(changes.records)
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
                (keys, [row[_EVENT] for row in changes.records.values()]))
    applied = [r[0] for r in cur.fetchall()]
    cur.execute(f"DELETE FROM {schema}.diagnosis WHERE record_key = ANY(%s)", (applied,))
    rows = [row for key in applied for row in changes.diagnoses.get(key, [])]
    if rows:
        with cur.copy(f"COPY {schema}.diagnosis ({', '.join(DIAGNOSIS_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    clinical_store.replace(cur, schema, applied, changes.clinical)
    # A withdrawal erases the record's data key: the verified deaths sealed with it go too, as a
    # replay, unable to open them, would leave them out (sealed.py).
    withdrawn = [key for key in applied if changes.records[key][_WITHDRAWN]]
    if withdrawn:
        cur.execute(f"DELETE FROM {schema}.death_verified WHERE record_key = ANY(%s)", (withdrawn,))
    return patients


def refresh_patients(cur: psycopg.Cursor, schema: str, patients: list[str]) -> None:
    """A patient without active records has no row (a merged-away patient disappears); one that is
    the provisional side of a pending possible match is flagged provisional."""
    cur.execute(f"DELETE FROM {schema}.patient WHERE patient_id = ANY(%s)", (patients,))
    cur.execute(patients_sql(schema, "r.patient_id = ANY(%s) AND "), (patients,))


def patients_sql(schema: str, where: str = "") -> str:
    """INSERT…SELECT of patient rows; `where` narrows the records (the bulk replay builds all)."""
    return (f"INSERT INTO {schema}.patient (patient_id, sex, birth_year_month, deceased, record_count, centre_count, "
            "first_received_at, provisional) "
            "SELECT r.patient_id, mode() WITHIN GROUP (ORDER BY r.sex), min(r.birth_year_month), bool_or(r.deceased), "
            "count(*), count(DISTINCT r.centre_id), min(r.received_at), "
            f"EXISTS (SELECT 1 FROM {schema}.possible_match m WHERE m.patient_id = r.patient_id AND m.status = 'pending') "
            f"FROM {schema}.record r WHERE {where}NOT r.withdrawn GROUP BY r.patient_id")


def lock_warehouse(conn: psycopg.Connection, schema: str) -> None:
    """Held by every sink transaction until it commits, and by the replay's switch: a batch
    waits while the schemas are renamed, then writes into the schema now bearing the name."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"rarelog-warehouse {schema}",))

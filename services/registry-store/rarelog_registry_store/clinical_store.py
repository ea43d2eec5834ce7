"""Writes the clinical row tables of the records whose upsert won: a record's rows are deleted
and copied afresh, as its diagnoses are, so the tables always show its latest version."""
from __future__ import annotations

import psycopg

from .clinical_rows import TABLES


def replace(cur: psycopg.Cursor, schema: str, applied: list[str], clinical: dict[str, dict[str, list[tuple]]]) -> None:
    """`applied`: the records whose upsert won; a withdrawn one maps to no rows and loses them."""
    if not applied:
        return
    for table, columns in TABLES.items():
        cur.execute(f"DELETE FROM {schema}.{table} WHERE record_key = ANY(%s)", (applied,))
        rows = [row for key in applied for row in clinical.get(key, {}).get(table, [])]
        if rows:
            with cur.copy(f"COPY {schema}.{table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

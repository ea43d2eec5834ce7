"""Writes verified deaths: an upsert keyed by death_id, so a replayed or re-delivered event
changes nothing and a later event of the same death_id rewrites its row (as the bulk replay's
fold keeps the last)."""
from __future__ import annotations

import psycopg

from .death_rows import DEATH_COLUMNS, DeathsVerified


def write(cur: psycopg.Cursor, schema: str, step: DeathsVerified) -> set[str]:
    updates = ", ".join(f"{c} = excluded.{c}" for c in DEATH_COLUMNS[1:])
    cur.executemany(
        f"INSERT INTO {schema}.death_verified ({', '.join(DEATH_COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(DEATH_COLUMNS))}) ON CONFLICT (death_id) DO UPDATE SET {updates}",
        list(step.rows.values()))
    return step.patients

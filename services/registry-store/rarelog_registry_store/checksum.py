"""Per-table checksums of a warehouse, computed in SQL: md5 over the md5 of each row, rows in
primary-key order, columns by name (so two schemas built by other migration histories compare).
Columns that record when something happened to the database, not what the log says, are left
out: `quarantined_event.quarantined_at`, `erasure_audit.applied_at`; and `schema_migration` is
not compared."""
from __future__ import annotations

import psycopg

VOLATILE = {"quarantined_event": {"quarantined_at"}, "erasure_audit": {"applied_at"}}
SKIPPED = {"schema_migration"}


def table_checksums(conn: psycopg.Connection, schema: str) -> dict[str, tuple[int, str]]:
    """table → (row count, checksum) for every base table of `schema`."""
    tables = [t for (t,) in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE' "
        "ORDER BY table_name", (schema,)) if t not in SKIPPED]
    out = {}
    for table in tables:
        columns = [c for (c,) in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
            "ORDER BY column_name", (schema, table)) if c not in VOLATILE.get(table, set())]
        key = [c for (c,) in conn.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary "
            "ORDER BY array_position(i.indkey::int2[], a.attnum)", (f"{schema}.{table}",))]
        row = f"ROW({', '.join(columns)})::text"
        order = ", ".join(key) or row
        count, digest = conn.execute(
            f"SELECT count(*), md5(coalesce(string_agg(md5({row}), '' ORDER BY {order}), '')) "
            f"FROM {schema}.{table}").fetchone()
        out[table] = (count, digest)
    return out


def compare(database_url: str, *schemas: str) -> tuple[list[tuple[str, list]], bool]:
    """One line per table: (table, [(count, checksum) or None per schema]); and whether all agree."""
    with psycopg.connect(database_url) as conn:
        sums = [table_checksums(conn, s) for s in schemas]
    tables = sorted(set().union(*sums))
    lines = [(t, [s.get(t) for s in sums]) for t in tables]
    return lines, all(len(set(v)) == 1 for _, v in lines)

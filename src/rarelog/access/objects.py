"""The SQL objects of study access: the private schema, the cohort view and each study's views.

Views are bound to the tables they read, not to their names (as the analytics views): after a
replay switches the warehouse pair, the study views would go on reading the old pair, and a
`--drop-old` drops them with it. `rebuild` therefore re-creates the cohort view and every active
study's views over the live schemas; grant and `rarelog access refresh` call it, `health` tells.
"""
from __future__ import annotations

from importlib import resources

import psycopg

from rarelog.access.request import AccessError, schema_of


def sql_text(name: str) -> str:
    return (resources.files(__package__) / "sql" / name).read_text(encoding="utf-8")


def ensure(conn: psycopg.Connection, access: str) -> None:
    """The private schema, its tables and functions (idempotent), under the access lock: two
    commands at once must not both grant the same study."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('rarelog-access'))")
    # Dropping a study's views waits for the analysts' open transactions; say so instead of hanging.
    conn.execute("SET LOCAL lock_timeout = '10s'")
    conn.execute(sql_text("access.sql").format(access=access))


def check_warehouse(conn: psycopg.Connection, registry: str) -> None:
    if conn.execute("SELECT to_regclass(%s)", (f"{registry}.record",)).fetchone()[0] is None:
        raise AccessError(f"no warehouse in schema {registry}: run `rarelog migrate` (or start registry-store) first")
    if not conn.execute("SELECT has_table_privilege(%s, 'SELECT')", (f"{registry}.record",)).fetchone()[0]:
        raise AccessError(f"{conn.info.user} may not read {registry}: run the access commands as the warehouse's owner "
                          "(the services' database user), whose rights the study views use")


def rebuild(conn: psycopg.Connection, registry: str, access: str) -> list[str]:
    """(Re)create the cohort view and the views of every active study over `registry`; returns
    the studies. CREATE OR REPLACE keeps the views' grants; the grants are repeated all the same
    for views a cascade had dropped."""
    check_warehouse(conn, registry)
    crypto = conn.execute("SELECT extnamespace::regnamespace::text FROM pg_extension "
                          "WHERE extname = 'pgcrypto'").fetchone()[0]
    conn.execute(sql_text("cohort.sql").format(access=access, registry=registry, crypto=crypto))
    studies = conn.execute(f"SELECT study, tables FROM {access}.study_grant WHERE status = 'active' "
                           "ORDER BY study").fetchall()
    for study, tables in studies:
        name = schema_of(study)
        for table in tables:
            conn.execute(sql_text(f"views/{table}.sql").format(schema=name, study=study, access=access,
                                                               registry=registry))
        conn.execute(f"GRANT SELECT ON {', '.join(f'{name}.{t}' for t in tables)} TO {name}")
    return [s for s, _ in studies]


def health(conn: psycopg.Connection, registry: str, access: str) -> list[str]:
    """What makes the study views wrong: missing (dropped with an old warehouse) or reading a
    schema other than the live `registry` (a replay switched since the last rebuild)."""
    if conn.execute("SELECT to_regclass(%s)", (f"{access}.study_grant",)).fetchone()[0] is None:
        return []
    active = conn.execute(f"SELECT study, tables FROM {access}.study_grant WHERE status = 'active'").fetchall()
    if not active:
        return []
    problems = []
    read = {r[0] for r in conn.execute(
        """SELECT DISTINCT n.nspname FROM pg_rewrite rw
           JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                           AND d.refclassid = 'pg_class'::regclass
           JOIN pg_class c ON c.oid = d.refobjid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE rw.ev_class = to_regclass(%s) AND n.nspname NOT IN (%s, 'pg_catalog')""",
        (f"{access}.study_cohort", access))}
    if not read:
        problems.append(f"the cohort view {access}.study_cohort is missing")
    elif read != {registry}:
        problems.append(f"the study views read {', '.join(sorted(read))}, not the live warehouse {registry}")
    for study, tables in active:
        missing = [t for t in tables
                   if conn.execute("SELECT to_regclass(%s)", (f"{schema_of(study)}.{t}",)).fetchone()[0] is None]
        if missing:
            problems.append(f"study {study} lacks its view(s) {', '.join(missing)}")
    return problems

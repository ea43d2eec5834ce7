"""Database migrations: numbered SQL files applied once each, in order, in one transaction."""
from __future__ import annotations

from importlib import resources

import psycopg

from rarelog_kit.sink_loop import OFFSETS_DDL

from . import omop, reference_store


def migration_files() -> list[tuple[str, str]]:
    folder = resources.files(__package__) / "sql"
    return sorted((f.name, f.read_text()) for f in folder.iterdir() if f.name.endswith(".sql"))


def migrate(database_url: str, registry: str = "registry", analytics: str = "analytics") -> list[str]:
    """Apply what is missing; returns the names applied. Safe to run concurrently (advisory lock)."""
    applied: list[str] = []
    with psycopg.connect(database_url) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('rarelog-migrate'))")
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {registry}")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {registry}.schema_migration "
                     "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        conn.execute(OFFSETS_DDL.format(schema=registry))  # the sink's position, beside its rows
        done = {r[0] for r in conn.execute(f"SELECT name FROM {registry}.schema_migration")}
        for name, sql in migration_files():
            if name in done:
                continue
            conn.execute(sql.format(registry=registry, analytics=analytics, omop=omop.schema_name(registry)))
            conn.execute(f"INSERT INTO {registry}.schema_migration (name) VALUES (%s)", (name,))
            applied.append(name)
        reference_store.refresh(conn, registry)  # shipped files may change without a migration
    return applied

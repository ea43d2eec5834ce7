"""Disclosure control at start: the suppression threshold written into the warehouse (the
published views read it there), and a clear warning when the roles the grants need are missing.
The views, roles and grants themselves are in migration 007, so that every pair of schemas a
replay builds gets them too."""
from __future__ import annotations

import logging

import psycopg

ANALYST, STEWARD = "rarelog_analyst", "rarelog_steward"
log = logging.getLogger(__name__)


def write_threshold(conn: psycopg.Connection, registry: str, threshold: int) -> None:
    if threshold < 2:  # 1 would suppress nothing; the table's CHECK says the same
        raise ValueError(f"disclosure threshold {threshold}: at least 2")
    conn.execute(f"INSERT INTO {registry}.disclosure_setting (only_row, threshold) VALUES (true, %s) "
                 "ON CONFLICT (only_row) DO UPDATE SET threshold = EXCLUDED.threshold", (threshold,))


def missing_roles(conn: psycopg.Connection) -> list[str]:
    present = {r for (r,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)",
                                          ([ANALYST, STEWARD],))}
    return [r for r in (ANALYST, STEWARD) if r not in present]


def apply(database_url: str, registry: str, threshold: int) -> None:
    """After migrate(): sets the threshold; warns (and carries on) when the roles are missing,
    which happens when the service's user may not create roles."""
    with psycopg.connect(database_url) as conn:
        write_threshold(conn, registry, threshold)
        missing = missing_roles(conn)
    if missing:
        log.warning("disclosure roles missing: %s. The database user may not create roles (no CREATEROLE): "
                    "analysts cannot be kept to the published views until an operator creates them "
                    "and grants them (docs/warehouse.md, 'Disclosure control and roles')", ", ".join(missing),
                    extra={"missing_roles": missing})

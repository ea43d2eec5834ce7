"""The analysts' headline figures, printed."""
from __future__ import annotations

import psycopg


def headline(database_url: str, registry: str = "registry", analytics: str = "analytics",
             top: int = 10) -> tuple[int, int, list[tuple[str, int]]]:
    with psycopg.connect(database_url) as conn:
        patients = conn.execute(f"SELECT count(*) FROM {registry}.patient").fetchone()[0]
        records = conn.execute(f"SELECT count(*) FROM {registry}.record WHERE NOT withdrawn").fetchone()[0]
        rows = conn.execute(f"SELECT orphacode, patients FROM {analytics}.patients_by_orphacode "
                            "ORDER BY patients DESC, orphacode LIMIT %s", (top,)).fetchall()
    return patients, records, rows


def linkage_summary(database_url: str, registry: str = "registry") -> tuple[dict[str, int], int]:
    """How the records were linked (link rule → records) and the possible matches awaiting review."""
    with psycopg.connect(database_url) as conn:
        rules = dict(conn.execute(f"SELECT link_rule, count(*) FROM {registry}.record WHERE NOT withdrawn "
                                  "GROUP BY link_rule ORDER BY count(*) DESC").fetchall())
        pending = conn.execute(f"SELECT count(*) FROM {registry}.possible_match WHERE status = 'pending'").fetchone()[0]
    return rules, pending


def print_headline(database_url: str, registry: str, analytics: str, top: int) -> None:
    patients, records, rows = headline(database_url, registry, analytics, top)
    print(f"patients: {patients:,}   (active records: {records:,})")
    rules, pending = linkage_summary(database_url, registry)
    print("linked by: " + ", ".join(f"{rule} {n:,}" for rule, n in rules.items()) +
          f"
possible matches awaiting review: {pending:,} ('rarelog linkage review' lists them)")
    print(f"\n{analytics}.patients_by_orphacode (top {top})")
    print(f"  {'ORPHAcode':<14} {'patients':>9}")
    for code, count in rows:
        print(f"  {code:<14} {count:>9,}")

"""The analysts' headline figures, printed."""
from __future__ import annotations

import psycopg

from rarelog_kit.geography import departements


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
          f"\npossible matches awaiting review: {pending:,} ('rarelog linkage review' lists them)")
    with psycopg.connect(database_url) as conn:
        share = conn.execute(f"SELECT undiagnosed_share FROM {analytics}.undiagnosed_share").fetchone()[0]
        regions = conn.execute(f"SELECT region, patients FROM {analytics}.patients_by_centre_region "
                               "ORDER BY patients DESC, region LIMIT 5").fetchall()
    # The warehouse holds codes; names come from the kit's reference file.
    names = {d.region: d.region_name for d in departements().values()}
    print(f"undiagnosed (ORPHA:616874 only): {float(share or 0):.1%}\nby région of the centres: " +
          ", ".join(f"{names.get(code, 'centre not in directory')} {n:,}" for code, n in regions))
    print(f"\n{analytics}.patients_by_orphacode (top {top})")
    print(f"  {'ORPHAcode':<14} {'patients':>9}")
    for code, count in rows:
        print(f"  {code:<14} {count:>9,}")

"""Reference data in the warehouse: départements and their régions (codes) and the SDM-MR item
list, refreshed from the shipped files whenever the warehouse is migrated, and the centre
directory, loaded from a CSV file (centre_id, name, finess, departement) given by a setting or
by `python -m rarelog_registry_store.reference_store --database-url URL FILE`."""
from __future__ import annotations

import argparse
import csv
from pathlib import Path

import psycopg

from rarelog_kit.geography import departements, region_of

from .completeness import ITEMS


def refresh(conn: psycopg.Connection, registry: str) -> None:
    """Upserts the shipped reference tables (idempotent; départements are never deleted, so a
    code a newer file drops still places the records that carry it)."""
    with conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {registry}.departement (departement, region) VALUES (%s, %s) "
                        "ON CONFLICT (departement) DO UPDATE SET region = excluded.region",
                        [(d.code, d.region) for d in departements().values()])
        cur.executemany(f"INSERT INTO {registry}.sdm_item (item, item_group, ordinal) VALUES (%s, %s, %s) "
                        "ON CONFLICT (item) DO UPDATE SET item_group = excluded.item_group, ordinal = excluded.ordinal",
                        [(i.item, i.group, n) for n, i in enumerate(ITEMS, 1)])
        # An item no longer listed would show at 0 % forever: it leaves the list.
        cur.execute(f"DELETE FROM {registry}.sdm_item WHERE NOT item = ANY(%s)", ([i.item for i in ITEMS],))


def read_directory(path: Path) -> list[tuple]:
    """Rows of {registry}.centre from a directory CSV; the région follows from the département."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    missing = {"centre_id", "name", "departement"} - set(rows[0] if rows else {})
    if missing:
        raise ValueError(f"{path}: centre directory lacks columns {sorted(missing)}")
    return [(r["centre_id"], r["name"], r.get("finess") or None, r["departement"] or None,
             region_of(r["departement"])) for r in rows]


def load_centre_directory(database_url: str, path: Path, registry: str = "registry") -> int:
    """Upserts the centres of a directory file; returns how many. Centres not in the file stay."""
    rows = read_directory(Path(path))
    with psycopg.connect(database_url) as conn:
        conn.cursor().executemany(
            f"INSERT INTO {registry}.centre (centre_id, name, finess, departement, region) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (centre_id) DO UPDATE SET name = excluded.name, "
            "finess = excluded.finess, departement = excluded.departement, region = excluded.region", rows)
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load a centre directory CSV into the warehouse.")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--schema", default="registry", help="the warehouse's row-level schema")
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    print(f"loaded {load_centre_directory(args.database_url, args.file, args.schema)} centres into {args.schema}.centre")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

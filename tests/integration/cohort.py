"""A small cohort with known truth, in every encoding ingest accepts, plus invalid messages."""
from __future__ import annotations

import copy
import json
import re
import unicodedata
from dataclasses import dataclass, field

from rarelog.client import submission_key
from rarelog_ingest.domain import from_json
from rarelog_pseudonymizer.domain import record_key
from rarelog_pseudonymizer.keys import PseudonymKey
from rarelog.cohort.generator import CohortSpec, submissions
from rarelog_kit.serde import AvroCatalog

CATALOG = AvroCatalog()


def _avro_dates(submission: dict) -> dict:
    """The Avro form of a generated JSON submission (partial dates as records), as ingest reads it."""
    return from_json(copy.deepcopy(submission))


@dataclass
class Cohort:
    messages: list[tuple[bytes | None, bytes]] = field(default_factory=list)
    valid: list[tuple[dict, int]] = field(default_factory=list)       # (submission, true patient)
    withdrawn: set[tuple[str, str]] = field(default_factory=set)      # (centre, local record id)
    expected_rejects: list[str] = field(default_factory=list)         # reason codes, one per bad message
    identities: list[dict] = field(default_factory=list)

    @property
    def active(self) -> list[tuple[dict, int]]:
        return [(s, p) for s, p in self.valid if (s["centre_id"], s["local_record_id"]) not in self.withdrawn]

    def truth(self, key: PseudonymKey) -> dict[str, str]:
        """Record key → the true person, for the active records."""
        return {record_key(key, s["centre_id"], s["local_record_id"]): str(p) for s, p in self.active}

    def expected_by_orphacode(self, key: PseudonymKey, patient_of: dict[str, str]) -> dict[str, int]:
        """Patients per ORPHAcode, given each active record's patient (record key → patient)."""
        by_code: dict[str, set[str]] = {}
        for s, _ in self.active:
            patient = patient_of[record_key(key, s["centre_id"], s["local_record_id"])]
            for d in s["record"]["diagnoses"]:
                if d.get("orphacode"):
                    by_code.setdefault(d["orphacode"], set()).add(patient)
        return {code: len(ps) for code, ps in by_code.items()}


def build(patients: int, centres: int, seed: int, *, withdraw: int = 3, invalid: bool = True) -> Cohort:
    cohort = Cohort()
    for i, (s, patient) in enumerate(submissions(CohortSpec(patients, centres, seed))):
        cohort.identities.append(s["record"]["identity"])
        value = (json.dumps(s, ensure_ascii=False).encode() if i % 2 == 0
                 else CATALOG.encode("Submission", _avro_dates(s)))
        cohort.messages.append((submission_key(s), value))
        cohort.valid.append((s, patient))
    for s, _ in cohort.valid[:withdraw]:
        w = {"operation": "WITHDRAW", "centre_id": s["centre_id"], "local_record_id": s["local_record_id"]}
        cohort.messages.append((submission_key(w), json.dumps(w).encode()))
        cohort.withdrawn.add((s["centre_id"], s["local_record_id"]))
    if invalid:
        _add_invalid(cohort, cohort.valid[-1][0])
    return cohort


def _add_invalid(cohort: Cohort, template: dict) -> None:
    def bad(changes: dict, local_id: str) -> bytes:
        s = copy.deepcopy(template)
        s["local_record_id"] = local_id
        for path, value in changes.items():
            target = s
            *parents, last = path.split(".")
            for p in parents:
                target = target[int(p)] if p.isdigit() else target[p]
            target[last] = value
        cohort.identities.append(s["record"]["identity"])
        return json.dumps(s, ensure_ascii=False).encode()

    avro = CATALOG.encode("Submission", _avro_dates(template))
    cases = [
        (b"\x07not json at all", "invalid-json"),
        (b"[1, 2, 3]", "json-not-an-object"),
        (b"{\"centre_id\": \"\xff\xfe\"}", "invalid-utf8"),
        (avro[:-7], "truncated-or-corrupt-avro"),
        (b"\xc3\x01" + b"\x11" * 8 + avro[10:], "unknown-schema-fingerprint"),
        (CATALOG.encode("PartialDate", {"year": 2000, "month": None, "day": None}), "unexpected-record-type"),
        (bad({"record.diagnoses.0.orphacode": "ORPHA-558"}, "bad-1"), "orphacode-syntax"),
        (bad({"record.identity.birth_date": "2999-01-01"}, "bad-2"), "date-in-future"),
        (bad({"record.identity.sex": "X"}, "bad-3"), "not-in-value-set"),
        (bad({"centre_id": "no spaces allowed"}, "bad-4"), "centre-id-syntax"),
    ]
    for value, code in cases:
        cohort.messages.append((b"S999:bad", value))
        cohort.expected_rejects.append(code)


def death_dates(submissions: list[dict]) -> set[str]:
    """The day-precise death dates the submissions state (kept by the warehouse as dates)."""
    dates = ((s["record"].get("vital_status") or {}).get("death_date") for s in submissions)
    return {d for d in dates if d and len(d) == 10}


def identity_strings(identities: list[dict], kept_dates: set[str] = frozenset()) -> set[str]:
    """Every form in which an identity value could leak: raw, upper, accent-folded; dates in
    the usual formats. Names shorter than 5 letters are left out (they match random ids).
    kept_dates: dates the warehouse keeps as dates by design (death dates, YYYY-MM-DD); a birth
    date equal to one of them, by chance or a death on the day of birth, is no needle: it would
    be found without any leak."""
    out: set[str] = set()
    for ident in identities:
        names = [ident.get("birth_name"), ident.get("used_name"), *ident.get("given_names", []),
                 ident.get("first_given_name")]
        for name in filter(None, names):
            if not isinstance(name, str):
                continue
            folded = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
            for form in {name, name.upper(), folded.upper(), re.sub(r"[^A-Z]", "", folded.upper())}:
                if len(re.sub(r"[^A-Za-z]", "", form)) >= 5:
                    out.add(form)
        born = ident.get("birth_date")
        if isinstance(born, str) and len(born) == 10 and born not in kept_dates:
            y, m, d = born.split("-")
            out |= {born, f"{y}{m}{d}", f"{d}/{m}/{y}"}
        for key in ("ins", "local_patient_id"):
            if ident.get(key):
                out.add(ident[key])
        place = ident.get("birth_place_cog")
        if place and not place.startswith("99"):  # a country of birth (99xxx) may leave, a commune may not
            out.add(place)
    return out

"""Faults that ingest must refuse, each named by the reason code ingest gives it. Used by
--invalid-share to show the rejection path; the ground truth records `invalid:<code>`."""
from __future__ import annotations

import random
from typing import Callable

from .params import REFERENCE_DAY


def _orphacode_syntax(s: dict) -> None:
    d = s["record"]["diagnoses"][0]
    d["orphacode"] = "ORPHA-" + d["orphacode"][6:]


def _code_required(s: dict) -> None:
    s["record"]["diagnoses"][0]["icd10"] = "Q87.4"  # both an ORPHAcode and an ICD-10 code


def _sex_value(s: dict) -> None:
    s["record"]["identity"]["sex"] = "X"


def _centre_id(s: dict) -> None:
    s["centre_id"] = s["centre_id"] + " bis"


def _death_without_death(s: dict) -> None:
    s["record"]["vital_status"].update(deceased=False, death_date=REFERENCE_DAY.isoformat()[:7],
                                       death_due_to_rare_disease=None)


def _birth_in_future(s: dict) -> None:
    s["record"]["identity"]["birth_date"] = "2999-01-01"


def _blank_name(s: dict) -> None:
    s["record"]["identity"]["birth_name"] = " "


def _bad_date(s: dict) -> None:
    s["record"]["identity"]["birth_date"] = s["record"]["identity"]["birth_date"][:4] + "-02-30"


def _bad_cog(s: dict) -> None:
    s["record"]["identity"]["birth_place_cog"] = "7511"


def _ins_key(s: dict) -> None:
    identity = s["record"]["identity"]
    body = f"{1 if identity['sex'] == 'M' else 2}{identity['birth_date'][2:4]}0175115001"
    key = 97 - int(body) % 97
    identity["ins"] = f"{body}{(key % 97) + 1:02d}"  # one more than the right key


def _death_before_birth(s: dict) -> None:
    year = int(s["record"]["identity"]["birth_date"][:4])
    s["record"]["vital_status"].update(deceased=True, death_date=f"{year - 1}-06-15")


def _diagnosis_before_birth(s: dict) -> None:
    year = int(s["record"]["identity"]["birth_date"][:4])
    s["record"]["diagnoses"][0]["diagnosis_date"] = f"{year - 2}-03"


Fault = Callable[[dict], None]
# (reason code, fault, applies to a foetus record too)
FAULTS: tuple[tuple[str, Fault, bool], ...] = (
    ("orphacode-syntax", _orphacode_syntax, True),
    ("diagnosis-code-required", _code_required, True),
    ("not-in-value-set", _sex_value, True),
    ("centre-id-syntax", _centre_id, True),
    ("death-date-without-death", _death_without_death, True),
    ("date-in-future", _birth_in_future, False),
    ("identity-name-required", _blank_name, False),
    ("date-invalid", _bad_date, False),
    ("cog-syntax", _bad_cog, False),
    ("ins-control-key", _ins_key, False),
    ("death-before-birth", _death_before_birth, False),
    ("date-before-birth", _diagnosis_before_birth, False),
)


def spoil(rng: random.Random, submission: dict, foetus: bool) -> str:
    """Applies one fault; returns its reason code."""
    faults = [f for f in FAULTS if f[2] or not foetus]
    code, fault, _ = faults[int(rng.random() * len(faults))]
    fault(submission)
    return code

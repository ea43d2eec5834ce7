"""Refusals are shown to data managers and may be printed on shared terminals: no reason, and no
dead-letter header, may repeat a submitted identity value, valid or not."""
from __future__ import annotations

import copy
import json

import pytest

IDENTITY = {"birth_name": "Quenouillère", "first_given_name": "Séraphine", "given_names": ["Séraphine", "Ysolde"],
            "used_name": "Vasquez-Bellamy", "sex": "F", "birth_date": "1987-09-14", "birth_place_cog": "2B033",
            "birth_country": "FR", "ins": "287092B033417", "local_patient_id": "IPP-77GX3"}


def with_key(body: str) -> str:
    return body + f"{97 - int(body.replace('2A', '19').replace('2B', '18')) % 97:02d}"



BASE = {"operation": "UPSERT", "centre_id": "S001", "local_record_id": "privacy", "record": {
    "identity": {**IDENTITY, "ins": with_key(IDENTITY["ins"])},
    "residence": {"address_lines": ["7 impasse Wolfgang"], "postal_code": "20200", "commune_cog": "2B033",
                  "city": "Bastia"},
    "diagnoses": [{"orphacode": "ORPHA:558", "status": "CONFIRMED"}],
    "family": {"propositus": {"relationship": "MTH", "ins": with_key("255072B033410"), "local_patient_id": "IPP-MOTHER9"}},
}}

# One invalid form of each identity trait (and a few other identifying fields).
SPOILED = {
    "birth_name": ["Quenouillère" * 4, "Quenouill3re", 123456789, "   ", ["Quenouillère"]],
    "first_given_name": ["Séraphine#", "Séraphine" * 6, None, {"Séraphine": 1}],
    "given_names": [["Séraphine", "Ysolde" * 9], "Séraphine Ysolde", ["Séraph1ne"]],
    "used_name": ["Vasquez_Bellamy", "Vasquez-Bellamy\u0007"],
    "birth_date": ["14/09/1987", "1987-09-31", "2987-09-14", "19870914", 19870914, {"year": 1987, "month": 13}],
    "birth_place_cog": ["2B0333", "Bastia", 2033],
    "birth_country": ["Corse", "FRA"],
    "ins": ["287092B033417", "287092B033417" + "99", "287092B033417XX", "2 87 09 2B 033 417 99", 287092033417],
    "local_patient_id": ["IPP-77GX3" * 10, "IPP-77GX3\u0000"],
    "sex": ["Féminin", "UNKNOWN"],
}
LEAKS = ["Quenouill", "QUENOUILL", "Séraphine", "Seraphine", "SERAPHINE", "Ysolde", "Vasquez", "Bellamy",
         "1987-09", "14/09/1987", "19870914", "870914", "2B033", "2B0333", "287092", "2870920", "033417",
         "IPP-77GX3", "IPP-MOTHER", "Wolfgang", "Bastia", "Corse", "Féminin", "255072"]


def cases():
    for field, values in SPOILED.items():
        for i, value in enumerate(values):
            s = copy.deepcopy(BASE)
            s["record"]["identity"][field] = value
            yield pytest.param(s, id=f"{field}-{i}")
    s = copy.deepcopy(BASE)
    s["record"]["family"]["propositus"]["ins"] = "255072B03341099"
    yield pytest.param(s, id="propositus-ins")
    s = copy.deepcopy(BASE)
    s["record"]["residence"].update(postal_code="2O2OO", commune_cog="Bastia")
    yield pytest.param(s, id="residence")


def test_the_base_is_valid(ingest):
    (out,) = ingest.process(json.dumps(BASE).encode())
    assert out.topic == ingest.records, ingest.reasons(out)


@pytest.mark.parametrize("submission", list(cases()))
def test_no_reason_repeats_an_identity_value(ingest, submission):
    (out,) = ingest.process(json.dumps(submission, ensure_ascii=False).encode())
    assert out.topic == ingest.dlq
    reasons = ingest.reasons(out)
    shown = [r["message"] for r in reasons] + [r["path"] for r in reasons]
    shown += [v.decode("utf-8") for k, v in out.headers if k.startswith("x-dlq-")]
    for text in shown:
        for leak in LEAKS:
            assert leak.casefold() not in text.casefold(), (leak, text)

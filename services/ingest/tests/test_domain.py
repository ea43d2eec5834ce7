from datetime import date

import pytest

from rarelog_ingest import domain
from rarelog_kit.serde import AvroCatalog

TODAY = date(2026, 6, 1)
SCHEMA = AvroCatalog().expanded("Submission")


def submission(**record_changes):
    record = {
        "identity": {"birth_name": "Lefèvre", "first_given_name": "Anaïs", "given_names": ["Anaïs", "Marie"],
                     "sex": "F", "birth_date": "2011-04-23", "birth_place_cog": "2A004",
                     "ins": "2110475115123", "local_patient_id": "IPP1"},
        "vital_status": {"deceased": False},
        "diagnoses": [{"orphacode": "ORPHA:558", "status": "CONFIRMED", "diagnosis_date": "2015-03"}],
    }
    record.update(record_changes)
    return domain.from_json({"operation": "UPSERT", "centre_id": "S001", "local_record_id": "r-1", "record": record})


def with_ins_key(body: str) -> str:
    return body + f"{97 - int(body.replace('2A', '19')) % 97:02d}"


def decide(s):
    return domain.decide(s, SCHEMA, event_id="e", received_at_ms=0, today=TODAY)


def codes(outcome):
    assert isinstance(outcome, domain.Rejected), outcome
    return sorted(r.code for r in outcome.reasons)


def test_valid_submission_becomes_a_canonical_record_with_partial_dates():
    s = submission()
    s["record"]["identity"]["ins"] = with_ins_key("2110475115123")
    outcome = decide(s)
    assert isinstance(outcome, domain.Accepted), outcome
    assert outcome.record["record"]["identity"]["birth_date"] == {"year": 2011, "month": 4, "day": 23}
    assert outcome.record["record"]["diagnoses"][0]["diagnosis_date"] == {"year": 2015, "month": 3, "day": None}
    assert outcome.record["event_id"] == "e"


def test_wrong_ins_key_is_refused():
    s = submission()
    s["record"]["identity"]["ins"] = "211047511512300"
    assert codes(decide(s)) == ["ins-control-key"]


@pytest.mark.parametrize("change, expected", [
    ({"diagnoses": [{"orphacode": "ORPHA-558", "status": "CONFIRMED"}]}, ["orphacode-syntax"]),
    ({"diagnoses": [{"orphacode": "ORPHA:558", "icd10": "Q87.4", "status": "CONFIRMED"}]}, ["diagnosis-code-required"]),
    ({"diagnoses": [{"icd10": "q87", "status": "CONFIRMED"}]}, ["icd10-syntax"]),
    ({"diagnoses": [{"orphacode": "ORPHA:558", "status": "CONFIRMED", "diagnosis_date": "2009-01"}]}, ["date-before-birth"]),
    ({"vital_status": {"deceased": False, "death_date": "2020-01-01"}}, ["death-date-without-death"]),
    ({"vital_status": {"deceased": True, "death_date": "2010-01-01"}}, ["death-before-birth"]),
    ({"vital_status": {"deceased": True, "death_date": "2027-01-01"}}, ["date-in-future"]),
])
def test_each_business_rule_has_its_code(change, expected):
    s = submission(**change)
    s["record"]["identity"]["ins"] = None
    assert codes(decide(s)) == expected


def test_every_fault_of_a_record_is_listed_with_its_path():
    s = submission(diagnoses=[{"orphacode": "558", "status": "MAYBE"}])
    s["record"]["identity"].update(birth_name=" ", birth_date={"year": 2011, "month": 13}, ins=None)
    s["centre_id"] = "bad centre!"
    outcome = decide(s)
    # Conformance faults come first; business rules are only checked on a conforming record.
    assert codes(outcome) == ["not-in-value-set"]
    assert outcome.reasons[0].path == "record.diagnoses[0].status"
    s["record"]["diagnoses"][0]["status"] = "CONFIRMED"
    outcome = decide(s)
    assert codes(outcome) == ["centre-id-syntax", "date-invalid", "identity-name-required", "orphacode-syntax"]
    assert {r.path for r in outcome.reasons} >= {"centre_id", "record.identity.birth_date.month",
                                                 "record.identity.birth_name", "record.diagnoses[0].orphacode"}


def test_reasons_never_echo_identity_values():
    s = submission()
    s["record"]["identity"].update(birth_name=12345, ins="NOT-AN-INS")
    outcome = decide(s)
    text = " ".join(r.message for r in outcome.reasons)
    assert "12345" not in text and "NOT-AN-INS" not in text


def test_operation_rules():
    withdraw = {"operation": "WITHDRAW", "centre_id": "S001", "local_record_id": "r-1"}
    assert isinstance(decide(dict(withdraw)), domain.Accepted)
    assert codes(decide({**withdraw, "record": submission()["record"]})) == ["record-not-allowed"]
    assert codes(decide({**withdraw, "operation": "UPSERT"})) == ["record-required"]
    assert codes(decide({**withdraw, "operation": "DELETE"})) == ["not-in-value-set"]

import json
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


# --- JSON convenience: partial dates wherever the schema has one -----------------------------

def test_from_json_converts_every_partial_date_the_schema_declares():
    s = domain.from_json({"operation": "UPSERT", "centre_id": "S001", "local_record_id": "r", "record": {
        "identity": {"birth_name": "A", "first_given_name": "B", "sex": "F", "birth_date": "2011",
                     "foetus": {"pregnancy_start_date": "2010-07-02"}},
        "vital_status": {"deceased": True, "death_date": "2020-02-29"},
        "care_pathways": [{"centre_id": "S001", "inclusion_date": "2015-02"}],
        "activities": [{"date": "2015-03-10"}],
        "pregnancy": {"start_date": "2024-01", "foetuses": [{"rank": 1, "death_date": "2024-03"}]},
        "treatments": [{"start": "2016", "end": "2017-01"}],
        "functioning": [{"code": "b1670", "date": "2020-05-01"}],
        "record_dates": {"created": "2015", "last_updated": "2024-11-05"},
        "research": {"biobanks": ["2015-02"]},
    }})
    r = s["record"]
    assert r["identity"]["birth_date"] == {"year": 2011, "month": None, "day": None}
    assert r["identity"]["foetus"]["pregnancy_start_date"] == {"year": 2010, "month": 7, "day": 2}
    assert r["vital_status"]["death_date"]["day"] == 29
    assert r["care_pathways"][0]["inclusion_date"] == {"year": 2015, "month": 2, "day": None}
    assert r["activities"][0]["date"]["day"] == 10
    assert r["pregnancy"]["start_date"]["month"] == 1 and r["pregnancy"]["foetuses"][0]["death_date"]["month"] == 3
    assert r["treatments"][0]["start"]["year"] == 2016 and r["treatments"][0]["end"]["month"] == 1
    assert r["functioning"][0]["date"]["day"] == 1
    assert r["record_dates"]["created"]["year"] == 2015 and r["record_dates"]["last_updated"]["day"] == 5
    assert r["research"]["biobanks"] == ["2015-02"], "a string field keeps a date-looking string"


@pytest.mark.parametrize("text", ["23/04/2011", "2011-4-23", "11-04-23", "", "2011-04-23T10:00"])
def test_malformed_date_strings_stay_for_conformance_to_report_with_their_path(text):
    s = submission(diagnoses=[{"orphacode": "ORPHA:558", "status": "CONFIRMED", "diagnosis_date": text}])
    assert s["record"]["diagnoses"][0]["diagnosis_date"] == text
    outcome = decide(s)
    assert codes(outcome) == ["wrong-type"]
    assert outcome.reasons[0].path == "record.diagnoses[0].diagnosis_date"


def test_from_json_leaves_values_of_the_wrong_shape_alone():
    odd = {"operation": "UPSERT", "record": {"identity": ["2011"], "diagnoses": {"diagnosis_date": "2011"},
                                             "activities": ["2011", {"date": ["2011"]}]}}
    assert domain.from_json(json.loads(json.dumps(odd))) == odd


# --- rules that relate fields --------------------------------------------------------------

def test_dates_are_compared_as_partial_dates_only_when_certainly_wrong():
    # Diagnosed "2011" for a birth in April 2011: possibly after the birth, so accepted.
    s = submission(diagnoses=[{"orphacode": "ORPHA:558", "status": "CONFIRMED", "diagnosis_date": "2011"}])
    s["record"]["identity"]["ins"] = None
    assert isinstance(decide(s), domain.Accepted)


def test_a_prenatal_diagnosis_may_precede_birth_by_a_pregnancy():
    s = submission(diagnoses=[{"orphacode": "ORPHA:558", "status": "CONFIRMED", "diagnosis_date": "2010-10"}],
                   disease_history={"prenatal_diagnosis": True, "clinical_diagnosis": {"period": "ANTENATAL"}})
    s["record"]["identity"]["ins"] = None
    assert isinstance(decide(s), domain.Accepted)


def test_an_inactive_orphacode_names_its_replacement():
    s = submission(diagnoses=[{"orphacode": "ORPHA:168448", "status": "CONFIRMED"}])
    s["record"]["identity"]["ins"] = None
    (reason,) = decide(s).reasons
    assert reason.code == "orphacode-inactive"
    assert reason.message.endswith("use ORPHA:83629") and "deactivated" in reason.message


def test_the_inactive_reference_never_contradicts_the_active_one():
    from rarelog_kit.reference import orphanet
    ref = orphanet()
    assert ref.inactive and not set(ref.inactive) & set(ref.names)
    for code, (replacement, reason) in ref.inactive.items():
        assert reason in ("moved-to", "referred-to", "obsolete", "non-rare"), code
        assert replacement is None or replacement not in ref.inactive, code
    assert ref.is_active("ORPHA:616874")


def test_a_refusal_stays_bounded_whatever_the_submission():
    s = {"operation": "WITHDRAW", "centre_id": "S001", "local_record_id": "r"}
    s.update({f"{'k' * 2000}{i}": i for i in range(500)})
    outcome = decide(s)
    assert len(outcome.reasons) == domain.MAX_REASONS
    assert outcome.reasons[-1].code == "too-many-problems"
    assert all(len(r.message) <= domain.MAX_TEXT and len(r.path) <= domain.MAX_TEXT for r in outcome.reasons)


def test_a_refusal_is_printable_whatever_the_field_names():
    s = {"operation": "WITHDRAW", "centre_id": "S001", "local_record_id": "r", "\x1b[2J\ud800": 1}
    (reason,) = decide(s).reasons
    assert reason.code == "unknown-field"
    reason.message.encode("utf-8")
    assert "\x1b" not in reason.message and "\x1b" not in reason.path


def test_rules_modules_do_no_io():
    """The layout rules check domain.py and rules.py; rules is a package here, so check it too."""
    import ast
    from pathlib import Path
    io_modules = {"confluent_kafka", "psycopg", "socket", "urllib", "http", "subprocess", "os", "io"}
    for path in (Path(domain.__file__).parent / "rules").glob("*.py"):
        tree = ast.parse(path.read_text())
        names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}
        assert not names & io_modules, (path.name, names & io_modules)

from rarelog_registry_store import domain


def linked(key, patient, version, codes=("ORPHA:558",)):
    return ("RecordLinked", {"event_id": f"e{version}", "patient_id": patient, "record_key": key,
                             "centre_id": "S001", "received_at": 0, "record_version": version,
                             "link_rule": "new-patient", "birth_year_month": "2011-04", "sex": "F",
                             "vital_status": None,
                             "diagnoses": [{"orphacode": c, "icd10": None, "status": "CONFIRMED",
                                            "diagnosis_date": None} for c in codes]})


def test_highest_version_of_a_record_wins_whatever_the_order():
    changes = domain.changes_for([linked("r1", "P2", 7, ("ORPHA:1",)), linked("r1", "P1", 3)])
    assert changes.records["r1"][1] == "P2"
    assert [d[2] for d in changes.diagnoses["r1"]] == ["ORPHA:1"]
    assert changes.patients == {"P2"}


def test_withdrawal_drops_clinical_content():
    withdrawn = ("RecordWithdrawn", {"event_id": "e9", "patient_id": "P1", "record_key": "r1", "centre_id": "S001",
                                     "received_at": 0, "record_version": 9, "reason": "OPPOSE"})
    changes = domain.changes_for([linked("r1", "P1", 3), withdrawn])
    row = dict(zip(domain.RECORD_COLUMNS, changes.records["r1"]))
    assert row["withdrawn"] and row["withdrawal_reason"] == "OPPOSE" and row["birth_year_month"] is None
    assert changes.diagnoses["r1"] == []

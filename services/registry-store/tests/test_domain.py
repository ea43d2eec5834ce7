from rarelog_registry_store import death_rows, domain


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


def verified(death_id, key="r1", date=None, event="e"):
    return ("VitalStatusVerified", {"event_id": f"{event}-{death_id}", "patient_id": "P1", "record_key": key,
                                    "death_id": death_id, "import_id": "i1", "source": "INSEE", "received_at": 0,
                                    "death_date": date or {"year": 2024, "month": 2, "day": None},
                                    "death_departement": None, "match_step": "fuzzy", "match_probability": 0.9995})


def test_a_verified_death_is_a_row_keyed_by_death_id_and_the_last_of_a_batch_wins():
    steps = domain.plan([linked("r1", "P1", 1), verified("d1"), linked("r2", "P1", 2), verified("d1", event="again")])
    # The deaths do not split the run of record events: they are joined to records only by views.
    assert [type(s).__name__ for s in steps] == ["RowChanges", "DeathsVerified"]
    assert set(steps[0].records) == {"r1", "r2"}
    row = dict(zip(death_rows.DEATH_COLUMNS, steps[1].rows["d1"]))
    assert row["event_id"] == "again-d1" and row["patient_id_at_match"] == "P1" and row["record_key"] == "r1"
    assert (row["death_year"], row["death_month"], row["death_day"]) == (2024, 2, None)
    assert row["verified_at"].year == 1970 and row["match_probability"] == 0.9995
    assert steps[1].patients == set()  # no patient row to rewrite


def test_a_verified_death_with_an_impossible_date_is_unappliable():
    assert domain.unappliable(*verified("d1")) is None
    assert "calendar date" in domain.unappliable(*verified("d1", date={"year": 2023, "month": 2, "day": 29}))
    assert "day without a month" in domain.unappliable(*verified("d1", date={"year": 2023, "month": None, "day": 3}))
    assert domain.unappliable(*verified("d1", date={"year": 0, "month": None, "day": None})) is not None
    assert domain.unappliable(*verified("d1", date={"year": 2023, "month": 0, "day": None})) is not None
    assert domain.unappliable(*verified("d1", date={"year": 2023, "month": 5, "day": 0})) is not None

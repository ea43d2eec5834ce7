import io

import pytest

from rarelog.csv_mapping import read_csv

HEADER = "operation,centre_id,local_record_id,birth_name,first_given_name,given_names,sex,birth_date,deceased,death_date,diagnoses\n"


def test_rows_become_submissions():
    text = HEADER + (",S001,r1,Lefèvre,Anaïs,Anaïs|Marie,F,2011-04-23,no,,ORPHA:558=CONFIRMED@2015-03|Q87.4\n"
                     "WITHDRAW,S001,r2,,,,,,,,\n")
    (line1, first), (line2, second) = list(read_csv(io.StringIO(text)))
    assert (line1, line2) == (2, 3)
    assert first["operation"] == "UPSERT"
    identity = first["record"]["identity"]
    assert identity["given_names"] == ["Anaïs", "Marie"] and identity["birth_date"] == "2011-04-23"
    assert first["record"]["vital_status"] == {"deceased": False, "death_date": None, "death_due_to_rare_disease": None}
    assert first["record"]["diagnoses"] == [
        {"orphacode": "ORPHA:558", "status": "CONFIRMED", "diagnosis_date": "2015-03"},
        {"icd10": "Q87.4", "status": "OTHER", "diagnosis_date": None}]
    assert second == {"operation": "WITHDRAW", "centre_id": "S001", "local_record_id": "r2"}


def test_unconvertible_cells_are_passed_on_for_ingest_to_refuse():
    text = HEADER + ",S001,r1,Martin,Jean,,M,1990-01-01,maybe,,\n"
    [(_, submission)] = list(read_csv(io.StringIO(text)))
    assert submission["record"]["vital_status"]["deceased"] == "maybe"


def test_bad_header_is_refused_naming_the_columns():
    with pytest.raises(ValueError, match="unknown column.*nickname.*missing column.*local_record_id"):
        list(read_csv(io.StringIO("centre_id,nickname\nS001,x\n")))

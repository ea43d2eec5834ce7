"""Verified deaths (VitalStatusVerified) written into a real PostgreSQL through the sink: the
death_verified table, the conflicts with what centres reported, the patient's vital status,
the analysts' counts and the OMOP death table."""
from datetime import date

import pytest

from rarelog_registry_store import omop

pytestmark = pytest.mark.integration
STATUS = ("SELECT deceased, death_date, death_date_source, conflict, conflict_reasons, insee_death_date, "
          "centre_death_date, death_date_precision FROM {registry}.patient_vital_status WHERE patient_id = %s")


def status(wh, patient):
    rows = wh.query(STATUS, patient)
    keys = ("deceased", "death_date", "source", "conflict", "reasons", "insee", "centre", "precision")
    return dict(zip(keys, rows[0])) if rows else None


def conflicts(wh):
    return wh.query("SELECT patient_id, death_id, reason, centre_id, record_key, insee_death_date, centre_date "
                    "FROM {registry}.vital_status_conflict ORDER BY 1, 2, 3, 5")


def activity(day, context="CONSULTATION"):
    return {"date": day, "centre_id": "S002", "context": context}


def test_a_verified_death_shows_as_insee_and_the_same_event_twice_changes_nothing(warehouse, events):
    death = events.verified_death("d1", "P1", "r1", "2024-02", step="fuzzy", probability=0.9993)
    warehouse.write([events.linked("r1", "P1", 1), events.linked("r2", "P2", 2), death])
    assert warehouse.query("SELECT death_id, record_key, patient_id_at_match, death_year, death_month, death_day, "
                           "death_date, death_departement, source, match_step, match_probability, import_id, event_id "
                           "FROM {registry}.death_verified") == [
        ("d1", "r1", "P1", 2024, 2, None, date(2024, 2, 29), "75", "INSEE", "fuzzy", 0.9993, "import-1", "vsv-d1")]
    assert status(warehouse, "P1") == {"deceased": True, "death_date": date(2024, 2, 29), "source": "INSEE",
                                       "conflict": False, "reasons": [], "insee": date(2024, 2, 29), "centre": None,
                                       "precision": "month"}
    assert status(warehouse, "P2")["deceased"] is False and status(warehouse, "P2")["source"] is None
    assert conflicts(warehouse) == []

    before = warehouse.snapshot()
    warehouse.write([death])
    warehouse.write([death, death])
    assert warehouse.snapshot() == before
    assert warehouse.query("SELECT deceased_patients, deaths_reported_by_centres, deaths_insee_only, "
                           "deaths_dated_by_insee, deaths_cause_unknown FROM {analytics}.vital_status") == [
        (1, 0, 1, 1, 1)]


def test_a_centre_date_that_differs_is_a_conflict_and_the_centre_date_stands(warehouse, events):
    warehouse.write([events.linked("r1", "P1", 1, death="2024-03-15"), events.linked("r2", "P1", 2, centre="S002"),
                     events.verified_death("d1", "P1", "r2", "2024-05-02")])
    assert conflicts(warehouse) == [("P1", "d1", "death-date-differs", "S001", "r1", "2024-05-02", "2024-03-15")]
    assert status(warehouse, "P1") == {
        "deceased": True, "death_date": date(2024, 3, 15), "source": "centre", "conflict": True,
        "reasons": ["death-date-differs"], "insee": date(2024, 5, 2), "centre": date(2024, 3, 15), "precision": "day"}
    # The centre's record corrected (a newer version) to a date INSEE's agrees with at the month:
    # no conflict any more, and INSEE's more precise date becomes the registry's.
    warehouse.write([events.linked("r1", "P1", 3, death="2024-05")])
    assert conflicts(warehouse) == []
    assert status(warehouse, "P1")["source"] == "INSEE" and status(warehouse, "P1")["death_date"] == date(2024, 5, 2)


def test_a_fact_of_the_living_after_the_death_is_a_conflict_whatever_the_order(warehouse, events):
    warehouse.write([events.linked("r1", "P1", 1), events.verified_death("d1", "P1", "r1", "2023-06")])
    assert status(warehouse, "P1")["source"] == "INSEE"
    # Records arriving after the death: a consultation in July, a file review (without the
    # patient) in August, a consultation in the death's own month, a treatment started later.
    clinical = {"activities": [activity({"year": 2023, "month": 7, "day": 3}),
                               activity({"year": 2023, "month": 8, "day": 1}, "FILE_REVIEW_IN_CONSULTATION"),
                               activity({"year": 2023, "month": 6, "day": 28})],
                "treatments": [{"atc": "L01BC08", "start": {"year": 2024, "month": None, "day": None}}]}
    warehouse.write([events.linked("r2", "P1", 2, centre="S002", clinical=clinical)])
    assert conflicts(warehouse) == [("P1", "d1", "activity-after-death", "S002", "r2", "2023-06", "2023-07-03"),
                                    ("P1", "d1", "treatment-after-death", "S002", "r2", "2023-06", "2024")]
    s = status(warehouse, "P1")
    # Still deceased (INSEE says so), but its contested date is not the registry's, and no centre has one.
    assert (s["deceased"], s["death_date"], s["source"], s["conflict"], s["insee"]) == (
        True, None, None, True, date(2023, 6, 30))
    assert s["reasons"] == ["activity-after-death", "treatment-after-death"]
    assert warehouse.query("SELECT vital_status_conflicts, deaths_dated_by_insee FROM {analytics}.vital_status") == [
        (1, 0)]


def test_a_death_before_the_birth_a_centre_states_is_a_conflict(warehouse, events):
    # The records state a birth in 2011-04: a death in 2011 is not before it at the year's
    # precision, one in 2011-03 is.
    warehouse.write([events.linked("r1", "P1", 1), events.verified_death("d1", "P1", "r1", "2011"),
                     events.linked("r2", "P2", 2), events.verified_death("d2", "P2", "r2", "2011-03-30")])
    assert conflicts(warehouse) == [("P2", "d2", "born-after-death", "S001", "r2", "2011-03-30", "2011-04")]
    assert status(warehouse, "P1")["source"] == "INSEE" and status(warehouse, "P2")["source"] is None


def test_the_death_follows_its_record_through_merges_and_splits(warehouse, events):
    warehouse.write([events.linked("r1", "P1", 1), events.linked("r2", "P2", 2), events.linked("r3", "P2", 3),
                     events.verified_death("d1", "P2", "r2", "2025-01-09")])
    warehouse.write([events.merged("P1", "P2", ["r2", "r3"])])
    assert status(warehouse, "P2") is None
    assert status(warehouse, "P1")["source"] == "INSEE" and status(warehouse, "P1")["death_date"] == date(2025, 1, 9)
    assert warehouse.query("SELECT patient_id_at_match FROM {registry}.death_verified") == [("P2",)]
    warehouse.write([events.split("P1", "P4", ["r2"])])
    assert status(warehouse, "P1")["deceased"] is False
    assert status(warehouse, "P4")["deceased"] is True
    # A record of the surviving patient that contradicts the death now counts against it.
    warehouse.write([events.merged("P4", "P1", []), events.linked("r9", "P4", 9, death="2024")])
    assert [c[2:5] for c in conflicts(warehouse)] == [("death-date-differs", "S001", "r9")]


def test_a_verified_death_with_an_impossible_date_is_quarantined(warehouse, events):
    name, value = events.verified_death("d1", "P1", "r1", "2023-02")
    value["death_date"] = {"year": 2023, "month": 2, "day": 30}
    warehouse.write([events.linked("r1", "P1", 1), (name, value), events.linked("r2", "P1", 2)])
    assert warehouse.query("SELECT reason_code FROM {registry}.quarantined_event") == [("unappliable-event",)]
    assert warehouse.query("SELECT count(*) FROM {registry}.death_verified") == [(0,)]
    assert warehouse.query("SELECT count(*) FROM {registry}.record") == [(2,)]


def test_omop_death_takes_the_insee_date_unless_it_conflicts(warehouse, events):
    warehouse.write([
        events.linked("r1", "P1", 1), events.verified_death("d1", "P1", "r1", "2024-02"),    # INSEE only
        events.linked("r2", "P2", 2, death="2022-11-05"),                                    # centre only
        events.linked("r3", "P3", 3, death="2021-01-10"), events.verified_death("d3", "P3", "r3", "2021-01-12"),
        events.linked("r4", "P4", 4, death="2020-05"), events.verified_death("d4", "P4", "r4", "2020-05-17"),
        events.linked("r5", "P5", 5)])
    omop.refresh_database(warehouse.database_url, warehouse.registry)
    rows = warehouse.query(f"SELECT p.person_source_value, d.death_date, d.death_type_concept_id "
                           f"FROM {omop.schema_name(warehouse.registry)}.death d "
                           f"JOIN {omop.schema_name(warehouse.registry)}.person p USING (person_id) ORDER BY 1")
    assert rows == [("P1", date(2024, 2, 29), 32879), ("P2", date(2022, 11, 5), 32879),
                    ("P3", date(2021, 1, 10), 32879),  # conflict: the centre's date
                    ("P4", date(2020, 5, 17), 32879)]  # agrees at the month: INSEE's, more precise

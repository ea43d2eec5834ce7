"""The clinical flattening, pure: events from the real synthetic generator in, rows out."""
import pytest

from rarelog_registry_store import clinical_rows, completeness, domain


@pytest.fixture(scope="module")
def generated(cohort_events):
    return cohort_events.cohort(150, 5, seed=11)


def test_every_record_flattens_into_rows_of_the_declared_width(generated, cohort_events):
    for submission, (_, e) in generated:
        rows = clinical_rows.rows(e)
        assert set(rows) == set(clinical_rows.TABLES)
        for table, columns in clinical_rows.TABLES.items():
            assert all(len(row) == len(columns) and row[0] == e["record_key"] for row in rows[table]), table
        r = submission["record"]
        assert len(rows["care_pathway"]) == len(r["care_pathways"])
        assert len(rows["activity"]) == len(r["activities"])
        assert len(rows["treatment"]) == len(r.get("treatments", []))
        assert len(rows["disease_history"]) == ("disease_history" in r)
        dates = dict(zip(clinical_rows.TABLES["record_dates"], rows["record_dates"][0]))
        assert dates["first_contact_year"] == cohort_events.first_contact_year(submission)
        assert dates["activity_count"] == len(r["activities"])


def test_identifiers_of_professionals_and_centres_are_not_copied(generated):
    rpps = {a["performer_rpps"] for s, _ in generated for a in s["record"]["activities"] if a.get("performer_rpps")}
    local = {c["care_id"] for s, _ in generated for c in s["record"]["care_pathways"]}
    assert rpps and local
    for _, (_, e) in generated:
        values = {v for rows in clinical_rows.rows(e).values() for row in rows for v in row if isinstance(v, str)}
        assert not values & (rpps | local)


@pytest.mark.parametrize("age, years", [
    ({"period": "AT_AGE", "value": 18, "unit": "MONTHS"}, 1.5), ({"period": "AT_AGE", "value": 3, "unit": "YEARS"}, 3),
    ({"period": "NEONATAL"}, 0.0), ({"period": "ANTENATAL"}, 0.0), ({"period": "UNDETERMINED"}, None),
    ({"period": "AT_AGE", "value": None, "unit": None}, None), (None, None)])
def test_ages_in_years(age, years):
    assert clinical_rows.age_years(age) == years


def test_first_contact_falls_back_to_inclusion_then_creation():
    inclusion = {"care_pathways": [{"centre_id": "S1", "inclusion_date": {"year": 2019, "month": None, "day": None}}]}
    assert clinical_rows.first_contact(inclusion) == ({"year": 2019, "month": None, "day": None}, "inclusion")
    created = {"record_dates": {"created": {"year": 2020, "month": 2, "day": None}}}
    assert clinical_rows.first_contact(created)[1] == "record_created"
    assert clinical_rows.first_contact({}) == (None, None)


def test_completeness_items_are_unique_and_counted_per_record(generated):
    assert len({i.item for i in completeness.ITEMS}) == len(completeness.ITEMS)
    filled = [completeness.filled(e) for _, (_, e) in generated]
    with_history = sum("disease_history" in s["record"] and s["record"]["disease_history"].get("first_signs")
                       is not None for s, _ in generated)
    assert sum("disease_history.first_signs" in f for f in filled) == with_history
    assert all("activities.date" in f for f in filled)  # every generated record has an activity
    bare = {"sex": "UNKNOWN", "diagnoses": [], "clinical": None}
    assert completeness.filled(bare) == []


def test_a_withdrawal_drops_the_clinical_rows_and_the_highest_version_wins(generated, cohort_events):
    (_, (_, old)), (_, (_, new)) = generated[0], generated[1]
    moved = {**new, "record_key": old["record_key"], "record_version": old["record_version"] + 100}
    changes = domain.changes_for([("RecordLinked", moved), ("RecordLinked", old)])
    assert changes.clinical[old["record_key"]]["activity"] == [
        (old["record_key"], *row[1:]) for row in clinical_rows.rows(new)["activity"]]
    changes = domain.changes_for([("RecordLinked", old), cohort_events.withdrawn(old, old["record_version"] + 1)])
    assert changes.clinical[old["record_key"]] == {}
    record = dict(zip(domain.RECORD_COLUMNS, changes.records[old["record_key"]]))
    assert record["withdrawn"] and record["residence_departement"] is None

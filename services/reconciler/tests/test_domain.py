from rarelog_reconciler import domain


def record(key, pseudonym, operation="UPSERT", centre="S001"):
    return {"record_key": key, "pseudonym": pseudonym, "operation": operation, "centre_id": centre,
            "received_at": 0, "birth_year_month": "2011-04", "sex": "F", "vital_status": None, "diagnoses": [],
            "is_foetus": False, "birth_area": "75", "residence_departement": "92", "clinical": None}


def run(index, rec, version):
    decision = domain.reconcile(index, rec, version, f"e{version}")
    for change in decision.changes:
        index.apply(change)
    return decision


def test_records_sharing_a_pseudonym_join_one_patient():
    index = domain.LinkageIndex()
    first = run(index, record("r1", "p"), 1).events[0][1]
    second = run(index, record("r2", "p", centre="S002"), 2).events[0][1]
    other = run(index, record("r3", "q"), 3).events[0][1]
    assert first["patient_id"] == second["patient_id"] != other["patient_id"]
    assert (first["link_rule"], second["link_rule"]) == ("new-patient", "exact-pseudonym")


def test_patient_ids_are_deterministic():
    a, b = domain.LinkageIndex(), domain.LinkageIndex()
    assert run(a, record("r1", "p"), 1).events == run(b, record("r1", "p"), 1).events


def test_withdrawal_names_the_patient_and_unknown_withdrawal_is_a_no_op():
    index = domain.LinkageIndex()
    patient = run(index, record("r1", "p"), 1).events[0][1]["patient_id"]
    withdrawn = run(index, record("r1", None, "WITHDRAW"), 2)
    assert withdrawn.events[0][0] == "RecordWithdrawn"
    assert withdrawn.events[0][1]["patient_id"] == patient
    assert "r1" not in index.by_record
    assert run(index, record("r9", None, "WITHDRAW"), 3).events == []


def test_corrected_identity_moves_the_record():
    index = domain.LinkageIndex()
    p1 = run(index, record("r1", "p"), 1).events[0][1]["patient_id"]
    run(index, record("r2", "p"), 2)
    moved = run(index, record("r1", "q"), 3).events[0][1]["patient_id"]
    assert moved != p1 and index.by_record["r1"] == moved and index.by_record["r2"] == p1


def test_rotation_links_a_new_key_record_to_the_patient_made_under_the_old_key():
    index = domain.LinkageIndex()
    old = run(index, {**record("r1", "old-p"), "linkage": [{"key_id": "k1", "pseudonym": "old-p"}]}, 1).events[0][1]
    rotated = {**record("r2", "new-p", centre="S002"),
               "linkage": [{"key_id": "k2", "pseudonym": "new-p"}, {"key_id": "k1", "pseudonym": "old-p"}]}
    linked = run(index, rotated, 2).events[0][1]
    assert linked["patient_id"] == old["patient_id"] and linked["link_rule"] == "exact-pseudonym"
    # The patient now answers to the new key's pseudonym alone.
    after = run(index, {**record("r3", "new-p"), "linkage": [{"key_id": "k2", "pseudonym": "new-p"}]}, 3)
    assert after.events[0][1]["patient_id"] == old["patient_id"]

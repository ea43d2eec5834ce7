import pytest

from rarelog_pseudonymizer import domain
from rarelog_pseudonymizer.normalise import fold
from rarelog_pseudonymizer.keys import KeyRing, KeyUnavailable, PseudonymKey, load_key, load_key_ring

KEY = PseudonymKey(b"k" * 32)
OTHER_KEY = PseudonymKey(b"o" * 32)


def identity(**changes):
    base = {"birth_name": "Lefèvre", "first_given_name": "Anaïs", "sex": "F",
            "birth_date": {"year": 2011, "month": 4, "day": 23}}
    return {**base, **changes}


def test_fold_handles_french_spelling():
    assert fold("Lefèvre") == "LEFEVRE"
    assert fold("Œuvray") == "OEUVRAY"


def test_same_identity_written_differently_gives_the_same_pseudonym():
    assert domain.pseudonym(KEY, identity()) == domain.pseudonym(
        KEY, identity(birth_name="LEFEVRE", first_given_name="anais"))


def test_pseudonym_depends_on_every_trait_and_on_the_key():
    p = domain.pseudonym(KEY, identity())
    assert p != domain.pseudonym(KEY, identity(birth_name="Lefèbvre"))
    assert p != domain.pseudonym(KEY, identity(sex="M"))
    assert p != domain.pseudonym(KEY, identity(birth_date={"year": 2011, "month": 4, "day": 24}))
    assert p != domain.pseudonym(OTHER_KEY, identity())


def test_pseudonymised_record_keeps_no_identity():
    canonical = {"event_id": "e", "received_at": 0, "operation": "UPSERT", "centre_id": "S001",
                 "local_record_id": "r-1",
                 "record": {"identity": identity(given_names=["Anaïs"], birth_place_cog="75115",
                                                 ins="211047511512345", local_patient_id="IPP9"),
                            "vital_status": {"deceased": False}, "diagnoses": []}}
    out = domain.pseudonymise(KEY, canonical, "e2")
    text = repr(out)
    for value in ("Lef", "Ana", "75115", "2110475", "IPP9", "r-1", "2011-04-23"):
        assert value not in text
    assert out["birth_year_month"] == "2011-04"
    assert out["key_id"] == KEY.key_id and out["record_key"] != "r-1"


def test_key_file_rules(tmp_path):
    with pytest.raises(KeyUnavailable, match="RARELOG_PSEUDONYM_KEY_FILE"):
        load_key(None)
    with pytest.raises(KeyUnavailable, match="does not exist"):
        load_key(tmp_path / "missing")
    short = tmp_path / "short"
    short.write_text("abcd")
    with pytest.raises(KeyUnavailable, match="shorter"):
        load_key(short)
    good = tmp_path / "good"
    good.write_text(("ab" * 32) + "\n")
    key = load_key(good)
    assert key.secret == bytes.fromhex("ab" * 32)
    assert "ab" not in repr(key)


def canonical(**identity_changes):
    return {"event_id": "e", "received_at": 0, "operation": "UPSERT", "centre_id": "S001", "local_record_id": "r-1",
            "record": {"identity": identity(**identity_changes), "vital_status": {"deceased": False},
                       "diagnoses": []}}


def test_key_ring_carries_previous_keys_pseudonyms_for_linkage():
    before = domain.pseudonymise(KEY, canonical(), "e1")
    during = domain.pseudonymise(KeyRing(OTHER_KEY, (KEY,)), canonical(), "e2")
    assert during["key_id"] == OTHER_KEY.key_id and during["pseudonym"] != before["pseudonym"]
    assert [e["key_id"] for e in during["linkage"]] == [OTHER_KEY.key_id, KEY.key_id]
    # Under the previous key the rotated record still carries the pseudonym it was linked by.
    assert during["linkage"][1]["pseudonym"] == before["pseudonym"] == before["linkage"][0]["pseudonym"]
    assert during["linkage"][1]["filters"] == before["linkage"][0]["filters"]
    assert during["record_key"] == before["record_key"]  # the same record, whatever the rotation


def test_key_ring_refuses_the_same_key_twice(tmp_path):
    (tmp_path / "a").write_text("ab" * 32)
    (tmp_path / "b").write_text("ab" * 32)
    with pytest.raises(KeyUnavailable, match="twice"):
        load_key_ring(tmp_path / "a", [tmp_path / "b"])


def dice(a: bytes, b: bytes) -> float:
    x, y = int.from_bytes(a, "little"), int.from_bytes(b, "little")
    return 2 * (x & y).bit_count() / (x.bit_count() + y.bit_count())


def test_a_typo_changes_the_pseudonym_but_not_the_name_filter_much():
    exact = domain.pseudonymise(KEY, canonical(), "e1")["linkage"][0]
    typo = domain.pseudonymise(KEY, canonical(birth_name="Lefebvre"), "e2")["linkage"][0]
    other = domain.pseudonymise(KEY, canonical(birth_name="Durand"), "e3")["linkage"][0]
    assert exact["pseudonym"] != typo["pseudonym"]
    assert dice(exact["filters"]["surname"], typo["filters"]["surname"]) > 0.7
    assert dice(exact["filters"]["surname"], other["filters"]["surname"]) < 0.3
    assert exact["filters"]["date"] == typo["filters"]["date"]

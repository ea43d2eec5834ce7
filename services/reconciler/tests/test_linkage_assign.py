"""Incremental assignment: link, review or new patient, one record at a time."""
import hashlib

import numpy as np
import pytest

from rarelog_reconciler.linkage import (AssignParams, BlockingParams, DEFAULT_THRESHOLDS, Model, PatientIndex, decide,
                                        refit)
from rarelog_reconciler.linkage.filters import FIELDS

WORDS = {f: (1 if f == "sex" else 8) for f in FIELDS}


def bloom(tokens: list[str], words: int = 8, k: int = 10) -> bytes:
    """A toy keyed Bloom filter (the real one lives in the pseudonymizer)."""
    m, value = 64 * words, 0
    for token in tokens:
        digest = hashlib.sha256(b"test|" + token.encode()).digest()
        h1, h2 = int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:16], "little") | 1
        for i in range(k):
            value |= 1 << ((h1 + i * h2) % m)
    return value.to_bytes(8 * words, "little") if tokens else b""


def grams(text: str) -> list[str]:
    padded = f"_{text}_"
    return [padded[i:i + 2] for i in range(len(padded) - 1)] if text else []


def encoded(given: str, surname: str, date: str, place: str, sex: str = "", rank: int = 0) -> dict:
    digits = [f"P{i}{d}" for i, d in enumerate(date)]
    return {"given": bloom(grams(given)), "given_rest": b"", "surname": bloom(grams(surname)), "used": b"",
            "date": bloom([f"W{date}", f"Y{date[:4]}", f"M{date[4:6]}", f"D{date[6:]}", *digits]),
            "date_swap": b"", "place": bloom(grams(place)), "country": b"",
            "sex": bloom([sex], words=1) if sex else b"",
            "blocking": [hashlib.sha256(f"{surname[:3]}|{date[:4]}".encode()).hexdigest()[:16]],
            "foetus_rank": rank}


def model() -> Model:
    m = {"given": [0.05, 0.03, 0.07, 0.15, 0.70], "surname": [0.04, 0.03, 0.08, 0.15, 0.70],
         "date": [0.04, 0.02, 0.04, 0.10, 0.80], "place": [0.10, 0.05, 0.05, 0.10, 0.70], "sex": [0.01, 0.99],
         "given_rest": [0.05, 0.05, 0.1, 0.1, 0.7], "country": [0.02, 0.02, 0.02, 0.04, 0.9]}
    u = {"given": [0.97, 0.02, 0.006, 0.003, 0.001], "surname": [0.975, 0.015, 0.006, 0.003, 0.001],
         "date": [0.90, 0.08, 0.015, 0.004, 0.001], "place": [0.95, 0.03, 0.01, 0.005, 0.005], "sex": [0.5, 0.5],
         "given_rest": [0.9, 0.05, 0.03, 0.01, 0.01], "country": [0.8, 0.05, 0.05, 0.05, 0.05]}
    return Model(1e-5, m, u, dict(DEFAULT_THRESHOLDS), records=100_000)


def index(**assign) -> PatientIndex:
    return PatientIndex(model(), WORDS, BlockingParams(), AssignParams(**assign))


def run(idx: PatientIndex, key: str, record: dict):
    decision = decide(idx, record)
    idx.add(key, record, decision.patient_id if decision.kind == "link" else f"P-{key}")
    return decision


ANNE = encoded("ANNE", "MARTIN", "19700312", "75056", "F")


def test_first_record_founds_a_patient_and_an_identical_one_joins_it():
    idx = index()
    assert decide(idx, ANNE).kind == "new"
    run(idx, "r1", ANNE)
    decision = run(idx, "r2", dict(ANNE))
    assert (decision.kind, decision.patient_id) == ("link", "P-r1")
    assert decision.probability > 0.999 and decision.agreement == {"given": 5, "surname": 5, "date": 5, "place": 5,
                                                                   "sex": 2, "given_rest": 0, "country": 0}
    assert idx.patient_of_record("r2") == "P-r1"


def test_a_typo_still_links_and_a_stranger_is_new():
    idx = index()
    run(idx, "r1", ANNE)
    assert run(idx, "r2", encoded("ANNE", "MARTEN", "19700312", "75056", "F")).kind == "link"
    assert run(idx, "r3", encoded("PAUL", "MARTIN", "19881105", "13055", "M")).kind == "new"


def test_weak_evidence_goes_to_review():
    idx = index()
    run(idx, "r1", ANNE)
    decision = run(idx, "r2", encoded("ANNA", "MARTIN", "19710812", "75056", "F"))  # a weaker name and another date
    assert decision.kind == "review" and decision.reason == "score" and decision.patient_id == "P-r1"
    assert idx.patient_of_record("r2") == "P-r2"  # a provisional patient of its own


def test_a_possible_twin_goes_to_review_not_into_the_sibling():
    idx = index()
    run(idx, "r1", ANNE)
    twin = encoded("LOUISE", "MARTIN", "19700312", "75056", "F")
    decision = run(idx, "r2", twin)
    assert (decision.kind, decision.reason) == ("review", "possible-twin")
    idx2 = index(twin_guard=False)
    run(idx2, "r1", ANNE)
    assert decide(idx2, twin).kind == "link"  # what the model alone would do


def test_a_foetus_meets_only_its_own_rank():
    idx = index()
    first = encoded("ANNE", "MARTIN", "20250301", "", rank=1)
    run(idx, "f1", first)
    assert run(idx, "f2", {**first, "foetus_rank": 2}).kind == "new"
    assert run(idx, "f3", dict(first)).kind == "link"


def test_a_record_matching_one_record_of_a_patient_but_not_the_others_is_reviewed():
    idx = index()
    idx.add("r1", ANNE, "P")
    idx.add("r2", encoded("PAUL", "DURAND", "19881105", "13055", "M"), "P")  # a wrong merge upstream
    idx.add("r3", encoded("JULES", "DURAND", "19881105", "13055", "M"), "P")
    decision = decide(idx, dict(ANNE))
    assert (decision.kind, decision.reason) == ("review", "inconsistent")


def test_two_patients_claiming_a_record_is_ambiguous():
    idx = index()
    idx.add("r1", ANNE, "P1")
    idx.add("r2", dict(ANNE), "P2")
    decision = decide(idx, dict(ANNE))
    assert (decision.kind, decision.reason, decision.patient_id) == ("review", "ambiguous", "P1")


def test_withdrawn_and_moved_records():
    idx = index()
    run(idx, "r1", ANNE)
    idx.remove("r1")
    assert decide(idx, dict(ANNE)).kind == "new" and idx.patient_of_record("r1") is None
    idx.add("r2", ANNE, "P2")
    idx.move("r2", "P9")
    assert decide(idx, dict(ANNE)).patient_id == "P9"
    idx.add("r2", encoded("PAUL", "DURAND", "19881105", "13055", "M"), "P9")  # an update replaces
    assert decide(idx, dict(ANNE)).kind == "new" and idx.size == 1


def stream():
    rng = np.random.default_rng(7)
    names = ["ANNE", "PAUL", "LOUISE", "JULES", "EMMA", "HUGO"]
    families = ["MARTIN", "DURAND", "PETIT", "LEROY", "MOREAU"]
    people = [encoded(names[rng.integers(6)], families[rng.integers(5)], f"19{rng.integers(40, 99)}0{rng.integers(1, 9)}1"
                      f"{rng.integers(0, 9)}", "75056", "F") for _ in range(60)]
    return [people[i] for i in rng.integers(0, 60, size=150)]


def test_decisions_are_deterministic_and_a_bulk_load_gives_the_same_index():
    records = stream()
    a, b = index(), index()
    first = [run(a, f"r{i}", r) for i, r in enumerate(records)]
    second = [run(b, f"r{i}", r) for i, r in enumerate(records)]
    assert first == second
    bulk = index()
    bulk.add_many([f"r{i}" for i in range(len(records))], records,
                  [a.patient_of_record(f"r{i}") for i in range(len(records))])
    probe = encoded("EMMA", "PETIT", "19550311", "75056", "F")
    assert decide(bulk, probe) == decide(a, probe)
    assert bulk.nbytes() > 0


@pytest.mark.parametrize("kind", ["link", "review", "new"])
def test_every_kind_of_decision_is_reachable(kind):
    idx = index()
    run(idx, "r1", ANNE)
    candidates = {"link": dict(ANNE), "review": encoded("ANNA", "MARTIN", "19710812", "75056", "F"),
                  "new": encoded("PAUL", "DURAND", "19881105", "13055", "M")}
    assert decide(idx, candidates[kind]).kind == kind


def test_the_model_can_be_refitted_on_the_index_itself():
    idx = index()
    for i, r in enumerate(stream()):
        run(idx, f"r{i}", r)
    refitted = refit(idx, random_pairs=5_000)
    assert 0 < refitted.prior < 1 and refitted.records == idx.store.size
    assert Model.from_dict(refitted.to_dict()).to_dict() == refitted.to_dict()
    assert refitted.bayes_factor([[5, 5, 5, 5, 2, 0, 0]])[0] > 0


def test_a_refit_without_any_candidate_pair_fits_on_random_pairs_alone():
    """Erasures can leave an index whose live records share no block: the refit must not fail
    (it did, on an empty candidate array, and every record after it was dead-lettered)."""
    from rarelog_reconciler.linkage.model import fit

    idx = index()
    for i, r in enumerate(stream()):
        run(idx, f"r{i}", r)
    fitted = fit(idx.store, np.empty((0, 2), dtype=np.int64), random_pairs=5_000)
    assert Model.from_dict(fitted.to_dict()).to_dict() == fitted.to_dict()
    assert fitted.records == idx.store.size

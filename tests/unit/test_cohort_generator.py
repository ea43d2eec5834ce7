import csv
import hashlib
import json
import os
import subprocess
import sys
from collections import defaultdict

from rarelog.cohort.generator import CohortSpec, generate, submissions, write


def test_same_seed_same_cohort_in_any_process(tmp_path):
    """Deterministic for a seed, whatever the interpreter's hash seed (data and truth alike)."""
    digests = set()
    for hash_seed in ("1", "2"):
        out = tmp_path / f"c{hash_seed}.jsonl"
        subprocess.run([sys.executable, "-m", "rarelog", "generate", "--patients", "300", "--centres", "7",
                        "--seed", "4", "--invalid-share", "0.05", "--out", str(out)], check=True,
                       capture_output=True, env={**os.environ, "PYTHONHASHSEED": hash_seed})
        digests.add(hashlib.sha256(out.read_bytes() + (tmp_path / f"c{hash_seed}.jsonl.truth.csv").read_bytes())
                    .hexdigest())
    assert len(digests) == 1


def test_another_seed_another_cohort():
    first = [s for s, _ in submissions(CohortSpec(50, 5, seed=1))]
    second = [s for s, _ in submissions(CohortSpec(50, 5, seed=2))]
    assert first != second


def test_invalid_share_leaves_the_valid_content_alone():
    """Invalid submissions come from a generator of their own: the rest of the cohort is unchanged."""
    clean = list(generate(CohortSpec(300, 9, seed=6)))
    spoiled = list(generate(CohortSpec(300, 9, seed=6, invalid_share=0.2)))
    assert len(clean) == len(spoiled)
    same = [a.submission == b.submission for a, b in zip(clean, spoiled) if not b.errors or
            not b.errors[-1].startswith("invalid:")]
    assert all(same) and len(same) < len(clean)


def test_multi_centre_share_and_ground_truth(tmp_path):
    spec = CohortSpec(patients=2000, centres=15, seed=3)
    rows = list(submissions(spec))
    per_patient: dict[int, set[str]] = {}
    for s, patient in rows:
        per_patient.setdefault(patient, set()).add(s["centre_id"])
    multi = sum(1 for centres in per_patient.values() if len(centres) > 1) / spec.patients
    assert len(per_patient) == spec.patients
    assert 0.2 < multi < 0.3
    summary = write(spec, tmp_path / "c.jsonl")
    with open(tmp_path / "c.jsonl.truth.csv", encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    lines = (tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(truth) == len(lines) == summary["submissions"] == len(rows)
    assert set(truth[0]) >= {"centre_id", "local_record_id", "true_patient", "traits", "errors"}
    for row, line in zip(truth, lines):
        s = json.loads(line)
        assert (row["centre_id"], row["local_record_id"]) == (s["centre_id"], s["local_record_id"])
        assert row["traits"] == ("foetus" if s["record"]["identity"]["foetus"] else "person")
        assert s["operation"] == "UPSERT"
        assert (row["copy"] == "0") <= (row["errors"] == "")  # the first record carries the true identity


def test_local_ids_are_unique_per_centre_and_do_not_reveal_the_patient():
    seen: dict[str, set[str]] = defaultdict(set)
    ipps: dict[str, set[str]] = defaultdict(set)
    count = 0
    for s, patient in submissions(CohortSpec(3000, 4, seed=8)):
        local = s["local_record_id"]
        assert local not in seen[s["centre_id"]]
        assert f"{patient:08d}" not in local and len(local) <= 64
        seen[s["centre_id"]].add(local)
        ipps[s["centre_id"]].add(s["record"]["identity"]["local_patient_id"])
        count += 1
    assert sum(len(v) for v in ipps.values()) == count


def test_few_centres_caps_the_number_of_centres_per_patient():
    per_patient: dict[int, list[str]] = defaultdict(list)
    for s, patient in submissions(CohortSpec(500, 2, seed=2)):
        per_patient[patient].append(s["centre_id"])
    assert all(len(c) == len(set(c)) <= 2 for c in per_patient.values())
    assert {c for cs in per_patient.values() for c in cs} == {"S001", "S002"}

import hashlib
import os
import subprocess
import sys

from rarelog.cohort.generator import CohortSpec, submissions, write


def test_same_seed_same_cohort_in_any_process(tmp_path):
    """Deterministic for a seed, whatever the interpreter's hash seed."""
    digests = set()
    for hash_seed in ("1", "2"):
        out = tmp_path / f"c{hash_seed}.jsonl"
        subprocess.run([sys.executable, "-m", "rarelog", "generate", "--patients", "300", "--centres", "7",
                        "--seed", "4", "--out", str(out)], check=True, capture_output=True,
                       env={**os.environ, "PYTHONHASHSEED": hash_seed})
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1


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
    truth = (tmp_path / "c.jsonl.truth.csv").read_text().splitlines()
    assert len(truth) == summary["submissions"] + 1 == len(rows) + 1

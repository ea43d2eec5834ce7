"""`rarelog submit` and `rarelog rejects` against the real broker and ingest."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from rarelog.cohort.generator import CohortSpec, submissions

pytestmark = pytest.mark.integration


def rarelog(pipeline, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rarelog", *args], env=pipeline.service_env(),
                          capture_output=True, text=True, timeout=300)


def test_submit_reports_exactly_what_ingest_accepted_and_refused(pipeline, tmp_path):
    pipeline.start("ingest")
    good = [s for s, _ in submissions(CohortSpec(150, 6, seed=21))]
    bad = []
    for i, s in enumerate(good[:12]):
        s = json.loads(json.dumps(s))
        s["local_record_id"] = f"bad-{i}"
        s["record"]["diagnoses"][0]["orphacode"] = "ORPHA-1"
        bad.append(s)
    jsonl = tmp_path / "cohort.jsonl"
    jsonl.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in good + bad) + "not json\n")
    csv = tmp_path / "more.csv"
    csv.write_text("centre_id,local_record_id,birth_name,first_given_name,sex,birth_date,diagnoses\n"
                   "S001,csv-1,Ferré,Loïc,M,1984-02-29,ORPHA:558=CONFIRMED\n"
                   "S001,csv-2,Ferré,Loïc,M,1985-02-29,ORPHA:558=CONFIRMED\n")  # 1985 has no 29 February

    result = rarelog(pipeline, "submit", str(jsonl), str(csv))
    assert result.returncode == 0, result.stderr
    total = len(good) + len(bad) + 1 + 2
    expected = f"submitted {total:,}: accepted {len(good) + 1:,}, rejected {len(bad) + 2:,}"
    assert expected in result.stdout, result.stdout
    assert re.search(r"orphacode-syntax\s+12\b", result.stdout)
    assert re.search(r"invalid-json\s+1\b", result.stdout) and re.search(r"date-invalid\s+1\b", result.stdout)
    assert "ingest checked" in result.stderr and f"{total:,}/{total:,}" in result.stderr

    listing = rarelog(pipeline, "rejects")
    assert f"{len(bad) + 2} rejected submission(s)" in listing.stdout
    assert "bad-0" not in listing.stdout  # local ids only on request
    assert "bad-0" in rarelog(pipeline, "rejects", "--show-identity").stdout
    assert "0 rejected" in rarelog(pipeline, "rejects", "--centre", "S999").stdout
    assert "0 rejected" in rarelog(pipeline, "rejects", "--since", "2999-01-01").stdout

"""Fuzzy linkage and its review through the real services: one patient from three centres in
spite of a typo, a name swap and a used name; a possible twin goes to review, a rejection keeps
the two apart, an acceptance merges, a split undoes a wrong link, and the warehouse follows."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rarelog_pseudonymizer.domain import record_key
from tests.integration.test_walking_skeleton import publish

pytestmark = pytest.mark.integration


def submission(centre: str, local_id: str, given: str, surname: str, used: str | None = None, born="2011-04-23",
               sex="F") -> tuple[bytes, bytes]:
    identity = {"birth_name": surname, "first_given_name": given, "sex": sex, "birth_date": born,
                "birth_place_cog": "75115"}
    if used:
        identity["used_name"] = used
    value = {"operation": "UPSERT", "centre_id": centre, "local_record_id": local_id,
             "record": {"identity": identity, "diagnoses": [{"orphacode": "ORPHA:586", "status": "CONFIRMED"}]}}
    return f"{centre}:{local_id}".encode(), json.dumps(value).encode()


def review(pipeline, *args: str) -> subprocess.CompletedProcess:
    env = pipeline.service_env()
    return subprocess.run([sys.executable, "-m", "rarelog", "linkage", "review", "--reviewer", "dr.curie", *args],
                          env=env, capture_output=True, text=True, timeout=120)


def patients(pipeline) -> dict[str, str]:
    return dict(pipeline.query("SELECT record_key, patient_id FROM {registry}.record WHERE NOT withdrawn"))


def test_one_patient_through_errors_and_reviewers_decide_the_unsure(pipeline):
    pipeline.start_all()
    key = pipeline.key
    rk = {name: record_key(key, centre, local) for name, centre, local in
          [("typo", "S101", "a1"), ("swap", "S102", "b1"), ("used", "S103", "c1"), ("twin", "S104", "d1"),
           ("twin2", "S105", "e1")]}
    publish(pipeline, [submission("S101", "a1", "Anaïs", "Lefevbre"),          # typo in the surname
                       submission("S102", "b1", "Lefèvre", "Anaïs"),           # given name and surname swapped
                       submission("S103", "c1", "Anaïs", "Martin", "Lefèvre")])  # married: used name
    pipeline.wait_caught_up()
    rows = pipeline.query("SELECT record_key, patient_id, link_rule FROM {registry}.record ORDER BY record_version")
    assert len({patient for _, patient, _ in rows}) == 1, rows
    assert [rule for _, _, rule in rows] == ["new-patient", "probabilistic", "probabilistic"]
    [(count, provisional)] = pipeline.query("SELECT count(*), count(*) FILTER (WHERE provisional) "
                                            "FROM {registry}.patient")
    assert (count, provisional) == (1, 0)
    anais = patients(pipeline)[rk["typo"]]

    # A sister born the same day: same surname, birth date and place. The reconciler is unsure.
    publish(pipeline, [submission("S104", "d1", "Louise", "Lefèvre")])
    pipeline.wait_caught_up()
    louise = patients(pipeline)[rk["twin"]]
    assert louise != anais
    [(review_id, candidate, status, reason)] = pipeline.query(
        "SELECT review_id, candidate_patient_id, status, reason FROM {registry}.possible_match")
    assert (candidate, status, reason) == (anais, "pending", "possible-twin")
    assert pipeline.query("SELECT provisional FROM {registry}.patient WHERE patient_id = %s", louise) == [(True,)]

    listing = review(pipeline)
    assert listing.returncode == 0, listing.stderr
    assert review_id in listing.stdout and "birth date 5/5" in listing.stdout and "1 possible match" in listing.stdout
    assert "Louise" not in listing.stdout and "LEFEVRE" not in listing.stdout.upper()  # levels, never identity

    # Rejected: two patients, none provisional any more.
    rejected = review(pipeline, "--reject", review_id)
    assert rejected.returncode == 0, rejected.stderr
    pipeline.wait_caught_up()
    assert pipeline.query("SELECT status, reviewer FROM {registry}.possible_match") == [("rejected", "dr.curie")]
    assert pipeline.query("SELECT count(*), count(*) FILTER (WHERE provisional) FROM {registry}.patient") == [(2, 0)]
    again = review(pipeline, "--reject", review_id)  # decided already: refused, with the reason
    assert again.returncode == 1 and "review-unknown" in again.stderr

    # Another possible twin; the reviewer knows she is the same person (a pet name): accepted,
    # the provisional patient merges into the candidate.
    publish(pipeline, [submission("S105", "e1", "Zoé", "Lefèvre")])
    pipeline.wait_caught_up()
    [(second_review, provisional_patient, candidate)] = pipeline.query(
        "SELECT review_id, patient_id, candidate_patient_id FROM {registry}.possible_match WHERE status = 'pending'")
    assert candidate in (anais, louise)
    accepted = review(pipeline, "--accept", second_review)
    assert accepted.returncode == 0, accepted.stderr
    pipeline.wait_caught_up()
    assert patients(pipeline)[rk["twin2"]] == candidate
    assert pipeline.query("SELECT count(*) FROM {registry}.patient WHERE patient_id = %s", provisional_patient) == \
        [(0,)]
    assert pipeline.query("SELECT kind, patient_id, other_patient_id FROM {registry}.patient_link_event") == \
        [("merge", candidate, provisional_patient)]
    assert pipeline.query("SELECT count(*) FROM {registry}.patient") == [(2,)]
    before = pipeline.query("SELECT count(*) FROM {registry}.patient")[0][0]

    # A wrong link undone: the used-name record split off into a patient of its own.
    split = review(pipeline, "--split", rk["used"])
    assert split.returncode == 0, split.stderr
    pipeline.wait_caught_up()
    after = patients(pipeline)
    assert after[rk["used"]] not in (anais, louise) and after[rk["typo"]] == after[rk["swap"]] == anais
    assert pipeline.query("SELECT count(*) FROM {registry}.patient")[0][0] == before + 1
    assert ("split", anais) in pipeline.query("SELECT kind, patient_id FROM {registry}.patient_link_event")
    view = dict(pipeline.query("SELECT orphacode, patients FROM {analytics}.patients_by_orphacode"))
    assert view["ORPHA:586"] == before + 1

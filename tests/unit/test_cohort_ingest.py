"""Ingest accepts every generated submission, and refuses each spoiled one for the stated reason."""
import json
from collections import Counter

import pytest

from rarelog.cohort.generator import CohortSpec, generate
from rarelog.cohort.invalid import FAULTS
from rarelog_ingest import domain
from rarelog_kit.serde import AvroCatalog

SCHEMA = AvroCatalog().expanded("Submission")


def decide(spec: CohortSpec, submission: dict):
    # A JSON round trip: ingest sees exactly what a JSON Lines reader would give it.
    value = domain.from_json(json.loads(json.dumps(submission, ensure_ascii=False)))
    return domain.decide(value, SCHEMA, event_id="e", received_at_ms=0, today=spec.reference_day)


@pytest.mark.parametrize("seed, centres", [(1, 20), (2, 3), (3, 60)])
def test_every_generated_submission_is_accepted(seed, centres):
    spec = CohortSpec(1500, centres, seed=seed)
    refused = Counter()
    count = 0
    for g in generate(spec):
        count += 1
        outcome = decide(spec, g.submission)
        if isinstance(outcome, domain.Rejected):
            refused.update(f"{r.code} at {r.path} ({g.traits}, {';'.join(g.errors)})" for r in outcome.reasons)
    assert count > 1800
    assert not refused, refused.most_common(10)


def test_each_invalid_submission_is_refused_for_its_recorded_reason():
    spec = CohortSpec(2000, 10, seed=5, invalid_share=0.25)
    seen = Counter()
    for g in generate(spec):
        outcome = decide(spec, g.submission)
        invalid = [e for e in g.errors if e.startswith("invalid:")]
        if not invalid:
            assert isinstance(outcome, domain.Accepted), (g.errors, outcome)
            continue
        code = invalid[0].removeprefix("invalid:")
        assert isinstance(outcome, domain.Rejected), code
        assert code in {r.code for r in outcome.reasons}, (code, outcome.reasons)
        seen[code] += 1
    assert set(seen) == {code for code, _, _ in FAULTS}
    assert 0.2 < sum(seen.values()) / sum(1 for _ in generate(spec)) < 0.3

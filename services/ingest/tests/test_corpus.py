"""Every corpus message through IngestProcessor.process: each invalid one is dead-lettered with
exactly its rule, each valid one becomes a canonical record."""
import json
import re
from collections import Counter


def test_an_invalid_submission_is_dead_lettered_with_exactly_its_rule(ingest, invalid_case):
    name, rule, value = invalid_case
    outputs = ingest.process(value)
    assert len(outputs) == 1
    (out,) = outputs
    assert out.topic == "registry.intake.submissions.dlq"
    assert out.value == value, "the dead letter carries the original bytes"
    assert ingest.codes(out) == [rule], ingest.reasons(out)
    headers = dict(out.headers)
    assert headers["x-dlq-error-class"] == rule.encode()
    assert headers["trace"] == b"1"


def test_a_valid_submission_becomes_one_canonical_record(ingest, valid_case):
    name, value = valid_case
    outputs = ingest.process(value)
    assert len(outputs) == 1
    (out,) = outputs
    assert out.topic == "registry.intake.records", ingest.reasons(out)
    record = ingest.canonical(out)
    submission = json.loads(value)
    assert record["operation"] == submission["operation"]
    assert out.key == f"{submission['centre_id']}:{submission['local_record_id']}".encode()
    assert (record["record"] is None) == ("record" not in submission)


def test_the_corpus_is_large_and_names_its_files_after_the_rule(corpus):
    cases = corpus.invalid_cases()
    assert len(cases) >= 70 and len(corpus.valid_cases()) >= 10
    for name, rule, _ in cases:
        assert re.fullmatch(r"\d{3}-" + re.escape(rule), name), name
    assert len(Counter(rule for _, rule, _ in cases)) >= 60


def test_every_rule_of_the_rules_package_has_a_corpus_case(corpus):
    """A new rule code comes with an invalid submission that shows it."""
    from pathlib import Path
    source = "\n".join(p.read_text() for p in (Path(__file__).parents[1] / "rarelog_ingest").rglob("*.py"))
    emitted = set(re.findall(r'fault\("([a-z0-9-]+)"', source)) | set(re.findall(r'"code", "([a-z0-9-]+)"', source))
    emitted |= set(re.findall(r'Reason\("([a-z0-9-]+)"', source)) - {"too-many-problems"}
    emitted |= set(re.findall(r'syntax\([^,]+, "([a-z0-9-]+)"', source))
    covered = {rule for _, rule, _ in corpus.invalid_cases()}
    assert emitted - covered == set()

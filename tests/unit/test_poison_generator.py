"""The poison generator (tests/corpus/poison.py): every category present, counts that add up,
every ingest rule broken, and expected codes that the services' own decoding agrees with —
so that a failure of the poison integration test is the pipeline's, not the generator's."""
import json
import re
from collections import Counter
from pathlib import Path

import pytest

import rarelog_ingest
from rarelog_ingest.entrypoint import IngestProcessor
from rarelog_kit.messages import Inbound
from rarelog_kit.serde import UndecodableMessage
from tests.corpus import poison


@pytest.fixture(scope="module")
def batch():
    return poison.submissions(10_000, seed=7)


def test_every_category_is_present_and_the_counts_add_up(batch):
    categories = Counter(category for *_, category in batch)
    assert set(categories) == set(poison.SHARES) | {"sdm-mr-rule"}
    assert sum(categories.values()) == len(batch) == 10_000
    assert {c: n for c, n in categories.items() if c != "sdm-mr-rule"} == poison.SHARES  # shares are per 10,000
    assert len({key for key, *_ in batch}) == len(batch), "keys name one message each"
    small = poison.submissions(500, seed=7)
    assert len(small) == 500 and {c for *_, c in small} == set(categories)


def test_it_is_deterministic_for_a_seed(batch):
    assert poison.submissions(600, seed=7) == poison.submissions(600, seed=7)
    assert poison.submissions(600, seed=7) != poison.submissions(600, seed=8)


def test_every_rule_of_ingest_is_broken(batch):
    """The rule codes are read from the rules' source, as services/ingest/tests do for the corpus."""
    package = Path(rarelog_ingest.__file__).parent
    source = "\n".join(p.read_text() for p in [package / "domain.py", *(package / "rules").glob("*.py")])
    rules = set(re.findall(r'fault\("([a-z0-9-]+)"', source)) | set(re.findall(r'Reason\("([a-z0-9-]+)"', source))
    rules |= set(re.findall(r'syntax\([^,]+, "([a-z0-9-]+)"', source))
    rules -= {"too-many-problems"}  # a cap on the reasons listed, not a rule
    assert len(rules) >= 50
    broken = {code for _, _, code, category in batch if category == "sdm-mr-rule"}
    assert rules - broken == set()


def test_sizes_straddle_the_size_gate(batch):
    sizes = {category: [len(value) for _, value, _, c in batch if c == category]
             for category in ("huge-string", "oversized")}
    assert max(sizes["huge-string"]) == poison.LIMIT and min(sizes["huge-string"]) > poison.LIMIT - 5000
    assert min(sizes["oversized"]) == poison.LIMIT + 1 and max(sizes["oversized"]) == poison.KAFKA_VALUE_MAX


def test_ingest_refuses_each_submission_with_exactly_the_expected_code(batch):
    processor = IngestProcessor(poison.CATALOG, "records", "dlq", poison.LIMIT)
    wrong = Counter()
    for offset, (key, value, code, category) in enumerate(batch):
        (out,) = processor.process(Inbound("registry.intake.submissions", 0, offset, key, value, 1_780_000_000_000))
        refused = out.topic == "dlq"
        reasons = [r["code"] for r in json.loads(dict(out.headers)["x-dlq-reasons"])] if refused else ["accepted"]
        if reasons != [code]:
            wrong[(category, code, *reasons)] += 1
    assert not wrong


@pytest.mark.parametrize("topic", sorted(poison.ACCEPTS))
def test_later_topics_poison_fails_to_decode_as_expected(topic):
    sent = poison.for_topic(topic, 100, seed=3)
    assert len({key for key, *_ in sent}) == 100
    for key, value, code, category in sent:
        try:
            poison.CATALOG.decode(value, expect=poison.ACCEPTS[topic])
            got = "decodes"
        except UndecodableMessage as exc:
            got = exc.code
        # Two categories decode, and are refused by the service afterwards (see the integration test).
        assert got == code or (got == "decodes" and category in ("unappliable-event", "verdict-cannot-apply")), category

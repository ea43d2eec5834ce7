"""Whatever arrives, IngestProcessor.process returns exactly one output without raising: a dead
letter with at least one reason, or a canonical record that decodes. Inputs: random bytes,
random JSON, valid submissions with one field dropped or replaced (other types, random text and
numbers, deep nesting, strings up to 1 MB), and spoiled Avro."""
from __future__ import annotations

import copy
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rarelog_kit.messages import MAX_DEAD_LETTER_BYTES


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                             HealthCheck.data_too_large])
CODE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
DEEP = "\x00deep\x00"


@pytest.fixture(scope="module")
def bases(corpus) -> list[dict]:
    return [json.loads(value) for _, value in corpus.valid_cases()]


def check_one_verdict(ingest, value: bytes | None) -> None:
    outputs = ingest.process(value)
    assert len(outputs) == 1
    (out,) = outputs
    if out.topic == ingest.dlq:
        reasons = ingest.reasons(out)
        assert reasons and all(CODE.fullmatch(r["code"]) and r["message"] for r in reasons)
        if out.value is None and value:  # too large to travel with its x-dlq-* headers: left out, size noted
            assert dict(out.headers)["x-dlq-original-bytes"] == str(len(value)).encode()
            assert len(value) + sum(len(k) + len(v) for k, v in out.headers) > MAX_DEAD_LETTER_BYTES
        else:
            assert out.value == value
    else:
        assert out.topic == ingest.records
        assert ingest.canonical(out)["event_id"]


# Any code point, unpaired surrogates and control characters included.
any_text = st.text(st.characters(blacklist_categories=()), min_size=1, max_size=30)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | any_text,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(any_text, children, max_size=5),
    max_leaves=30)
huge_strings = st.builds(lambda ch, n: ch * n, st.sampled_from(["a", "é", "\u0000", "9", " ", "😀", "\ud800"]),
                         st.integers(0, 1_000_000))
replacements = json_values | huge_strings | st.integers(1, 5000).map(lambda d: (DEEP, d)) | st.sampled_from(
    ["", " ", "ORPHA:558", "2011-04-23", "2999-12-31", "1500", "0000-00-00", "HP:0001166", "null", -1, 0, 2**31,
     10**30, 1e308, -0.0, True, [], {}, {"year": 2011}, {"year": 2011, "month": 2, "day": 30}])


def encode(value) -> bytes:
    """JSON, with the DEEP marker replaced by arrays nested that deep (json.dumps cannot)."""
    deep = []

    def default(_):
        raise TypeError

    def mark(v):
        if isinstance(v, tuple) and len(v) == 2 and v[0] == DEEP:
            deep.append(v[1])
            return DEEP
        if isinstance(v, dict):
            return {k: mark(i) for k, i in v.items()}
        if isinstance(v, list):
            return [mark(i) for i in v]
        return v

    text = json.dumps(mark(value), default=default)
    for depth in deep:
        text = text.replace(json.dumps(DEEP), "[" * depth + "]" * depth, 1)
    return text.encode("utf-8", "surrogatepass")


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes(ingest, data):
    check_one_verdict(ingest, data)


@SETTINGS
@given(json_values)
def test_random_json_values(ingest, value):
    check_one_verdict(ingest, json.dumps(value).encode())


@SETTINGS
@given(st.dictionaries(any_text, json_values, max_size=8))
def test_random_json_objects(ingest, value):
    check_one_verdict(ingest, json.dumps(value).encode())


@SETTINGS
@given(st.data())
def test_a_valid_submission_with_one_field_dropped_or_replaced(big_ingest, bases, corpus, data):
    submission = copy.deepcopy(data.draw(st.sampled_from(bases)))
    path = data.draw(st.sampled_from(list(corpus.paths(submission))))
    drop = data.draw(st.booleans())
    corpus.mutate(submission, path, None if drop else data.draw(replacements), drop=drop)
    check_one_verdict(big_ingest, encode(submission))


@SETTINGS
@given(st.data())
def test_a_valid_submission_with_extra_fields_and_deep_nesting(big_ingest, bases, data):
    submission = copy.deepcopy(data.draw(st.sampled_from(bases)))
    targets = [submission] + [v for v in (submission.get("record") or {}).values() if isinstance(v, dict)]
    target = data.draw(st.sampled_from(targets))
    target[data.draw(any_text)] = data.draw(replacements)
    check_one_verdict(big_ingest, encode(submission))


@SETTINGS
@given(st.data())
def test_spoiled_avro(ingest, catalog, bases, data):
    from rarelog_ingest import domain

    submission = domain.from_json(copy.deepcopy(data.draw(st.sampled_from(bases))))
    encoded = bytearray(catalog.encode("Submission", submission))
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(encoded) - 1))
        encoded[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(encoded)))
    check_one_verdict(ingest, bytes(encoded[:cut] if data.draw(st.booleans()) else encoded))


def leaf_paths(value, every):
    """Of `every` path of a JSON value, those of a string or a number."""
    for path in every:
        item = value
        for step in path:
            item = item[step]
        if isinstance(item, (str, int, float)) and not isinstance(item, bool):
            yield path


@pytest.mark.parametrize("spoiler", ["a\ud800b", "\u0000", "x" * 300_000, 10**400, float("nan"), -10**30],
                         ids=["surrogate", "nul", "300k-chars", "10^400", "nan", "-10^30"])
def test_every_leaf_of_every_valid_submission_spoiled(big_ingest, bases, corpus, spoiler):
    """Systematic counterpart of the random mutations: each string and number in turn."""
    for base in bases:
        for path in leaf_paths(base, corpus.paths(base)):
            submission = copy.deepcopy(base)
            corpus.mutate(submission, path, spoiler)
            check_one_verdict(big_ingest, json.dumps(submission).encode())

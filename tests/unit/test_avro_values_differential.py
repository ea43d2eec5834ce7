"""The compiled conformance check against the plain schema interpreter it replaced: the same
reasons (code, message, path, order) for every value, on random schemas and on the Submission
schema with the corpus, generated cohorts and mutated submissions.

`reference_problems` is the former rarelog_kit.avro_values.conformance_problems, kept here as
the specification of what the compiled version must say."""
from __future__ import annotations

import copy
import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rarelog.cohort.generator import CohortSpec, submissions
from rarelog_ingest.domain import from_json
from rarelog_kit.avro_values import conformance_problems, validator
from rarelog_kit.messages import Reason
from rarelog_kit.serde import AvroCatalog
from tests.corpus import invalid_cases, mutate, paths, valid_cases

CATALOG = AvroCatalog()
SCHEMA = CATALOG.expanded("Submission")
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                             HealthCheck.data_too_large])

# -- the reference: a plain interpreter of the schema ----------------------------------------

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


def reference_problems(schema, value, path=""):
    if isinstance(schema, list):
        return _union(schema, value, path)
    kind = schema if isinstance(schema, str) else schema["type"]
    if kind == "record":
        return _record(schema, value, path)
    if kind == "enum":
        if isinstance(value, str) and value in schema["symbols"]:
            return []
        return [Reason("not-in-value-set", f"{path or 'value'} must be one of {', '.join(schema['symbols'])}", path)]
    if kind == "array":
        if not isinstance(value, list):
            return [_type(path, "a list")]
        return [r for i, item in enumerate(value) for r in reference_problems(schema["items"], item, f"{path}[{i}]")]
    if kind == "map":
        if not isinstance(value, dict):
            return [_type(path, "an object")]
        return [r for k, item in value.items() for r in reference_problems(schema["values"], item, f"{path}.{k}")]
    return _primitive(kind, value, path)


def _record(schema, value, path):
    if not isinstance(value, dict):
        return [_type(path, "an object")]
    problems = []
    known = {f["name"] for f in schema["fields"]}
    for extra in sorted(set(value) - known):
        problems.append(Reason("unknown-field", f"{_join(path, str(extra))} is not an SDM-MR field here", _join(path, str(extra))))
    for field in schema["fields"]:
        sub = _join(path, field["name"])
        if field["name"] not in value:
            if "default" not in field:
                problems.append(Reason("required-field-missing", f"{sub} is required", sub))
            continue
        problems.extend(reference_problems(field["type"], value[field["name"]], sub))
    return problems


def _union(branches, value, path):
    if value is None:
        return [] if "null" in branches else [Reason("required-field-missing", f"{path} must not be null", path)]
    attempts = [reference_problems(b, value, path) for b in branches if b != "null"]
    if any(not a for a in attempts):
        return []
    return min(attempts, key=len)


def _primitive(kind, value, path):
    if kind == "null":
        return [] if value is None else [_type(path, "null")]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [_type(path, "true or false")]
    if kind in ("int", "long"):
        lo, hi = _INT32 if kind == "int" else _INT64
        if isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi:
            return []
        return [_type(path, f"a whole number ({kind})")]
    if kind in ("float", "double"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return [] if ok else [_type(path, "a number")]
    if kind == "string":
        return [] if isinstance(value, str) else [_type(path, "a string")]
    if kind == "bytes":
        return [] if isinstance(value, (bytes, str)) else [_type(path, "bytes")]
    return [Reason("schema-unsupported", f"{path}: type {kind} cannot be checked", path)]


def _type(path, expected):
    return Reason("wrong-type", f"{path or 'value'} must be {expected}", path)


def _join(path, name):
    return f"{path}.{name}" if path else name


# -- comparing -------------------------------------------------------------------------------

def outcome(check, *args):
    """What a check says, or the exception it raises (the interpreter raises on some odd
    schemas, e.g. a union of null alone given a value; so must the compiled check)."""
    try:
        return check(*args)
    except Exception as exc:  # noqa: BLE001 - the type is what is compared
        return type(exc)


def assert_same(schema, value, path=""):
    expected = outcome(reference_problems, schema, value, path)
    assert outcome(conformance_problems, schema, value, path) == expected
    compiled = validator(schema)
    # explain alone says the same (it is also correct when ok was not asked first), and ok is
    # True exactly when there is nothing to explain.
    assert outcome(compiled.explain, value, path) == expected
    if not isinstance(expected, type):
        assert compiled.ok(value) == (expected == [])


# -- random schemas and values ---------------------------------------------------------------

NAMES = st.sampled_from(["a", "b", "c", "d", "e"])
PRIMITIVES = st.sampled_from(["null", "boolean", "int", "long", "float", "double", "string", "bytes",
                              "fixed", "rarelog.v1.Unknown"])
SYMBOLS = st.lists(st.sampled_from(["A", "B", "C", "D"]), min_size=1, max_size=3, unique=True)


def _field(t):
    return st.builds(lambda name, default: {"name": name, "type": t, **({"default": None} if default else {})},
                     NAMES, st.booleans())


def _composite(inner):
    # Avro has no union directly in a union (the interpreter, which tried every branch, would
    # raise on some where the compiled check stops at the first that fits).
    branch = inner.filter(lambda s: not isinstance(s, list))
    return st.one_of(
        st.builds(lambda s: {"type": "array", "items": s}, inner),
        st.builds(lambda s: {"type": "map", "values": s}, inner),
        st.builds(lambda fields: {"type": "record", "name": "R", "fields": fields},
                  st.lists(inner.flatmap(_field), max_size=4, unique_by=lambda f: f["name"])),
        st.lists(branch, min_size=1, max_size=3),         # unions, even odd ones
        st.builds(lambda s: ["null", s], branch),         # the common nullable union
        st.builds(lambda s: [s, "null"], branch),
        st.builds(lambda s: {"type": s}, PRIMITIVES),
    )


schemas = st.recursive(PRIMITIVES | st.builds(lambda s: {"type": "enum", "name": "E", "symbols": s}, SYMBOLS),
                       _composite, max_leaves=12)
scalars = (st.none() | st.booleans() | st.integers(-2**64, 2**64) | st.floats() | st.text(max_size=3)
           | st.sampled_from(["A", "B", "x", b"raw", 2**31, -2**31 - 1, 2**63, True, 0.5]))
json_like = st.recursive(scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(NAMES | st.text(max_size=2), c,
                                                                                        max_size=4), max_leaves=10)


@st.composite
def value_for(draw, schema, depth=0):
    """Mostly shaped like the schema, sometimes not, so that both verdicts are common."""
    if depth > 6 or draw(st.integers(0, 9)) == 0:
        return draw(json_like)
    if isinstance(schema, list):
        return draw(value_for(draw(st.sampled_from(schema)), depth + 1))
    kind = schema if isinstance(schema, str) else schema["type"]
    if kind == "record":
        value = {f["name"]: draw(value_for(f["type"], depth + 1)) for f in schema["fields"]
                 if draw(st.integers(0, 5))}
        if draw(st.integers(0, 7)) == 0:
            value[draw(st.sampled_from(["zz", "\x1b", "a"]))] = 1
        return value
    if kind == "enum":
        return draw(st.sampled_from(schema["symbols"] + ["Z"]))
    if kind == "array":
        return draw(st.lists(value_for(schema["items"], depth + 1), max_size=3))
    if kind == "map":
        return draw(st.dictionaries(NAMES, value_for(schema["values"], depth + 1), max_size=3))
    return draw(scalars)


@SETTINGS
@given(st.data())
def test_random_schemas_and_values(data):
    schema = data.draw(schemas)
    value = data.draw(value_for(schema))
    assert_same(schema, value, data.draw(st.sampled_from(["", "x", "record.items[2]"])))


@SETTINGS
@given(json_like)
def test_random_values_against_the_submission_schema(value):
    assert_same(SCHEMA, value)
    assert_same(SCHEMA, {"operation": "UPSERT", "centre_id": "S001", "local_record_id": "r", "record": value})


# -- the Submission schema: corpus, generated cohorts, mutations -----------------------------

def corpus_submissions():
    """Every corpus message that decodes, as ingest decodes it (JSON or Avro)."""
    for name, data in [(n, d) for n, _, d in invalid_cases()] + valid_cases():
        try:
            decoded = CATALOG.decode(data, expect=("Submission",), allow_json=True)
        except ValueError:  # UndecodableMessage, or a number too long for Python's JSON
            continue
        yield name, from_json(decoded.value) if decoded.schema_name == "json" else decoded.value


def test_every_corpus_submission():
    cases = list(corpus_submissions())
    assert len(cases) > 80
    for name, submission in cases:
        assert_same(SCHEMA, submission), name


def cohort(count, seed, invalid_share=0.0):
    spec = CohortSpec(count, 40, seed=seed, invalid_share=invalid_share)
    for i, (submission, _) in enumerate(submissions(spec)):
        if i == count:
            return
        yield from_json(json.loads(json.dumps(submission)))


def test_generated_cohorts():
    """Valid submissions, and a quarter spoiled by the cohort generator's own faults."""
    seen = 0
    for seed, share in ((3, 0.0), (4, 0.25)):
        for submission in cohort(1500, seed, share):
            assert_same(SCHEMA, submission)
            seen += 1
    assert seen == 3000


def test_seeded_mutations_of_generated_submissions():
    """Each of 1000 generated submissions with one to three fields dropped or replaced."""
    rng = random.Random(17)
    odd = [None, "", "x", "2011-13-45", 0, -1, 2**40, 1.5, float("nan"), True, [], {}, ["a"], {"year": 2011},
           {"zz": 1}, "ORPHA:558", "MTH"]
    for submission in cohort(1000, 9):
        for _ in range(rng.randint(1, 3)):
            path = rng.choice(list(paths(submission)))
            drop = rng.random() < 0.3
            mutate(submission, path, None if drop else rng.choice(odd), drop=drop)
        assert_same(SCHEMA, submission)


@pytest.fixture(scope="module")
def bases():
    return [from_json(json.loads(data)) for _, data in valid_cases()]


@SETTINGS
@given(st.data())
def test_hypothesis_mutations_of_valid_submissions(bases, data):
    submission = copy.deepcopy(data.draw(st.sampled_from(bases)))
    for _ in range(data.draw(st.integers(1, 3))):
        every = list(paths(submission))
        if not every:
            break
        path = data.draw(st.sampled_from(every))
        drop = data.draw(st.booleans())
        mutate(submission, path, None if drop else data.draw(json_like), drop=drop)
    assert_same(SCHEMA, submission)

"""Structural check of a plain value (e.g. parsed JSON) against an Avro schema.

Unlike fastavro's validator, the reasons name the field path and the expected type but never
echo the value: a reason may end up on a terminal or in a log, identity must not.

A schema is compiled once (and cached by identity: schemas are treated as immutable) into a
tree of closures, two per node:

- `ok(value)` says whether the value conforms. Almost every message takes only this path, so it
  builds nothing: no reason lists, no path strings.
- `explain(value, path)` lists the reasons. It runs only where `ok` said no, and descends only
  into the parts `ok` refuses, so a big record with one bad leaf costs little more.

`ok(value)` is True exactly when `explain(value, path)` is empty; tests/unit/test_avro_values_*
check both against the plain schema interpreter this module replaced.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .messages import Reason

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_CACHE_MAX = 64  # a service checks a handful of schemas; ad-hoc ones must not pile up


@dataclass(frozen=True)
class Validator:
    ok: Callable[[Any], bool]
    explain: Callable[[Any, str], list[Reason]]


def conformance_problems(schema: Any, value: Any, path: str = "") -> list[Reason]:
    checker = validator(schema)
    return [] if checker.ok(value) else checker.explain(value, path)


_compiled: dict[int, tuple[Any, Validator]] = {}


def validator(schema: Any) -> Validator:
    """The compiled checker of a schema (compiled on first use)."""
    hit = _compiled.get(id(schema))
    if hit is not None and hit[0] is schema:  # the schema is kept alive, so its id stays its own
        return hit[1]
    checker = _compile(schema)
    if len(_compiled) >= _CACHE_MAX:
        _compiled.clear()
    _compiled[id(schema)] = (schema, checker)
    return checker


def _compile(schema: Any, nullable: bool = False) -> Validator:
    """`nullable`: the node is the branch of a ["null", T] union, so None is fine too. Nearly
    every union is one, and letting T check None itself (after its own type, the common case)
    spares a wrapper call per node."""
    if isinstance(schema, list):
        return _union(schema, nullable)
    kind = schema if isinstance(schema, str) else schema["type"]
    if kind == "record":
        return _record(schema, nullable)
    if kind == "enum":
        return _enum(schema, nullable)
    if kind == "array":
        return _array(_compile(schema["items"]), nullable)
    if kind == "map":
        return _map(_compile(schema["values"]), nullable)
    return _primitive(kind, nullable)


def _record(schema: dict, nullable: bool) -> Validator:
    fields = [(f["name"], "default" in f, _compile(f["type"])) for f in schema["fields"]]
    known = frozenset(name for name, _, _ in fields)
    required = tuple(name for name, has_default, _ in fields if not has_default)
    # Checked by walking the value's own keys: a field a value leaves out costs nothing.
    field_ok = {name: checker.ok for name, _, checker in fields}.get

    def ok(value: Any) -> bool:
        if not isinstance(value, dict):
            return nullable and value is None
        for name in required:  # none to four: cheaper than a set comparison
            if name not in value:
                return False
        for name, item in value.items():
            check = field_ok(name)  # None for a field the schema does not know
            if check is None or not check(item):
                return False
        return True

    def explain(value: Any, path: str) -> list[Reason]:
        if not isinstance(value, dict):
            return [] if nullable and value is None else [_type(path, "an object")]
        problems: list[Reason] = []
        for extra in sorted(set(value) - known):
            sub = _join(path, str(extra))
            problems.append(Reason("unknown-field", f"{sub} is not an SDM-MR field here", sub))
        for name, has_default, checker in fields:
            if name not in value:
                if not has_default:
                    sub = _join(path, name)
                    problems.append(Reason("required-field-missing", f"{sub} is required", sub))
            elif not checker.ok(value[name]):
                problems.extend(checker.explain(value[name], _join(path, name)))
        return problems
    return Validator(ok, explain)


def _union(branches: list, nullable: bool) -> Validator:
    nullable = nullable or "null" in branches
    others = [b for b in branches if b != "null"]
    if nullable and len(others) == 1:
        return _compile(others[0], nullable=True)
    checkers = [_compile(b) for b in others]
    oks = [c.ok for c in checkers]

    def ok(value: Any) -> bool:
        if value is None:
            return nullable
        return any(check(value) for check in oks)

    def explain(value: Any, path: str) -> list[Reason]:
        if value is None:
            return [] if nullable else [Reason("required-field-missing", f"{path} must not be null", path)]
        attempts = [c.explain(value, path) for c in checkers]
        if any(not a for a in attempts):
            return []
        return min(attempts, key=len)  # the closest branch explains best what is wrong
    return Validator(ok, explain)


def _enum(schema: dict, nullable: bool) -> Validator:
    symbols = frozenset(schema["symbols"])
    message = f"must be one of {', '.join(schema['symbols'])}"

    def ok(value: Any) -> bool:
        if isinstance(value, str):
            return value in symbols
        return nullable and value is None

    def explain(value: Any, path: str) -> list[Reason]:
        return [] if ok(value) else [Reason("not-in-value-set", f"{path or 'value'} {message}", path)]
    return Validator(ok, explain)


def _array(items: Validator, nullable: bool) -> Validator:
    item_ok, item_explain = items.ok, items.explain

    def ok(value: Any) -> bool:
        if isinstance(value, list):
            return all(map(item_ok, value))
        return nullable and value is None

    def explain(value: Any, path: str) -> list[Reason]:
        if not isinstance(value, list):
            return [] if nullable and value is None else [_type(path, "a list")]
        return [r for i, item in enumerate(value) if not item_ok(item) for r in item_explain(item, f"{path}[{i}]")]
    return Validator(ok, explain)


def _map(values: Validator, nullable: bool) -> Validator:
    value_ok, value_explain = values.ok, values.explain

    def ok(value: Any) -> bool:
        if isinstance(value, dict):
            return all(map(value_ok, value.values()))
        return nullable and value is None

    def explain(value: Any, path: str) -> list[Reason]:
        if not isinstance(value, dict):
            return [] if nullable and value is None else [_type(path, "an object")]
        return [r for k, item in value.items() if not value_ok(item) for r in value_explain(item, f"{path}.{k}")]
    return Validator(ok, explain)


# Primitive kinds whose check is a plain isinstance: (accepted types, what the reason expects).
_TYPES = {
    "null": ((type(None),), "null"),
    "boolean": ((bool,), "true or false"),
    "string": ((str,), "a string"),
    "bytes": ((bytes, str), "bytes"),
}


def _primitive(kind: Any, nullable: bool) -> Validator:
    if isinstance(kind, str) and kind in _TYPES:
        types, expected = _TYPES[kind]
        types += (type(None),) if nullable else ()

        def ok(value: Any) -> bool:
            return isinstance(value, types)
    elif kind in ("int", "long"):
        lo, hi = _INT32 if kind == "int" else _INT64
        expected = f"a whole number ({kind})"

        def ok(value: Any) -> bool:
            if isinstance(value, int) and not isinstance(value, bool):  # bool is an int to Python, not to Avro
                return lo <= value <= hi
            return nullable and value is None
    elif kind in ("float", "double"):
        expected = "a number"

        def ok(value: Any) -> bool:
            if isinstance(value, (int, float)):
                return not isinstance(value, bool)
            return nullable and value is None
    else:
        def ok(value: Any) -> bool:
            return nullable and value is None

        def unsupported(value: Any, path: str) -> list[Reason]:
            return [] if ok(value) else [Reason("schema-unsupported", f"{path}: type {kind} cannot be checked", path)]
        return Validator(ok, unsupported)

    def explain(value: Any, path: str) -> list[Reason]:
        return [] if ok(value) else [_type(path, expected)]
    return Validator(ok, explain)


def _type(path: str, expected: str) -> Reason:
    return Reason("wrong-type", f"{path or 'value'} must be {expected}", path)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name

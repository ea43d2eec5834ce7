"""Structural check of a plain value (e.g. parsed JSON) against an Avro schema.

Unlike fastavro's validator, the reasons name the field path and the expected type but never
echo the value: a reason may end up on a terminal or in a log, identity must not."""
from __future__ import annotations

from typing import Any

from .messages import Reason

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


def conformance_problems(schema: Any, value: Any, path: str = "") -> list[Reason]:
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
        return [r for i, item in enumerate(value) for r in conformance_problems(schema["items"], item, f"{path}[{i}]")]
    if kind == "map":
        if not isinstance(value, dict):
            return [_type(path, "an object")]
        return [r for k, item in value.items() for r in conformance_problems(schema["values"], item, f"{path}.{k}")]
    return _primitive(kind, value, path)


def _record(schema: dict, value: Any, path: str) -> list[Reason]:
    if not isinstance(value, dict):
        return [_type(path, "an object")]
    problems: list[Reason] = []
    known = {f["name"] for f in schema["fields"]}
    for extra in sorted(set(value) - known):
        problems.append(Reason("unknown-field", f"{_join(path, str(extra))} is not an SDM-MR field here", _join(path, str(extra))))
    for field in schema["fields"]:
        sub = _join(path, field["name"])
        if field["name"] not in value:
            if "default" not in field:
                problems.append(Reason("required-field-missing", f"{sub} is required", sub))
            continue
        problems.extend(conformance_problems(field["type"], value[field["name"]], sub))
    return problems


def _union(branches: list, value: Any, path: str) -> list[Reason]:
    if value is None:
        return [] if "null" in branches else [Reason("required-field-missing", f"{path} must not be null", path)]
    attempts = [conformance_problems(b, value, path) for b in branches if b != "null"]
    if any(not a for a in attempts):
        return []
    return min(attempts, key=len)  # the closest branch explains best what is wrong


def _primitive(kind: str, value: Any, path: str) -> list[Reason]:
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


def _type(path: str, expected: str) -> Reason:
    return Reason("wrong-type", f"{path or 'value'} must be {expected}", path)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name

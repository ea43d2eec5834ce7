"""Walks over a submission value alongside its expanded Avro schema.

The walk only descends where the schema does, so a deeply nested or oversized value costs no
more than the schema's own depth allows."""
from __future__ import annotations

import re
from typing import Any, Iterator

PARTIAL_DATE = "rarelog.v1.PartialDate"
_ISO_PARTIAL = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


def _kind(schema: Any) -> str:
    return schema if isinstance(schema, str) else schema.get("type", "")


def _name(schema: Any) -> str:
    return schema.get("name", "") if isinstance(schema, dict) else ""


def _branch(branches: list, value: Any) -> Any:
    """The union branch a (structurally valid) value belongs to, or None."""
    if value is None:
        return None
    for branch in branches:
        kind = _kind(branch)
        if isinstance(value, dict) and kind in ("record", "map") \
                or isinstance(value, list) and kind == "array" \
                or isinstance(value, str) and kind in ("string", "enum", "bytes") \
                or isinstance(value, bool) and kind == "boolean" \
                or isinstance(value, (int, float)) and not isinstance(value, bool) \
                and kind in ("int", "long", "float", "double"):
            return branch
    return None


# -- JSON convenience -----------------------------------------------------------------------

def parse_partial_date(text: str) -> dict | None:
    """'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' as a PartialDate value; None for anything else."""
    match = _ISO_PARTIAL.fullmatch(text)
    if not match:
        return None
    y, m, d = match.groups()
    return {"year": int(y), "month": m and int(m), "day": d and int(d)}


def with_partial_dates(schema: Any, value: Any) -> Any:
    """`value` with every ISO date string converted wherever the schema expects a PartialDate.

    Works on any value (conformance has not been checked yet): what does not fit is left as it
    is, for conformance to report with its path."""
    if isinstance(schema, list):
        if isinstance(value, str) and "string" not in schema \
                and any(_name(b) == PARTIAL_DATE for b in schema):
            return parse_partial_date(value) or value
        if isinstance(value, dict):
            records = [b for b in schema if _kind(b) == "record"]
            fitting = [b for b in records if set(value) <= {f["name"] for f in b["fields"]}]
            chosen = (fitting or records or [b for b in schema if _kind(b) == "map"] or [None])[0]
            return value if chosen is None else with_partial_dates(chosen, value)
        if isinstance(value, list):
            arrays = [b for b in schema if _kind(b) == "array"]
            return with_partial_dates(arrays[0], value) if arrays else value
        return value
    kind = _kind(schema)
    if kind == "record":
        if _name(schema) == PARTIAL_DATE and isinstance(value, str):
            return parse_partial_date(value) or value
        if isinstance(value, dict):
            for field in schema["fields"]:
                if field["name"] in value:
                    value[field["name"]] = with_partial_dates(field["type"], value[field["name"]])
        return value
    if kind == "array" and isinstance(value, list):
        return [with_partial_dates(schema["items"], item) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {k: with_partial_dates(schema["values"], v) for k, v in value.items()}
    return value


# -- Leaves of a conforming value -----------------------------------------------------------

def leaves(schema: Any, value: Any, path: str = "", field: str = "") -> Iterator[tuple[str, str, str, Any]]:
    """(path, field name, kind, value) for every string, number and PartialDate of a value that
    conforms to the schema. `field` is the record field the value sits in (for an array item,
    the array's field); kind is the primitive type, or PARTIAL_DATE."""
    if isinstance(schema, list):
        branch = _branch(schema, value)
        if branch is not None:
            yield from leaves(branch, value, path, field)
        return
    kind = _kind(schema)
    if kind == "record":
        if _name(schema) == PARTIAL_DATE:
            yield path, field, PARTIAL_DATE, value
            return
        for f in schema["fields"]:
            if value.get(f["name"]) is not None:
                yield from leaves(f["type"], value[f["name"]], f"{path}.{f['name']}" if path else f["name"], f["name"])
    elif kind == "array":
        for i, item in enumerate(value):
            yield from leaves(schema["items"], item, f"{path}[{i}]", field)
    elif kind == "map":
        for key, item in value.items():
            yield from leaves(schema["values"], item, f"{path}.{key}", field)
    elif kind in ("string", "double", "float"):
        yield path, field, kind, value

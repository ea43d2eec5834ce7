"""Walks over a submission value alongside its expanded Avro schema.

Each walk is compiled once per schema (cached by identity) into closures that follow only the
parts of the schema that matter to it: the partial-date conversion visits only fields on the way
to a PartialDate, the leaf walk only fields holding a leaf some rule checks. The walks only
descend where the schema does, so a deeply nested or oversized value costs no more than the
schema's own depth allows."""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Callable

PARTIAL_DATE = "rarelog.v1.PartialDate"
_ISO_PARTIAL = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_CACHE_MAX = 16


def _kind(schema: Any) -> str:
    kind = schema if isinstance(schema, str) else schema.get("type", "")
    return kind if isinstance(kind, str) else ""  # {"type": {...}}: no kind these walks enter


def _name(schema: Any) -> str:
    return schema.get("name", "") if isinstance(schema, dict) else ""


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def by_identity(cache: dict, schema: Any, build: Callable[[Any], Any]) -> Any:
    """build(schema), computed once per schema object (schemas are treated as immutable)."""
    hit = cache.get(id(schema))
    if hit is not None and hit[0] is schema:  # the schema is kept alive, so its id stays its own
        return hit[1]
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    built = build(schema)
    cache[id(schema)] = (schema, built)
    return built


# -- JSON convenience -----------------------------------------------------------------------

def parse_partial_date(text: str) -> dict | None:
    """'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' as a PartialDate value; None for anything else."""
    match = _ISO_PARTIAL.fullmatch(text)
    if not match:
        return None
    y, m, d = match.groups()
    return {"year": int(y), "month": m and int(m), "day": d and int(d)}


Convert = Callable[[Any], Any]
_converters: dict = {}


def with_partial_dates(schema: Any, value: Any) -> Any:
    """`value` with every ISO date string converted wherever the schema expects a PartialDate.

    Works on any value (conformance has not been checked yet): what does not fit is left as it
    is, for conformance to report with its path. Records are updated in place; arrays and maps
    on the way to a date are rebuilt, the others are left as they are."""
    convert = by_identity(_converters, schema, _dates)
    return value if convert is None else convert(value)


def _dates(schema: Any) -> Convert | None:
    """The conversion of one schema node, or None where no PartialDate can be reached."""
    if isinstance(schema, list):
        return _union_dates(schema)
    kind = _kind(schema)
    if kind == "record":
        return _record_dates(schema)
    if kind == "array" and (items := _dates(schema["items"])) is not None:
        return lambda value: [items(v) for v in value] if isinstance(value, list) else value
    if kind == "map" and (values := _dates(schema["values"])) is not None:
        return lambda value: {k: values(v) for k, v in value.items()} if isinstance(value, dict) else value
    return None


def _record_dates(schema: dict) -> Convert | None:
    is_date = _name(schema) == PARTIAL_DATE
    fields = [(f["name"], convert) for f in schema["fields"] if (convert := _dates(f["type"])) is not None]
    if not is_date and not fields:
        return None

    def convert(value: Any) -> Any:
        if is_date and isinstance(value, str):
            return parse_partial_date(value) or value
        if isinstance(value, dict):
            for name, convert_field in fields:
                if name in value:
                    value[name] = convert_field(value[name])
        return value
    return convert


def _union_dates(branches: list) -> Convert | None:
    others = [b for b in branches if _kind(b) != "null"]
    if len(others) == 1 and _kind(others[0]) in ("record", "array", "map"):
        # ["null", T], as nearly every union is: the rules below then come down to T's own.
        return _dates(others[0])
    # A string is a date where a PartialDate branch is possible and a string branch is not.
    date_text = "string" not in branches and any(_name(b) == PARTIAL_DATE for b in branches)
    # An object goes to the first record branch that has all its keys as fields, else to the
    # first record branch, else to the first map branch; a list to the first array branch.
    records = [({f["name"] for f in b["fields"]}, _dates(b)) for b in branches if _kind(b) == "record"]
    maps = [_dates(b) for b in branches if _kind(b) == "map"]
    arrays = [_dates(b) for b in branches if _kind(b) == "array"]
    to_array = arrays[0] if arrays else None
    if not date_text and to_array is None and not any(c for _, c in records) and not (maps and maps[0]):
        return None

    def for_object(value: dict) -> Convert | None:
        if not records:
            return maps[0] if maps else None
        return next((c for names, c in records if value.keys() <= names), records[0][1])

    def convert(value: Any) -> Any:
        if isinstance(value, str):
            return (parse_partial_date(value) or value) if date_text else value
        if isinstance(value, dict):
            chosen = for_object(value)
            return value if chosen is None else chosen(value)
        if isinstance(value, list) and to_array is not None:
            return to_array(value)
        return value
    return convert


# -- Leaves of a conforming value -----------------------------------------------------------

@dataclass(frozen=True)
class Check:
    """A check of conforming values against some rules. `ok(value, ctx)` says the value is
    fine, building nothing; `report(value, path, ctx, out)` appends the reasons to `out` and
    runs only where ok said no. ok is True exactly when report would add nothing."""
    ok: Callable[[Any, Any], bool]
    report: Callable[[Any, str, Any, list], None]


# leaf_check(field, kind) -> the Check of one leaf, or None when nothing is checked there.
LeafChecks = Callable[[str, str], "Check | None"]


def compile_leaves(schema: Any, leaf_check: LeafChecks, field: str = "") -> Check | None:
    """The check of every string, number and PartialDate of a value that conforms to the
    schema, or None where nothing is checked. `field` is the record field a value sits in (for
    an array item, the array's field); kind is the primitive type, or PARTIAL_DATE. A leaf is
    visited where its field is present and not null."""
    if isinstance(schema, list):
        return _union_leaves(schema, leaf_check, field)
    kind = _kind(schema)
    if kind == "record":
        if _name(schema) == PARTIAL_DATE:
            return leaf_check(field, PARTIAL_DATE)
        return _record_leaves(schema, leaf_check)
    if kind == "array":
        return _items_leaves(compile_leaves(schema["items"], leaf_check, field), is_map=False)
    if kind == "map":
        return _items_leaves(compile_leaves(schema["values"], leaf_check, field), is_map=True)
    if kind in ("string", "double", "float"):
        return leaf_check(field, kind)
    return None


def _record_leaves(schema: dict, leaf_check: LeafChecks) -> Check | None:
    fields = [(f["name"], c) for f in schema["fields"]
              if (c := compile_leaves(f["type"], leaf_check, f["name"])) is not None]
    if not fields:
        return None
    oks = [(name, c.ok) for name, c in fields]

    def ok(value: dict, ctx: Any) -> bool:
        for name, check in oks:
            item = value.get(name)
            if item is not None and not check(item, ctx):
                return False
        return True

    def report(value: dict, path: str, ctx: Any, out: list) -> None:
        for name, c in fields:
            item = value.get(name)
            if item is not None and not c.ok(item, ctx):
                c.report(item, _join(path, name), ctx, out)
    return Check(ok, report)


def _items_leaves(inner: Check | None, *, is_map: bool) -> Check | None:
    """An array's items, or a map's values."""
    if inner is None:
        return None
    inner_ok, inner_report = inner.ok, inner.report
    values, pairs, step = (dict.values, dict.items, ".{}") if is_map else (iter, enumerate, "[{}]")

    def ok(value: Any, ctx: Any) -> bool:
        return all(map(inner_ok, values(value), repeat(ctx)))

    def report(value: Any, path: str, ctx: Any, out: list) -> None:
        for key, item in pairs(value):
            if not inner_ok(item, ctx):
                inner_report(item, path + step.format(key), ctx, out)
    return Check(ok, report)


# The type of a (non-null) value that belongs to a union branch of each kind; numbers apart,
# for a bool is an int to Python but not to Avro.
_BRANCH_TYPE = {"record": dict, "map": dict, "array": list, "string": str, "enum": str, "bytes": str,
                "boolean": bool}
_NUMBERS = ("int", "long", "float", "double")


def _fits(kind: str, value: Any) -> bool:
    if kind in _NUMBERS:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return kind in _BRANCH_TYPE and isinstance(value, _BRANCH_TYPE[kind])


def _union_leaves(branches: list, leaf_check: LeafChecks, field: str) -> Check | None:
    """A value is checked as the first branch it fits (null fits none: it is not visited)."""
    options = [(_kind(b), compile_leaves(b, leaf_check, field)) for b in branches if _kind(b) != "null"]
    if all(c is None for _, c in options):
        return None
    if len(options) == 1 and options[0][0] in _BRANCH_TYPE:  # ["null", T], as nearly every union is
        ((kind, only),) = options
        branch_type, only_ok, only_report = _BRANCH_TYPE[kind], only.ok, only.report

        def ok_one(value: Any, ctx: Any) -> bool:
            return not isinstance(value, branch_type) or only_ok(value, ctx)

        def report_one(value: Any, path: str, ctx: Any, out: list) -> None:
            if isinstance(value, branch_type):
                only_report(value, path, ctx, out)
        return Check(ok_one, report_one)

    def chosen(value: Any) -> Check | None:
        return next((c for kind, c in options if _fits(kind, value)), None)

    def ok(value: Any, ctx: Any) -> bool:
        c = chosen(value)
        return c is None or c.ok(value, ctx)

    def report(value: Any, path: str, ctx: Any, out: list) -> None:
        c = chosen(value)
        if c is not None:
            c.report(value, path, ctx, out)
    return Check(ok, report)

"""Avro schema compatibility checks, following the "Schema Resolution" rules of the
Avro 1.11 specification.

The question answered everywhere is: can data written with the *writer* schema be
decoded by a consumer holding the *reader* schema?  Schemas may be plain JSON-like
structures or the output of ``fastavro.schema.parse_schema`` (with or without
``expand=True``); named types referenced by name are looked up in the schema itself.
Nothing here does I/O.
"""
from __future__ import annotations

from typing import Any, Sequence, Union

Schema = Union[dict, list, str]

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
_NAMED = frozenset({"record", "error", "enum", "fixed"})
_COMPLEX = _NAMED | {"array", "map"}
# Writer type -> reader types it may be promoted to (spec: "Schema Resolution").
_PROMOTIONS = {
    "int": {"long", "float", "double"},
    "long": {"float", "double"},
    "float": {"double"},
    "string": {"bytes"},
    "bytes": {"string"},
}
MODES = ("BACKWARD", "FORWARD", "FULL", "NONE")


def _short(name: str) -> str:
    """The spec matches named types by their unqualified name."""
    return name.rsplit(".", 1)[-1]


def _collect_names(schema: Any, namespace: str, out: dict[str, dict]) -> None:
    """Index every named type by full and short name so that references can be followed."""
    if not isinstance(schema, dict):
        for branch in schema if isinstance(schema, list) else ():
            _collect_names(branch, namespace, out)
        return
    for full, named in schema.get("__named_schemas", {}).items():  # fastavro's own index
        out.setdefault(full, named)
        out.setdefault(_short(full), named)
    kind = schema.get("type")
    if isinstance(kind, str) and kind in _NAMED and "name" in schema:
        name, ns = schema["name"], schema.get("namespace", namespace)
        full = name if "." in name or not ns else f"{ns}.{name}"
        out.setdefault(full, schema)
        out.setdefault(_short(full), schema)
        namespace = full.rpartition(".")[0]  # inner relative names inherit it
    children = [kind, schema.get("items"), schema.get("values")]
    for child in children + [f["type"] for f in schema.get("fields", ())]:
        _collect_names(child, namespace, out)


def _resolve(schema: Any, names: dict[str, dict]) -> Any:
    """Follow name references and ``{"type": <schema>}`` wrappers down to a concrete schema."""
    while True:
        if isinstance(schema, str) and schema not in PRIMITIVES:
            found = names.get(schema) or names.get(_short(schema))
            if found is None:
                raise ValueError(f"unknown Avro type name {schema!r}")
            schema = found
        elif isinstance(schema, dict):
            kind = schema.get("type")
            if isinstance(kind, str) and (kind in PRIMITIVES or kind in _COMPLEX):
                return schema
            if kind is None:
                raise ValueError(f"Avro schema without a type: {schema!r}")
            schema = kind
        else:
            return schema


def _kind(schema: Any) -> str:
    if isinstance(schema, list):
        return "union"
    return schema if isinstance(schema, str) else schema["type"]


def _describe(schema: Any) -> str:
    if isinstance(schema, list):
        return "union [" + ", ".join(_describe(b) for b in schema) + "]"
    if isinstance(schema, dict) and schema["type"] in _NAMED:
        return f"{schema['type']} '{_short(schema['name'])}'"
    return f"'{_kind(schema)}'"


def _decimal(schema: Any) -> tuple[int, int] | None:
    if isinstance(schema, dict) and schema.get("logicalType") == "decimal":
        return schema.get("precision"), schema.get("scale", 0)
    return None


class _Checker:
    def __init__(self, reader: Schema, writer: Schema) -> None:
        self.rnames: dict[str, dict] = {}
        self.wnames: dict[str, dict] = {}
        _collect_names(reader, "", self.rnames)
        _collect_names(writer, "", self.wnames)
        # Record pairs currently being compared higher up the stack.  Meeting one again
        # means a recursive type: assume it compatible here, since any real problem is
        # reported by the outer comparison (this is what makes recursion terminate).
        self.active: set[tuple[str, str]] = set()

    def check(self, reader: Any, writer: Any, path: str) -> list[str]:
        r, w = _resolve(reader, self.rnames), _resolve(writer, self.wnames)
        rk, wk = _kind(r), _kind(w)
        if wk == "union":  # every branch the writer may have used must be readable
            if rk == "union":
                return [p for branch in w for p in self._into_union(r, branch, path)]
            return [p for branch in w for p in self.check(r, branch, path)]
        if rk == "union":
            return self._into_union(r, w, path)
        if rk in PRIMITIVES and wk in PRIMITIVES:
            if rk != wk and rk not in _PROMOTIONS.get(wk, ()):
                return [f"{path}: writer type '{wk}' cannot be read as '{rk}'"]
            return self._check_decimal(r, w, path)
        if rk != wk and {rk, wk} != {"record", "error"}:
            return [f"{path}: writer type {_describe(w)} cannot be read as {_describe(r)}"]
        if rk == "array":
            return self.check(r["items"], w["items"], path + "[]")
        if rk == "map":
            return self.check(r["values"], w["values"], path + "{}")
        # Named types: the reader's name or one of its aliases must equal the writer's name.
        wname = _short(w["name"])
        if wname not in {_short(n) for n in [r["name"], *r.get("aliases", ())]}:
            return [f"{path}: writer {wk} '{wname}' does not match reader {rk} "
                    f"'{_short(r['name'])}' by name or alias"]
        if rk == "enum":
            if "default" in r:  # unknown writer symbols then decode as the default
                return []
            return [f"{path}: writer symbol '{s}' not in reader enum and reader enum has no default"
                    for s in w["symbols"] if s not in r["symbols"]]
        if rk == "fixed":
            if r["size"] != w["size"]:
                return [f"{path}: writer fixed size {w['size']} differs from reader size {r['size']}"]
            return self._check_decimal(r, w, path)
        return self._check_record(r, w, path)

    def _check_record(self, r: dict, w: dict, path: str) -> list[str]:
        key = (r["name"], w["name"])
        if key in self.active:
            return []
        self.active.add(key)
        try:
            problems: list[str] = []
            wfields = {f["name"]: f for f in w.get("fields", ())}
            for rf in r.get("fields", ()):
                fpath = f"{path}.{rf['name']}"
                # Reader field aliases name the writer field it used to be called.
                wf = next((wfields[n] for n in [rf["name"], *rf.get("aliases", ())] if n in wfields), None)
                if wf is not None:
                    problems += self.check(rf["type"], wf["type"], fpath)
                elif "default" not in rf:
                    problems.append(f"{fpath}: reader field missing from writer and has no default")
            # Writer fields the reader does not know are simply skipped.
            return problems
        finally:
            self.active.discard(key)

    def _into_union(self, r: list, writer: Any, path: str) -> list[str]:
        """A non-union writer value is read by the first reader branch that can read it."""
        trials = [self.check(branch, writer, path) for branch in r]
        if any(not t for t in trials):
            return []
        w = _resolve(writer, self.wnames)
        # A branch of the same type and name is almost surely the intended one: its
        # detailed problems are more useful than a generic "no branch" message.
        for branch, problems in zip(r, trials):
            if _describe(_resolve(branch, self.rnames)) == _describe(w):
                return problems
        return [f"{path}: writer type {_describe(w)} not readable by any branch of reader "
                f"{_describe(r)}"]

    @staticmethod
    def _check_decimal(r: Any, w: Any, path: str) -> list[str]:
        # Logical types are otherwise ignored (readers fall back to the underlying type),
        # but two decimals with different precision/scale would change the value.
        rd, wd = _decimal(r), _decimal(w)
        if rd and wd and rd != wd:
            return [f"{path}: writer decimal(precision={wd[0]}, scale={wd[1]}) differs from "
                    f"reader decimal(precision={rd[0]}, scale={rd[1]})"]
        return []


def reader_incompatibilities(reader: Schema, writer: Schema) -> list[str]:
    """Problems preventing ``reader`` from decoding data written with ``writer``; [] if none."""
    checker = _Checker(reader, writer)
    root = _resolve(reader, checker.rnames)
    label = _short(root["name"]) if isinstance(root, dict) and root["type"] in _NAMED else _kind(root)
    return checker.check(reader, writer, label)


def compatibility_problems(new: Schema, old: Schema, mode: str) -> list[str]:
    """Check ``new`` against ``old`` in a registry mode; each problem names its direction.

    BACKWARD: consumers on ``new`` read data written with ``old``.
    FORWARD:  consumers on ``old`` read data written with ``new``.
    FULL:     both.  NONE: nothing is checked.
    """
    mode = mode.upper()
    if mode not in MODES:
        raise ValueError(f"unknown compatibility mode {mode!r}; expected one of {MODES}")
    problems: list[str] = []
    if mode in ("BACKWARD", "FULL"):
        problems += [f"BACKWARD: {p}" for p in reader_incompatibilities(new, old)]
    if mode in ("FORWARD", "FULL"):
        problems += [f"FORWARD: {p}" for p in reader_incompatibilities(old, new)]
    return problems


def check_transitive(new: Schema, history: Sequence[Any], mode: str = "FULL") -> list[str]:
    """Check ``new`` against every earlier version (``FULL`` means FULL_TRANSITIVE).

    ``history`` items are ``(label, schema)`` tuples or bare schemas (labelled ``#index``);
    only tuples count as pairs, since a two-branch union is itself a list.  Each problem
    is prefixed with the label of the version it concerns.
    """
    base = mode.upper().removesuffix("_TRANSITIVE")
    problems: list[str] = []
    for index, item in enumerate(history):
        label, old = item if isinstance(item, tuple) else (f"#{index}", item)
        problems += [f"{label}: {p}" for p in compatibility_problems(new, old, base)]
    return problems

"""Hand-written submissions that ingest must accept (valid/) or refuse with one named rule
(invalid/). See README.md for the file formats.

    invalid_cases() -> [(name, rule, bytes)]   the message bytes to publish on the intake topic
    valid_cases()   -> [(name, bytes)]
    paths(value), mutate(document, path, ...)   to spoil a submission one field at a time
"""
from __future__ import annotations

import base64
import copy
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def paths(value, prefix=()):
    """Every (path to a) field and list item of a JSON value."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield prefix + (key,)
        yield from paths(item, prefix + (key,))


def mutate(document, path: tuple, replacement=None, *, drop: bool = False) -> None:
    """Drops the field or list item at `path`, or puts a copy of `replacement` there."""
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    if drop:
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(replacement)


def _json_bytes(value) -> bytes:
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # text with an unpaired surrogate travels as a \u escape
        return json.dumps(value).encode("ascii")


def _avro_bytes(spec: dict) -> bytes:
    """Avro single-object encoding of a submission, then spoiled as the spec says."""
    from rarelog_kit.serde import AvroCatalog

    catalog = AvroCatalog()
    data = catalog.encode(spec.get("record_type", "Submission"), spec["value"])
    if "fingerprint_hex" in spec:
        data = data[:2] + bytes.fromhex(spec["fingerprint_hex"]) + data[10:]
    if "drop_last_bytes" in spec:
        data = data[:-spec["drop_last_bytes"]]
    return data + base64.b64decode(spec.get("append_base64", ""))


def _message(case: dict) -> bytes:
    if "raw_base64" in case:
        return base64.b64decode(case["raw_base64"])
    if "avro" in case:
        return _avro_bytes(case["avro"])
    data = _json_bytes(case["submission"])
    return data + b" " * max(0, case.get("pad_to_bytes", 0) - len(data))


def invalid_cases() -> list[tuple[str, str, bytes]]:
    out = []
    for path in sorted((HERE / "invalid").glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        out.append((path.stem, case["rule"], _message(case)))
    return out


def valid_cases() -> list[tuple[str, bytes]]:
    return [(path.stem, _json_bytes(json.loads(path.read_text(encoding="utf-8"))))
            for path in sorted((HERE / "valid").glob("*.json"))]

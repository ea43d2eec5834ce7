"""The reconciler's changelog on Kafka: state changes to messages and back (docs/decisions/0005).

Compacted, one partition, written in the same transaction as the patient events: reading it to
its end (read_committed) gives exactly the state of the committed decisions.
"""
from __future__ import annotations

import json
import logging
import time

from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topic_reader import read_to_end

from .state import Change, LinkageState

log = logging.getLogger(__name__)


def to_message(catalog: AvroCatalog, change: Change) -> tuple[bytes, bytes | None]:
    key = change.changelog_key.encode()
    v = change.value
    if v is None:
        return key, None
    if change.kind in ("record", "encoding"):
        return key, catalog.encode("LinkageIndexEntry", {"patient_id": v["patient_id"],
                                                         "record_version": v["record_version"],
                                                         "encoding": v.get("encoding")})
    if change.kind == "pseudonym":
        return key, catalog.encode("PseudonymOwner", v)
    if change.kind == "review":
        return key, catalog.encode("PendingReview", v)
    if change.kind == "model":
        return key, catalog.encode("LinkageModel", {"parameters_json": json.dumps(v["parameters"], sort_keys=True),
                                                    "fitted_on_records": int(v["parameters"].get("records", 0))})
    raise ValueError(f"unknown changelog entry kind {change.kind!r}")


def from_message(catalog: AvroCatalog, key: bytes, value: bytes | None) -> Change | None:
    kind, _, name = key.decode().partition(":")
    if value is None:
        return Change(kind, name, None)
    decoded = catalog.decode(value)
    v = decoded.value
    if decoded.schema_name == "LinkageModel":
        return Change(kind, name, {"parameters": json.loads(v["parameters_json"])})
    if kind == "pseudonym" and decoded.schema_name != "PseudonymOwner":
        return None  # an entry of the exact-only index, before fuzzy linkage: the encodings find them
    return Change(kind, name, v)


def load(catalog: AvroCatalog, consumer_config: dict, topic: str, state: LinkageState) -> LinkageState:
    """Rebuilds `state` from the changelog; logs progress on a large one."""
    start, entries, last = time.monotonic(), [], time.monotonic()
    for m in read_to_end(consumer_config, topic):
        change = from_message(catalog, m.key(), m.value())
        if change is not None:
            entries.append(change)
        if len(entries) % 200_000 == 0 and time.monotonic() - last > 5:
            last = time.monotonic()
            log.info("reading the linkage changelog", extra={"entries": len(entries)})
    read_s = time.monotonic() - start
    state.rebuild(entries)
    log.info("linkage state rebuilt", extra={"entries": len(entries), "read_s": round(read_s, 1),
                                             "total_s": round(time.monotonic() - start, 1), **state.summary()})
    return state

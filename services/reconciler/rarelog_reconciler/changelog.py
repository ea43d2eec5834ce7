"""The reconciler's changelog on Kafka: state changes to messages and back (docs/decisions/0005).

Compacted, one partition, written in the same transaction as the patient events: reading it to
its end (read_committed) gives exactly the state of the committed decisions. A local checkpoint
(`checkpoint`) of the state as of an offset spares reading what comes before it.
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Callable

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource

from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topic_reader import read_to_end
from rarelog_kit.topics import DAY_MS

from . import checkpoint
from .state import Change, LinkageState, index_encoding, linkage_pseudonyms

log = logging.getLogger(__name__)


def to_message(catalog: AvroCatalog, change: Change) -> tuple[bytes, bytes | None]:
    key = change.changelog_key.encode()
    v = change.value
    if v is None:
        return key, None
    if change.kind in ("record", "encoding"):
        sealed = v.get("sealed_linkage")  # then the encoding travels only sealed
        return key, catalog.encode("LinkageIndexEntry", {"patient_id": v["patient_id"],
                                                         "record_version": v["record_version"],
                                                         "encoding": None if sealed else v.get("encoding"),
                                                         "sealed_linkage": sealed})
    if change.kind == "pseudonym":
        return key, catalog.encode("PseudonymOwner", v)
    if change.kind == "review":
        return key, catalog.encode("PendingReview", v)
    if change.kind == "model":
        return key, catalog.encode("LinkageModel", {"parameters_json": json.dumps(v["parameters"], sort_keys=True),
                                                    "fitted_on_records": int(v["parameters"].get("records", 0))})
    if change.kind == "sequence":
        return key, catalog.encode("LinkageSequence", v)
    if change.kind == "death":
        return key, catalog.encode("VerifiedDeath", v)
    raise ValueError(f"unknown changelog entry kind {change.kind!r}")


# Opens a record's sealed linkage: (record key, sealed bytes) → the SealedLinkage value, or None
# when the record's data key is gone (it was erased).
Opener = Callable[[str, bytes], "dict | None"]


def from_message(catalog: AvroCatalog, key: bytes, value: bytes | None, opener: Opener | None = None) -> Change | None:
    kind, _, name = key.decode().partition(":")
    if value is None:
        return Change(kind, name, None)
    decoded = catalog.decode(value)
    v = decoded.value
    if decoded.schema_name == "LinkageIndexEntry" and v.get("sealed_linkage"):
        opened = opener(name, v["sealed_linkage"]) if opener is not None else None
        if opened is None:  # its key is gone: an erased record, whose tombstone follows
            return Change(kind, name, None)
        return Change(kind, name, {**v, "encoding": index_encoding(opened) if kind == "encoding" else None,
                                   "pseudonyms": linkage_pseudonyms(opened)})
    if decoded.schema_name == "LinkageModel":
        return Change(kind, name, {"parameters": json.loads(v["parameters_json"])})
    if kind == "pseudonym" and decoded.schema_name != "PseudonymOwner":
        return None  # an entry of the exact-only index, before fuzzy linkage: the encodings find them
    return Change(kind, name, v)


def load(catalog: AvroCatalog, consumer_config: dict, topic: str, state: LinkageState,
         state_dir: Path | None = None, opener: Opener | None = None) -> tuple[LinkageState, int]:
    """The committed state, from the checkpoint in `state_dir` and the changelog after it if it
    can be used, else rebuilt from the whole changelog into `state` (a fresh one); with the
    number of changelog entries read."""
    if state_dir is not None:
        try:
            return _from_checkpoint(catalog, consumer_config, topic, state, state_dir, opener)
        except checkpoint.Unusable as exc:
            log.info("linkage checkpoint not used, rebuilding from the changelog", extra={"reason": str(exc)})
        except Exception as exc:  # a checkpoint only saves time: whatever fails, the changelog is whole
            log.warning("linkage checkpoint failed to load, rebuilding from the changelog",
                        extra={"reason": f"{type(exc).__name__}: {exc}"})
    return rebuild(catalog, consumer_config, topic, state, opener)


def _from_checkpoint(catalog: AvroCatalog, consumer_config: dict, topic: str, fresh: LinkageState,
                     state_dir: Path, opener: Opener | None = None) -> tuple[LinkageState, int]:
    start = time.monotonic()
    # A tombstone written after the checkpoint stays in the compacted log at least
    # delete.retention.ms: a checkpoint younger than that (less a quarter, for clock skew between
    # us and the broker and the time the tail takes to read) misses no removal.
    max_age_s = 0.75 * delete_retention_ms(consumer_config, topic) / 1000
    state, header = checkpoint.read(state_dir, topic, fresh, max_age_s)
    loaded = time.monotonic()
    tail = [from_message(catalog, m.key(), m.value(), opener)
            for m in read_to_end(consumer_config, topic, start_offsets={0: header.offset})]
    catch_up(state, [c for c in tail if c is not None])
    log.info("linkage state loaded from checkpoint and changelog tail",
             extra={"offset": header.offset, "checkpoint_age_s": round(time.time() - header.created_at),
                    "tail_entries": len(tail), "load_s": round(loaded - start, 1),
                    "total_s": round(time.monotonic() - start, 1), **state.summary()})
    return state, len(tail)


def catch_up(state: LinkageState, entries: list[Change]) -> None:
    """Applies the changelog written after a checkpoint. The same end state as `apply` one by one,
    ten times faster: adding one record to the index costs about 0.5 ms (its blocking keys), in
    bulk a tenth of it. So records new to the index go to `rebuild`'s bulk add; entries of the
    records the checkpoint has (moves, new versions, withdrawals) are applied in order."""
    known = set(state.index.row_of)  # as the checkpoint has them: applying changes row_of
    for change in entries:
        if change.kind in ("record", "encoding") and change.key in known:
            state.apply(change)
    state.rebuild([c for c in entries if not (c.kind in ("record", "encoding") and c.key in known)])


def rebuild(catalog: AvroCatalog, consumer_config: dict, topic: str, state: LinkageState,
            opener: Opener | None = None) -> tuple[LinkageState, int]:
    """Rebuilds `state` from the whole changelog; logs progress on a large one."""
    start, entries, last = time.monotonic(), [], time.monotonic()
    for m in read_to_end(consumer_config, topic):
        change = from_message(catalog, m.key(), m.value(), opener)
        if change is not None:
            entries.append(change)
        if len(entries) % 200_000 == 0 and time.monotonic() - last > 5:
            last = time.monotonic()
            log.info("reading the linkage changelog", extra={"entries": len(entries)})
    read_s = time.monotonic() - start
    state.rebuild(entries)
    log.info("linkage state rebuilt", extra={"entries": len(entries), "read_s": round(read_s, 1),
                                             "total_s": round(time.monotonic() - start, 1), **state.summary()})
    return state, len(entries)


def save(consumer_config: dict, topic: str, state_dir: Path, state: LinkageState) -> None:
    """Writes a checkpoint of `state`, which must hold every committed entry and nothing else
    (between transactions)."""
    start = time.monotonic()
    created = time.time()  # taken before the offset: the age rule must not count from later
    offset = end_offset(consumer_config, topic)
    path = checkpoint.write(state_dir, topic, offset, state, created)
    log.info("linkage checkpoint written", extra={"offset": offset, "bytes": path.stat().st_size,
                                                  "write_s": round(time.monotonic() - start, 1)})


def end_offset(consumer_config: dict, topic: str) -> int:
    """The changelog's end, between our transactions: its high watermark (read_uncommitted).

    Not the last stable offset: commit_transaction returns once the coordinator has logged the
    commit and writes the markers after, so the LSO may briefly stand before our last entries
    and a checkpoint would claim an offset it is past. The high watermark is past all of them
    (acks=all: an entry is acknowledged once replicated, and the commit flushes first), and
    holds nothing else: we are the only writer (fixed transactional id, predecessors fenced)
    and no transaction of ours is open. An abort marker or control record at or after it is
    skipped on reading. Delivery reports would also give it but need callbacks in the kit's loop."""
    consumer = Consumer({**consumer_config, "group.id": "rarelog-topic-reader", "enable.auto.commit": False,
                         "isolation.level": "read_uncommitted"})
    try:
        _, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=30, cached=False)
        return int(high)
    finally:
        consumer.close()


def delete_retention_ms(client_config: dict, topic: str) -> int:
    """The topic's delete.retention.ms as the broker has it (a topic made before it was declared
    keeps the broker's default); Kafka's default of one day if it cannot be read."""
    try:
        admin = AdminClient(client_config)
        [future] = admin.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, topic)],
                                          request_timeout=30).values()
        return int(future.result()["delete.retention.ms"].value)
    except Exception as exc:
        log.warning("changelog delete.retention.ms unreadable, assuming one day",
                    extra={"reason": f"{type(exc).__name__}: {exc}"})
        return DAY_MS

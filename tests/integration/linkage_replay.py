"""The reconciler's decisions replayed in-process on the committed pseudonymised records: what an
uninterrupted run of the same code over the same log must have published."""
from __future__ import annotations

from rarelog_kit.keystore import DataKeyStore
from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topics import KEYS_RECORDS, PATIENT_EVENTS, PSEUDONYMIZED_RECORDS
from rarelog_reconciler import domain
from rarelog_reconciler.sealed import Sealing
from rarelog_reconciler.state import LinkageState

CATALOG = AvroCatalog()


def keys_ever_made(pipeline) -> DataKeyStore:
    """Every data key the key store's log still holds, erased ones included: the oracle must open
    what the reconciler opened before a withdrawal erased it (the test topics are not compacted
    within a test: they roll their segments hourly)."""
    store = DataKeyStore(CATALOG, {}, None)
    for m in pipeline.read_topic(KEYS_RECORDS):
        if m.value() is not None:
            store.apply(m.key().decode(), m.value())
    return store


def replay(pipeline) -> tuple[list[tuple[str, dict]], LinkageState]:
    state, events = LinkageState(), []
    sealing = Sealing(CATALOG, keys_ever_made(pipeline))
    for m in sorted(pipeline.read_topic(PSEUDONYMIZED_RECORDS), key=lambda m: m.offset()):
        events += domain.reconcile_next(state, sealing.opened_record(CATALOG.decode(m.value()).value)).events
    return events, state


def published(pipeline) -> list[tuple[str, dict]]:
    out = []
    for m in sorted(pipeline.read_topic(PATIENT_EVENTS), key=lambda m: m.offset()):
        decoded = CATALOG.decode(m.value())
        out.append((decoded.schema_name, decoded.value))
    return out


def warehouse_patients(pipeline) -> dict[str, str]:
    return dict(pipeline.query("SELECT record_key, patient_id FROM {registry}.record WHERE NOT withdrawn"))


def pairwise_f1(assigned: dict[str, str], truth: dict[str, str]) -> float:
    """Pairwise F1 of record → patient against record → true person (same record keys)."""
    from collections import Counter

    def pairs(counter: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counter.values())
    keys = sorted(truth)
    tp = pairs(Counter((assigned[k], truth[k]) for k in keys))
    predicted, true = pairs(Counter(assigned[k] for k in keys)), pairs(Counter(truth[k] for k in keys))
    precision, recall = (tp / predicted if predicted else 1.0), (tp / true if true else 1.0)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0

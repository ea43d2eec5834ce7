"""`rarelog linkage review`: possible matches awaiting a reviewer, and the reviewer's verdicts.

The queue is read from the warehouse (registry.possible_match): agreement levels per identity
field and the patients' pseudonymous ids, never identity. A verdict is published on
registry.linkage.reviews; the reconciler applies it (merge, keep apart, split) and publishes the
resulting patient events. The command waits for the reconciler to have read it and reports
whether it applied or why it was refused.
"""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone

import psycopg
from confluent_kafka import Consumer, Producer, TopicPartition

from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topic_reader import read_to_end
from rarelog_kit.topics import LINKAGE_REVIEWS, dlq

FIELD_NAMES = {"given": "given name", "surname": "surname", "date": "birth date", "place": "birth place",
               "sex": "sex", "given_rest": "other given names", "country": "country of birth"}


def pattern(agreement: list[dict]) -> str:
    """'given name 2/5 · surname 5/5 · ...': levels, 0 = unknown on either side."""
    return " · ".join(f"{FIELD_NAMES.get(a['field'], a['field'])} {a['level'] or '-'}/{a['levels']}"
                      for a in agreement)


def pending(database_url: str, schema: str = "registry", limit: int = 50) -> list[dict]:
    with psycopg.connect(database_url, connect_timeout=5) as conn:
        cur = conn.execute(
            f"SELECT review_id, patient_id, candidate_patient_id, match_probability, reason, agreement, raised_at "
            f"FROM {schema}.possible_match WHERE status = 'pending' ORDER BY raised_at, review_id LIMIT %s", (limit,))
        names = [d.name for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


def print_queue(rows: list[dict]) -> None:
    for r in rows:
        agreement = r["agreement"] if isinstance(r["agreement"], list) else json.loads(r["agreement"])
        print(f"{r['review_id']}  p={r['match_probability']:.3f} ({r['reason']})  "
              f"{r['patient_id']} → {r['candidate_patient_id']}\n    {pattern(agreement)}")
    print(f"{len(rows):,} possible match(es) awaiting review")


def verdict(kind: str, reviewer: str, review_id: str | None = None, record_keys: list[str] | None = None) -> dict:
    return {"verdict_id": uuid.uuid4().hex, "verdict": kind, "review_id": review_id,
            "record_keys": list(record_keys or []), "reviewer": reviewer,
            "decided_at": datetime.now(timezone.utc)}


def publish(bootstrap: str, value: dict, prefix: str = "", client_config: dict | None = None,
            catalog: AvroCatalog | None = None) -> int:
    """Publishes one verdict; returns its offset on the (one-partition) reviews topic."""
    catalog = catalog or AvroCatalog()
    delivered: list = []
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, **(client_config or {})})
    producer.produce(prefix + LINKAGE_REVIEWS, catalog.encode("LinkageReview", value),
                     (value["review_id"] or value["verdict_id"]).encode(),
                     on_delivery=lambda err, msg: delivered.append((err, msg)))
    producer.flush(30)
    if not delivered or delivered[0][0] is not None:
        raise RuntimeError(f"the verdict was not delivered: {delivered[0][0] if delivered else 'timed out'}")
    return delivered[0][1].offset()


def outcome(bootstrap: str, offset: int, prefix: str = "", client_config: dict | None = None,
            timeout_s: float = 60.0) -> str | None:
    """Waits until the reconciler has read the verdict; None if it applied, else the refusal."""
    config = {"bootstrap.servers": bootstrap, **(client_config or {})}
    topic = prefix + LINKAGE_REVIEWS
    consumer = Consumer({**config, "group.id": f"{prefix}rarelog-reconciler"})  # read-only: never commits
    deadline = time.monotonic() + timeout_s
    try:
        while (consumer.committed([TopicPartition(topic, 0)], timeout=10)[0].offset or -1) <= offset:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the reconciler has not read the verdict after {timeout_s:.0f} s: is it running?")
            time.sleep(0.3)
    finally:
        consumer.close()
    for m in read_to_end(config, prefix + dlq(LINKAGE_REVIEWS)):
        headers = dict(m.headers() or [])
        if int(headers.get("x-dlq-source-offset", b"-1")) == offset:
            reasons = json.loads(headers.get("x-dlq-reasons", b"[]"))
            return "; ".join(f"{r['code']}: {r['message']}" for r in reasons) or "refused"
    return None

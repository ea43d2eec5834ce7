"""`rarelog deaths import FILE...`: INSEE's deaths, pseudonymised here, matched by the reconciler.

Each readable line goes through the pseudonymizer's normalisation, key ring and encodings
(rarelog_pseudonymizer.deaths) before anything leaves this process: the topic
registry.deaths.pseudonymized holds no name, birth date or place, certificate or line number.
The reconciler matches each death against the registry's patients and reports what it made of
it on registry.deaths.outcomes; this command waits for those reports (per import run) and sums
them up, then — with a database — how many verified deaths the warehouse flags as conflicts.
Importing a file again publishes it again, and the reconciler, which remembers the deaths it
verified, publishes nothing new (docs/decisions/0009).
"""
from __future__ import annotations

import secrets
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from confluent_kafka import Consumer, Producer, TopicPartition

from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topics import DEATH_OUTCOMES, PSEUDONYMIZED_DEATHS
from rarelog_pseudonymizer.deaths import pseudonymise_death
from rarelog_pseudonymizer.keys import KeyRing

from .insee import DeathRecord, LineProblem, PartialDate, ReadCounts, read_deaths

NO_DEATH_YEAR = "death-year-unknown"  # readable, but a death without a year verifies nothing
SHOWN_PROBLEMS = 20                   # unreadable lines listed one by one (all are counted)


@dataclass
class ImportSummary:
    import_id: str
    read: ReadCounts = field(default_factory=ReadCounts)
    unusable: int = 0
    published: int = 0
    outcomes: Counter = field(default_factory=Counter)   # verified, already-verified, unmatched
    steps: Counter = field(default_factory=Counter)      # match step of the verified
    reported: int = 0                                    # outcomes received
    conflicts: int | None = None                         # None: not checked


def _partial(date: PartialDate) -> dict:
    return {"year": date.year, "month": date.month, "day": date.day if date.month else None}


def identity_of(record: DeathRecord) -> tuple[dict, dict]:
    """The death's identity as the pseudonymizer reads an SDM-MR identity, and the death itself."""
    identity = {"birth_name": record.surname, "given_names": list(record.given_names), "sex": record.sex,
                "birth_date": _partial(record.birth_date) if record.birth_date.year else None,
                "birth_place_cog": record.birth_place_code}
    death = {"date": _partial(record.death_date), "place_cog": record.death_place_code,
             "certificate": record.certificate_number}
    return identity, death


def new_import_id() -> str:
    return f"I{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def import_files(paths: list[Path], ring: KeyRing, bootstrap: str, *, prefix: str = "",
                 client_config: dict | None = None, wait: bool = True, timeout_s: float = 900,
                 catalog: AvroCatalog | None = None, out=sys.stderr) -> ImportSummary:
    catalog = catalog or AvroCatalog()
    config = {"bootstrap.servers": bootstrap, **(client_config or {})}
    summary = ImportSummary(new_import_id())
    outcomes_topic = prefix + DEATH_OUTCOMES
    start = _end_offset(config, outcomes_topic)
    _publish(paths, ring, config, prefix + PSEUDONYMIZED_DEATHS, summary, catalog, out)
    if wait and summary.published:
        _collect(config, outcomes_topic, start, summary, catalog, timeout_s, out)
    return summary


def _publish(paths, ring, config, topic, summary, catalog, out) -> None:
    producer = Producer({**config, "enable.idempotence": True, "linger.ms": 50, "compression.type": "zstd"})
    failures: list[str] = []

    def delivered(err, _msg) -> None:
        if err is not None:
            failures.append(err.name())

    shown = 0
    received_at = int(time.time() * 1000)
    began = time.monotonic()
    for item in read_deaths(paths, summary.read):
        if type(item) is LineProblem:
            shown += 1
            if shown <= SHOWN_PROBLEMS:
                out.write(f"\r  {item.source}:{item.line}: unreadable line ({item.reason})\033[K\n")
            continue
        if item.death_date.year is None:
            summary.unusable += 1
            continue
        identity, death = identity_of(item)
        value = pseudonymise_death(ring, identity, death, event_id=f"deaths/{summary.import_id}/{summary.published}",
                                   import_id=summary.import_id, received_at=received_at)
        while True:
            try:
                producer.produce(topic, catalog.encode("PseudonymisedDeath", value), value["death_id"].encode(),
                                 on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.1)
        summary.published += 1
        if summary.published % 5000 == 0:
            producer.poll(0)
            _line(out, f"read {summary.read.lines:,} lines, published {summary.published:,} deaths "
                       f"({summary.published / max(time.monotonic() - began, 1e-9):,.0f}/s)")
    remaining = producer.flush(120)
    if remaining or failures:
        raise RuntimeError(f"{remaining} deaths undelivered, {len(failures)} failed ({', '.join(sorted(set(failures)))})")
    if shown > SHOWN_PROBLEMS:
        out.write(f"\r  ... and {shown - SHOWN_PROBLEMS:,} more unreadable lines (counted below)\033[K\n")
    _line(out, f"read {summary.read.lines:,} lines, published {summary.published:,} deaths")
    out.write("\n")


def _end_offset(config: dict, topic: str) -> int:
    consumer = Consumer({**config, "group.id": "rarelog-deaths-import"})
    try:
        return consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[1]
    finally:
        consumer.close()


def _collect(config, topic, start, summary, catalog, timeout_s, out) -> None:
    """The reconciler's outcome for every death this run published (matched against the registry
    in the order published; one partition)."""
    consumer = Consumer({**config, "group.id": "rarelog-deaths-import", "enable.auto.commit": False,
                         "isolation.level": "read_committed"})
    consumer.assign([TopicPartition(topic, 0, start)])
    deadline = time.monotonic() + timeout_s
    seen: set[str] = set()
    try:
        while len(seen) < summary.published:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the reconciler has reported on {len(seen):,} of {summary.published:,} deaths "
                                   f"after {timeout_s:.0f} s (is it running? 'rarelog status')")
            for m in consumer.consume(1000, 0.5):
                if m.error() is not None:
                    continue
                v = catalog.decode(m.value(), expect=("DeathMatchOutcome",)).value
                if v["import_id"] != summary.import_id or v["event_id"] in seen:
                    continue
                seen.add(v["event_id"])
                summary.outcomes[v["outcome"]] += 1
                if v["outcome"] == "verified":
                    summary.steps[v["match_step"]] += 1
            _line(out, f"matched against the registry: {len(seen):,}/{summary.published:,}")
        out.write("\n")
    finally:
        consumer.close()
    summary.reported = len(seen)


def _line(out, text: str) -> None:
    out.write(f"\r  {text}\033[K")
    out.flush()


def print_summary(s: ImportSummary, out=sys.stdout) -> None:
    r = s.read
    out.write(f"import {s.import_id}: {r.files} file(s), {r.lines:,} lines read, {r.duplicates:,} exact duplicates "
              f"skipped, {r.unreadable_total:,} unreadable, {s.unusable:,} without a death year\n")
    for reason, n in sorted(r.unreadable.items()):
        out.write(f"  unreadable: {reason:<26} {n:>8,}\n")
    out.write(f"deaths published: {s.published:,}\n")
    if not s.reported:
        out.write("not waiting for the reconciler's matching\n")
        return
    verified = s.outcomes["verified"]
    out.write(f"verified (new): {verified:,}\n")
    for step in ("exact-pseudonym", "encodings-birth-date", "fuzzy"):
        out.write(f"  by {step:<22} {s.steps[step]:>8,}\n")
    out.write(f"already verified: {s.outcomes['already-verified']:,}\n"
              f"unmatched: {s.outcomes['unmatched']:,}\n")
    if s.conflicts is not None:
        out.write(f"conflicts with a centre's report (flagged in the warehouse, not applied): {s.conflicts:,}\n")


def conflicts(summary: ImportSummary, bootstrap: str, database_url: str, *, prefix: str = "",
              schema: str = "registry", client_config: dict | None = None, timeout_s: float = 900) -> int:
    """Deaths this run verified that the warehouse flags as contradicting a centre's report,
    once registry-store has applied every event published so far."""
    import psycopg

    from rarelog.pipeline import wait_until_caught_up

    wait_until_caught_up(bootstrap, database_url, prefix=prefix, schema=schema, timeout_s=timeout_s,
                         client_config=client_config)
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        return conn.execute(f"SELECT count(DISTINCT c.death_id) FROM {schema}.vital_status_conflict c "
                            f"JOIN {schema}.death_verified d USING (death_id) WHERE d.import_id = %s",
                            (summary.import_id,)).fetchone()[0]

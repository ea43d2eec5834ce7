"""The crash suite: the same submissions through a crash-free run and through a run whose
services are SIGKILLed at random moments (and whose broker and database restart), then every
topic and every warehouse table compared.

Both runs use one partition per topic, so that a crash-free run of the same input is one
definite thing: with several partitions the interleaving of records, hence the order of linkage
decisions, changes from run to run whatever happens. Submissions carry fixed timestamps, so the
two runs see the same "received at".

Each run makes random data keys of its own (docs/decisions/0011), so the sealed parts of its
messages differ in bytes from the other run's however right both are: patient events are compared
with those parts opened, each run's with its own key store, and each key store must hold one key
per live record.
"""
from __future__ import annotations

import random
import re
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from confluent_kafka import Producer

from rarelog.pipeline import progress
from rarelog_kit.keystore import DataKeyStore
from rarelog_kit.sealing import Unsealable, unseal
from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topics import (INTAKE_RECORDS, INTAKE_SUBMISSIONS, KEYS_RECORDS, LINKAGE_REVIEWS, PATIENT_EVENTS,
                                PSEUDONYMIZED_RECORDS, dlq, ensure_topics)
from rarelog_registry_store.checksum import table_checksums
from tests.chaos.faults import EmbeddedStack, ready, service_port, wait_for
from tests.integration import cohort as cohorts
from tests.integration.harness import SERVICES, Pipeline

CATALOG = AvroCatalog()
# Where each run stands in its topics: positions differ by design (an aborted transaction takes
# offsets), so this table is the one thing not compared.
POSITIONS = {"consumer_offset"}
# The sealed parts of patient events (docs/decisions/0011): field, schema of its plaintext, purpose.
# Each run makes random data keys of its own, so these differ in bytes between two correct runs:
# they are compared opened, each with its own run's key store.
SEALED = {"RecordLinked": ("content", "SealedContent", "content"),
          "VitalStatusVerified": ("sealed", "SealedDeath", "death")}
ERASED = "(erased: the record's data key is gone)"


@dataclass
class Fault:
    what: str
    at_s: float           # since the chaotic run started
    recovered_s: float    # until the services affected were ready and processing again


@dataclass
class Outcome:
    submissions: int
    faults: list[Fault] = field(default_factory=list)
    lost: dict[str, int] = field(default_factory=dict)        # per topic / table
    duplicated: dict[str, int] = field(default_factory=dict)
    events_equal: bool = False
    assignments_equal: bool = False
    unopenable: int = 0          # sealed payloads (either run) whose key is there but does not open them
    data_keys: tuple[int, int] = (0, 0)    # keys in each run's key store (reference, chaos)
    keys_per_live_record: bool = False     # in each run: one key per live record, none for anything else
    tables: dict[str, tuple[tuple, tuple]] = field(default_factory=dict)  # table -> (reference, chaos)
    dead_letters: int = 0
    skipped: list[str] = field(default_factory=list)
    reference_s: float = 0.0
    chaos_s: float = 0.0

    @property
    def checksums_equal(self) -> bool:
        return all(a == b for a, b in self.tables.values())

    @property
    def ok(self) -> bool:
        return (not any(self.lost.values()) and not any(self.duplicated.values()) and self.events_equal
                and self.assignments_equal and self.checksums_equal and self.dead_letters == 0
                and self.unopenable == 0 and self.keys_per_live_record)


def publish(pipeline: Pipeline, messages: list[tuple[bytes, bytes, int]], rate: float | None = None) -> None:
    """Every message, each with its own timestamp; `rate` per second, or as fast as possible."""
    failures: list[str] = []
    producer = Producer({"bootstrap.servers": pipeline.bootstrap, "enable.idempotence": True, "linger.ms": 5})

    def delivered(err, _msg) -> None:
        if err is not None:
            failures.append(err.name())
    start = time.monotonic()
    for i, (key, value, ts) in enumerate(messages):
        if rate:
            time.sleep(max(0.0, start + i / rate - time.monotonic()))
        while True:
            try:
                producer.produce(pipeline.prefix + INTAKE_SUBMISSIONS, value, key, timestamp=ts, on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    assert producer.flush(300) == 0 and not failures, f"submissions not delivered: {failures[:5]}"


def processed(port: int) -> float | None:
    """Messages the service has committed since it started, from its /metrics."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=1) as response:
            text = response.read().decode()
    except OSError:
        return None
    return sum(float(v) for v in re.findall(r"^rarelog_records_processed_total\{[^}]*\} (\S+)$", text, re.M))


class ChaoticRun:
    def __init__(self, pipeline: Pipeline, stack: EmbeddedStack | None, rng: random.Random, say) -> None:
        self.pipeline, self.stack, self.rng, self.say = pipeline, stack, rng, say
        self.start = time.monotonic()
        self._checked: dict[str, float] = {}

    def port(self, service: str) -> int:
        return service_port(self.pipeline, service)

    def start_service(self, service: str) -> None:
        before = self.pipeline.log(service).count('"starting"')
        self.pipeline.start(service, RARELOG_STATE_DIR=str(self.pipeline.workdir / "reconciler-state"))
        wait_for(lambda: self.pipeline.log(service).count('"starting"') > before, 60, f"{service} started")

    def recovered(self, services: tuple[str, ...], since: dict[str, float], timeout_s: float = 240) -> float:
        """Seconds until every service in `services` is ready and has committed more than `since`
        (or its stage has caught up: nothing left to commit)."""
        t0 = time.monotonic()

        def done() -> bool:
            for s in services:
                port = self.port(s)
                count = processed(port)
                if not ready(port) or count is None:
                    return False
                if count <= since.get(s, 0.0) and not self.caught_up(s):
                    return False
            return True
        wait_for(done, timeout_s, f"recovery of {', '.join(services)}", interval_s=0.25)
        return time.monotonic() - t0

    def caught_up(self, service: str) -> bool:
        """Nothing left for `service` to commit (checked at most every 2 s: it opens consumers)."""
        if time.monotonic() - self._checked.get(service, 0.0) < 2:
            return False
        self._checked[service] = time.monotonic()
        try:
            return all(p.caught_up for p in progress(self.pipeline.bootstrap, self.pipeline.database_url,
                                                     self.pipeline.prefix, self.pipeline.schema)
                       if p.stage.split()[0] == service)
        except Exception:  # a broker or database still coming back: not yet
            return False

    def inflict(self, what: str) -> Fault:
        at = time.monotonic() - self.start
        if what.startswith("kill "):
            service = what.removeprefix("kill ")
            self.pipeline.kill(service)
            self.start_service(service)
            affected, since = (service,), {}
        else:
            since = {s: processed(self.port(s)) or 0.0 for s in SERVICES}
            if what == "restart broker":
                self.stack.stop_broker()
                self.stack.start_broker()
                affected = SERVICES
            else:
                self.stack.stop_database()
                self.stack.start_database()
                affected = ("registry-store",)
        fault = Fault(what, at, self.recovered(affected, since))
        self.say(f"  {fault.what} at {fault.at_s:.1f} s: recovered in {fault.recovered_s:.1f} s")
        return fault


def faults_to_inflict(kills: int, stack: EmbeddedStack | None, rng: random.Random) -> tuple[list[str], list[str]]:
    planned = [f"kill {s}" for s in SERVICES for _ in range(kills)]
    skipped = []
    if stack is not None:
        planned += ["restart broker", "restart database"]
    else:
        skipped = ["broker and database restarts: the broker and database are not the embedded stack's"]
    rng.shuffle(planned)
    return planned, skipped


def run(env: dict[str, str], workdir: Path, *, records: int, kills: int, seed: int, say=print,
        pause: tuple[float, float] = (1.0, 6.0)) -> Outcome:
    """`pause`: the range of the random wait before each fault (after the previous recovery)."""
    patients = max(50, round(records / 1.33))  # the generator's cohort has about 1.33 records a patient
    cohort = cohorts.build(patients=patients, centres=max(4, min(40, patients // 500)), seed=seed, invalid=False)
    base = int(time.time() * 1000) - 60_000
    messages = [(k, v, base + i) for i, (k, v) in enumerate(cohort.messages)]
    outcome = Outcome(submissions=len(messages))
    rng = random.Random(seed)
    stack = EmbeddedStack.of(env)
    planned, outcome.skipped = faults_to_inflict(kills, stack, rng)
    runs = []
    for name in ("reference", "chaos"):
        pipeline = Pipeline(env, prefix=f"c{uuid.uuid4().hex[:8]}{name[0]}.", workdir=workdir / name)
        pipeline.workdir.mkdir(parents=True, exist_ok=True)
        ensure_topics(pipeline.bootstrap, pipeline.prefix, partitions=1)
        runs.append(pipeline)
    reference, chaos = runs
    try:
        say(f"crash-free run: {len(messages):,} submissions")
        t0 = time.monotonic()
        for s in SERVICES:
            reference.start(s, RARELOG_STATE_DIR=str(reference.workdir / "reconciler-state"))
        publish(reference, messages)
        reference.wait_caught_up(timeout_s=1800)
        outcome.reference_s = time.monotonic() - t0
        reference.stop_all()

        # The load is spread over the faults (a pause and a recovery each), so that every fault meets
        # work in flight.
        rate = len(messages) / max(10.0, (sum(pause) / 2 + 4.5) * len(planned))
        say(f"chaotic run: {len(planned)} faults while {len(messages):,} submissions arrive at {rate:,.0f}/s")
        t0 = time.monotonic()
        chaotic = ChaoticRun(chaos, stack, rng, say)
        for s in SERVICES:
            chaotic.start_service(s)
        publisher = threading.Thread(target=publish, args=(chaos, messages, rate), daemon=True)
        publisher.start()
        for what in planned:
            time.sleep(rng.uniform(*pause))  # a random moment: mid-batch, mid-commit, mid-rebuild
            outcome.faults.append(chaotic.inflict(what))
        publisher.join()
        chaos.wait_caught_up(timeout_s=1800)
        outcome.chaos_s = time.monotonic() - t0
        compare(reference, chaos, outcome)
    finally:
        for pipeline in runs:
            pipeline.stop_all()
    if outcome.ok:
        for pipeline in runs:
            pipeline.drop()
    return outcome


def _event_ids(pipeline: Pipeline, topic: str) -> list[str]:
    return [CATALOG.decode(m.value()).value["event_id"] for m in pipeline.read_topic(topic)]


def data_keys(pipeline: Pipeline) -> DataKeyStore:
    """The run's key store, read to its end (what every service of the run holds once caught up)."""
    store = DataKeyStore(CATALOG, {"bootstrap.servers": pipeline.bootstrap}, pipeline.prefix + KEYS_RECORDS)
    store.load()
    return store


def opened_events(pipeline: Pipeline, keys: DataKeyStore) -> tuple[list, int]:
    """The run's patient events in order, for comparison: the bytes of an event with nothing sealed;
    (schema, value) of one with a sealed part, the part replaced by its opened value (ERASED when its
    record's key is gone). Also returns how many sealed parts did not open although their key is
    there (never right: sealed under a key the store does not hold)."""
    events, unopenable = [], 0
    for m in pipeline.read_topic(PATIENT_EVENTS):
        decoded = CATALOG.decode(m.value())
        field, schema, purpose = SEALED.get(decoded.schema_name, (None, None, None))
        if field is None or decoded.value.get(field) is None:
            events.append(m.value())
            continue
        value, record_key = dict(decoded.value), decoded.value["record_key"]
        key = keys.keys.get(record_key)
        try:
            value[field] = CATALOG.decode(unseal(key, value[field], record_key=record_key, purpose=purpose),
                                          expect=(schema,)).value
        except Unsealable:
            value[field] = ERASED
            unopenable += key is not None
        events.append((decoded.schema_name, value))
    return events, unopenable


def compare(reference: Pipeline, chaos: Pipeline, outcome: Outcome) -> None:
    # Not the intake: an erasure truncates what was processed of it, at a point each run reaches at
    # its own moment (docs/decisions/0011). Ingest's output is counted one stage later: each intake
    # record gives one pseudonymised record named after it, so a loss or a double shows there.
    for topic in (PSEUDONYMIZED_RECORDS, PATIENT_EVENTS):
        expected, got = _event_ids(reference, topic), _event_ids(chaos, topic)
        outcome.lost[topic] = len(set(expected) - set(got))
        outcome.duplicated[topic] = len(got) - len(set(got)) + len(set(got) - set(expected))
    stores = [data_keys(p) for p in (reference, chaos)]
    (reference_events, bad_reference), (chaos_events, bad_chaos) = (
        opened_events(p, k) for p, k in zip((reference, chaos), stores))
    outcome.events_equal = reference_events == chaos_events
    outcome.unopenable = bad_reference + bad_chaos
    outcome.data_keys = (len(stores[0].keys), len(stores[1].keys))
    outcome.dead_letters = sum(len(chaos.read_topic(dlq(t)))
                               for t in (INTAKE_SUBMISSIONS, INTAKE_RECORDS, PSEUDONYMIZED_RECORDS, LINKAGE_REVIEWS))
    with psycopg.connect(reference.database_url) as conn:
        sums = [table_checksums(conn, p.schema) for p in (reference, chaos)]
        assigned = [dict(conn.execute(f"SELECT record_key, patient_id FROM {p.schema}.record").fetchall())
                    for p in (reference, chaos)]
        live = [{k for (k,) in conn.execute(f"SELECT record_key FROM {p.schema}.record WHERE NOT withdrawn")}
                for p in (reference, chaos)]
    for table in sorted(set(sums[0]) | set(sums[1])):
        if table not in POSITIONS:
            outcome.tables[table] = (sums[0].get(table), sums[1].get(table))
    outcome.assignments_equal = assigned[0] == assigned[1] and len(assigned[0]) > 0
    outcome.lost["warehouse records"] = len(set(assigned[0]) - set(assigned[1]))
    outcome.duplicated["warehouse records"] = len(set(assigned[1]) - set(assigned[0]))
    # Erased and withdrawn records have no key left; every live record has its own.
    outcome.keys_per_live_record = all(set(store.keys) == records for store, records in zip(stores, live)) \
        and len(live[0]) > 0


def report(outcome: Outcome, records: int, kills: int, seed: int) -> str:
    lines = ["# rarelog crash suite", "",
             f"`python -m tests.chaos --records {records} --kills {kills} --seed {seed}`: {outcome.submissions:,} "
             f"submissions through a crash-free run ({outcome.reference_s:.0f} s) and through a run with "
             f"{len(outcome.faults)} faults ({outcome.chaos_s:.0f} s), one partition per topic.", "",
             f"**Result: {'PASS' if outcome.ok else 'FAIL'}** — lost {sum(outcome.lost.values())}, "
             f"duplicated {sum(outcome.duplicated.values())}, patient events identical: {outcome.events_equal}, "
             f"patient assignments identical: {outcome.assignments_equal}, warehouse checksums identical: "
             f"{outcome.checksums_equal} ({len(outcome.tables)} tables), dead letters: {outcome.dead_letters}, "
             f"data keys: one per live record in each run: {outcome.keys_per_live_record} "
             f"({outcome.data_keys[0]:,} and {outcome.data_keys[1]:,}), sealed payloads not opening with "
             f"their key: {outcome.unopenable}.", "",
             "Patient events are compared in order, their sealed parts opened with each run's own data keys "
             "(the keys, random, differ between runs; so do the sealed bytes).", ""]
    lines += [f"Not inflicted: {s}." for s in outcome.skipped]
    lines += ["", "| fault | at (s) | recovered in (s) |", "|---|---:|---:|"]
    lines += [f"| {f.what} | {f.at_s:.1f} | {f.recovered_s:.1f} |" for f in outcome.faults]
    lines += ["", "| topic / table | lost | duplicated |", "|---|---:|---:|"]
    lines += [f"| {k} | {outcome.lost[k]} | {outcome.duplicated[k]} |" for k in outcome.lost]
    differing = [t for t, (a, b) in outcome.tables.items() if a != b]
    lines += ["", "Tables compared (rows, checksum): " + ", ".join(
        f"{t} ({outcome.tables[t][0][0] if outcome.tables[t][0] else 0})" for t in outcome.tables) + "."]
    if differing:
        lines += [f"Tables that differ: {', '.join(differing)}."]
    return "\n".join(lines) + "\n"

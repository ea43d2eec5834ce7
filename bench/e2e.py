"""End to end: the four services on topics and a warehouse of their own, fed submissions.

1. warm-up: a few hundred submissions, until they are in the warehouse (the services have
   started, migrated, compiled their linkage kernels);
2. sustained: N submissions published as fast as the producer goes; the rate is N over the time
   from the first publish until the warehouse holds every record they make;
3. latency: submissions published at a fixed rate (half the sustained one); every 50 ms the
   warehouse is asked which of the records still awaited are there, and each record's latency is
   the time it was first seen minus its `received_at` (the submission's Kafka timestamp).
While (2) runs, the CPU time of each process is read from /proc: where the cores went.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import psycopg
from confluent_kafka import Producer

from rarelog import stack
from rarelog_kit.topics import INTAKE_SUBMISSIONS

from . import harness
from .data import Message
from .stages import Files, drop_warehouse, service_env, warehouse_schema

SERVICES = ("ingest", "pseudonymizer", "reconciler", "registry-store")
POLL_S = 0.05


@dataclass
class Latency:
    target_rate: float
    achieved_rate: float = 0.0
    seconds: list[float] = field(default_factory=list)
    missing: int = 0  # records not in the warehouse when the wait ended
    busy: float = 0.0  # share of the machine's cores busy meanwhile


@dataclass
class Result:
    sustained: float
    records: int
    cpu: dict[str, float]      # CPU seconds per 1,000 submissions, by process
    busy: float                # share of the machine's cores busy during the sustained phase
    latency: list[Latency]


class Pipeline:
    """The four services running on a prefix of their own, and a connection to their warehouse."""

    def __init__(self, env: dict, files: Files, prefix: str) -> None:
        self.env, self.prefix = env, prefix
        self.topic = prefix + INTAKE_SUBMISSIONS
        self.table = f"{warehouse_schema(prefix)}.record"
        run_env = service_env(env, files, prefix)
        self.procs = {s: harness.start(harness.serve(s), run_env) for s in SERVICES}
        self.conn = psycopg.connect(env["DATABASE_URL"], autocommit=True)
        self.producer = Producer({"bootstrap.servers": env["KAFKA_BOOTSTRAP_SERVERS"], "enable.idempotence": True,
                                  "linger.ms": 5, "queue.buffering.max.messages": 1_000_000})

    def check(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {harness.stderr_tail(proc)}")

    def stored(self) -> int:
        if self.conn.execute("SELECT to_regclass(%s)", (self.table,)).fetchone()[0] is None:
            return 0
        return self.conn.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0]

    def publish(self, key: bytes, value: bytes, timestamp_ms: int = 0) -> None:
        while True:
            try:
                self.producer.produce(self.topic, value, key, timestamp=timestamp_ms)
                self.producer.poll(0)
                return
            except BufferError:
                self.producer.poll(0.05)

    def wait_for(self, count: int, timeout_s: float) -> float:
        """Polls until the warehouse holds `count` records; returns when (perf_counter)."""
        deadline = time.monotonic() + timeout_s
        while True:
            if self.stored() >= count:
                return time.perf_counter()
            self.check()
            if time.monotonic() > deadline:
                raise TimeoutError(f"the warehouse holds {self.stored()} of {count} records")
            time.sleep(POLL_S)

    def close(self) -> None:
        self.producer.flush(30)
        for proc in self.procs.values():
            harness.stop(proc)
        self.conn.close()
        drop_warehouse(self.env["DATABASE_URL"], self.prefix)


def _cpu(pipeline: Pipeline) -> dict[str, dict[int, float]]:
    """CPU seconds so far of each process that matters, by pid (PostgreSQL: every backend)."""
    pids = {name: [proc.pid] for name, proc in pipeline.procs.items()}
    st = stack.status()  # the embedded broker and cluster, when they are the ones used
    if st["kafka"].get("pid"):
        pids["Kafka broker"] = [st["kafka"]["pid"]]
    if st["postgres"].get("pid"):
        pids["PostgreSQL"] = [st["postgres"]["pid"], *harness.children_of(st["postgres"]["pid"])]
    return {name: {p: harness.cpu_seconds(p) for p in ps} for name, ps in pids.items()}


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent between two snapshots by the processes alive at the end (a backend that ended in
    between took its time with it: PostgreSQL's figure is a lower bound)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items() if cpu)


def sustained(pipeline: Pipeline, batch: list[Message], new_records: int) -> tuple[float, dict, float]:
    before = pipeline.stored()
    cpu0, (busy0, total0) = _cpu(pipeline), harness.machine_cpu()
    t0 = time.perf_counter()
    for key, value in batch:
        pipeline.publish(key, value)
    pipeline.producer.flush(60)
    t1 = pipeline.wait_for(before + new_records, timeout_s=600 + len(batch) / 50)
    cpu1, (busy1, total1) = _cpu(pipeline), harness.machine_cpu()
    per_k = {name: _spent(cpu0.get(name, {}), cpu1[name]) * 1000 / len(batch) for name in cpu1}
    per_k["machine (all processes)"] = (busy1 - busy0) * 1000 / len(batch)
    return len(batch) / (t1 - t0), per_k, (busy1 - busy0) / max(total1 - total0, 1e-9)


def latency(pipeline: Pipeline, pool: list[Message], keys: list[str | None], rate: float,
            duration_s: float) -> Latency:
    """Publishes at `rate` for `duration_s` (fewer if the pool runs out); latencies of the records."""
    count = min(len(pool), max(1, int(rate * duration_s)))
    out = Latency(rate)
    awaited: dict[str, int] = {}  # record key -> its submission's timestamp (ms)
    lock, done = threading.Lock(), threading.Event()

    def watch() -> None:
        conn = psycopg.connect(pipeline.env["DATABASE_URL"], autocommit=True)
        try:
            while True:
                finished = done.is_set()
                with lock:
                    keys_now = list(awaited)
                if keys_now:
                    rows = conn.execute(f"SELECT record_key, (extract(epoch FROM received_at) * 1000)::bigint "
                                        f"FROM {pipeline.table} WHERE record_key = ANY(%s)", (keys_now,)).fetchall()
                    seen = time.time()
                    with lock:
                        for key, received_ms in rows:
                            if key in awaited and received_ms >= awaited[key]:  # this version, not an older one
                                del awaited[key]
                                out.seconds.append(seen - received_ms / 1000)
                if finished and not keys_now:
                    return
                time.sleep(POLL_S)
        finally:
            conn.close()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    busy0, total0 = harness.machine_cpu()
    start = time.perf_counter()
    for i in range(count):
        wait = start + i / rate - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        key, value = pool[i]
        stamp = int(time.time() * 1000)
        if keys[i] is not None:
            with lock:
                awaited[keys[i]] = stamp
        pipeline.publish(key, value, stamp)
    pipeline.producer.flush(30)
    out.achieved_rate = count / (time.perf_counter() - start)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with lock:
            if not awaited:
                break
        pipeline.check()
        time.sleep(0.2)
    busy1, total1 = harness.machine_cpu()
    out.busy = (busy1 - busy0) / max(total1 - total0, 1e-9)
    with lock:
        out.missing = len(awaited)
        awaited.clear()  # the watcher ends
    done.set()
    watcher.join(10)
    return out


def latency_rates(sustained_rate: float, target_rate: float) -> list[float]:
    """Half the sustained rate (the issue's measure); and the target's own rate when the pipeline
    can sustain it but half its rate is below it (otherwise the target's rate is out of reach,
    or already covered)."""
    rates = [sustained_rate / 2]
    if sustained_rate / 2 < target_rate <= sustained_rate:
        rates.append(target_rate)
    return rates


def run(env: dict, files: Files, submissions: list[Message], keys: list[str | None], n: int,
        latency_s: float, target_rate: float, warmup: int = 200) -> Result:
    bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
    with harness.run_topics(bootstrap) as prefix:
        pipeline = Pipeline(env, files, prefix)
        try:
            seen: set[str] = set()

            def new(lo: int, hi: int) -> int:
                fresh = {k for k in keys[lo:hi] if k is not None} - seen
                seen.update(fresh)
                return len(fresh)

            warm = new(0, warmup)
            for key, value in submissions[:warmup]:
                pipeline.publish(key, value)
            pipeline.producer.flush(30)
            pipeline.wait_for(warm, timeout_s=600)
            rate, cpu, busy = sustained(pipeline, submissions[warmup:warmup + n], new(warmup, warmup + n))
            phases, start = [], warmup + n
            for target in latency_rates(rate, target_rate):
                phase = latency(pipeline, submissions[start:], keys[start:], target, latency_s)
                start += min(len(submissions) - start, max(1, int(target * latency_s)))
                phases.append(phase)
            return Result(rate, n, cpu, busy, phases)
        finally:
            pipeline.close()

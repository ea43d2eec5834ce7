"""Measurement helpers: topics of a run's own, service processes, positions, CPU time."""
from __future__ import annotations

import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

import psycopg
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from rarelog_kit.topics import catalogue, ensure_topics


def machine() -> str:
    mem_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 platform.processor())
    return f"{os.cpu_count()} cores ({model}), {mem_kb / 1024 / 1024:.0f} GiB memory, Python {platform.python_version()}"


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (all its threads); 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14, 15 of proc(5))


def children_of(pid: int) -> list[int]:
    """Direct children (PostgreSQL's backends are its postmaster's)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, ValueError):
                pass
    return out


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    with open("/proc/stat") as stat:
        ticks = [int(x) for x in stat.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / TICK, sum(ticks[:8]) / TICK


@contextmanager
def run_topics(bootstrap: str, partitions: int = 6) -> Iterator[str]:
    """A fresh topic prefix for one measurement; its topics are deleted afterwards."""
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    ensure_topics(bootstrap, prefix, partitions=partitions)
    try:
        yield prefix
    finally:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        for future in admin.delete_topics([prefix + t.name for t in catalogue()]).values():
            try:
                future.result()
            except Exception:  # noqa: BLE001 (best effort clean-up)
                pass


def produce(bootstrap: str, topic: str, messages: Iterable[tuple[bytes, bytes | None]]) -> float:
    """Produce with acks=all and idempotence; returns messages per second."""
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5,
                         "batch.num.messages": 10000, "queue.buffering.max.messages": 1_000_000})
    producer.list_topics(topic, timeout=10)  # connection and metadata are not what is measured
    count = 0
    start = time.perf_counter()
    for key, value in messages:
        count += 1
        while True:
            try:
                producer.produce(topic, value, key)
                break
            except BufferError:
                producer.poll(0.05)
    assert producer.flush(120) == 0
    return count / (time.perf_counter() - start)


def consume_all(bootstrap: str, topic: str, count: int) -> float:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-reader-{uuid.uuid4().hex}",
                         "enable.auto.commit": False, "isolation.level": "read_committed"})
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    start = time.perf_counter()  # no group join: assignment is explicit
    consumer.assign([TopicPartition(topic, p, -2) for p in partitions])
    seen = 0
    deadline = time.monotonic() + 120
    while seen < count and time.monotonic() < deadline:
        # never ask for more than remain: consume() waits its whole timeout for a batch it cannot fill
        seen += sum(1 for m in consumer.consume(min(10000, count - seen), 0.5) if m.error() is None)
    elapsed = time.perf_counter() - start
    consumer.close()
    return seen / elapsed


def kafka_position(bootstrap: str, group: str, topic: str) -> Callable[[], int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    parts = [TopicPartition(topic, p) for p in consumer.list_topics(topic, timeout=10).topics[topic].partitions]
    return lambda: sum(max(tp.offset, 0) for tp in consumer.committed(parts, timeout=10))


def sink_position(database_url: str, schema: str, group: str) -> Callable[[], int]:
    conn = psycopg.connect(database_url, autocommit=True)

    def position() -> int:
        if conn.execute("SELECT to_regclass(%s)", (f"{schema}.consumer_offset",)).fetchone()[0] is None:
            return 0
        return conn.execute(f"SELECT coalesce(sum(next_offset), 0)::bigint FROM {schema}.consumer_offset "
                            "WHERE consumer_group = %s", (group,)).fetchone()[0]
    return position


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    """A process with its stderr in a temporary file (a pipe nobody reads could fill and block it)."""
    err = tempfile.TemporaryFile()
    proc = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=err)
    proc.stderr_file = err  # type: ignore[attr-defined]
    return proc


def stderr_tail(proc: subprocess.Popen, chars: int = 2000) -> str:
    err = proc.stderr_file  # type: ignore[attr-defined]
    err.seek(0)
    return err.read().decode(errors="replace")[-chars:]


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM (the services stop after their batch; a profiled one writes its profile), then kill."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def rate_of(command: list[str], env: dict[str, str], position: Callable[[], int], total: int,
            timeout_s: float = 600) -> float:
    """Start a process and time its consumed position from its first move to `total`."""
    proc = start(command, env)
    samples: list[tuple[float, int]] = []
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            done = position()
            now = time.perf_counter()
            if done and not samples:
                samples.append((now, done))
            if done >= total:
                samples.append((now, done))
                break
            if proc.poll() is not None:
                raise RuntimeError(f"{command[-1]} exited: {stderr_tail(proc)}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{command[-1]} reached {done} of {total}")
            time.sleep(0.01)
    finally:
        stop(proc)
    (t0, p0), (t1, p1) = samples[0], samples[-1]
    return (p1 - p0) / (t1 - t0) if t1 > t0 else float("nan")


def serve(service: str, profile_to: str | None = None) -> list[str]:
    """The service's command line; under cProfile (written on exit) when profile_to is given."""
    profiler = ["-m", "cProfile", "-o", profile_to] if profile_to else []
    return [sys.executable, *profiler, "-m", "rarelog", "serve", service]

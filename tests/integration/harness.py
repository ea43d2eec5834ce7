"""Drives the real services as child processes against the real broker and database."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from rarelog.pipeline import wait_until_caught_up
from rarelog_pseudonymizer.keys import PseudonymKey, load_key
from rarelog_kit.topic_reader import read_to_end
from rarelog_kit.topics import catalogue, ensure_topics

SERVICES = ("ingest", "pseudonymizer", "reconciler", "registry-store")


class Pipeline:
    def __init__(self, env: dict[str, str], prefix: str, workdir: Path) -> None:
        self.env, self.prefix, self.workdir = env, prefix, workdir
        self.schema = prefix.strip(".").replace("-", "_") + "_registry"
        self.analytics = prefix.strip(".").replace("-", "_") + "_analytics"
        self.procs: dict[str, subprocess.Popen] = {}
        self.bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
        self.database_url = env["DATABASE_URL"]

    @property
    def key(self) -> PseudonymKey:
        return load_key(Path(self.env["RARELOG_PSEUDONYM_KEY_FILE"]))

    def create(self) -> None:
        ensure_topics(self.bootstrap, self.prefix, partitions=3)

    def drop(self) -> None:
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        for future in admin.delete_topics([self.prefix + t.name for t in catalogue()]).values():
            try:
                future.result()
            except Exception:
                pass
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {self.analytics} CASCADE")
            conn.execute(f"DROP SCHEMA IF EXISTS {self.schema}_omop CASCADE")  # the migrations' OMOP schema
            conn.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")

    def service_env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, **self.env, "RARELOG_TOPIC_PREFIX": self.prefix, "RARELOG_HEALTH_PORT": "0",
                "RARELOG_WAREHOUSE_SCHEMA": self.schema, "RARELOG_ANALYTICS_SCHEMA": self.analytics,
                "RARELOG_BATCH_SIZE": "200", **extra}

    def start(self, service: str, **extra: str) -> subprocess.Popen:
        log = open(self.workdir / f"{service}.log", "ab")
        proc = subprocess.Popen([sys.executable, "-m", "rarelog", "serve", service], env=self.service_env(**extra),
                                stdout=log, stderr=subprocess.STDOUT)
        self.procs[service] = proc
        return proc

    def start_all(self) -> None:
        for service in SERVICES:
            self.start(service)

    def kill(self, service: str) -> None:
        proc = self.procs.pop(service)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def stop(self, service: str) -> None:
        proc = self.procs.pop(service)
        proc.terminate()
        proc.wait(30)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()

    def assert_running(self) -> None:
        for name, proc in self.procs.items():
            assert proc.poll() is None, f"{name} exited with {proc.returncode}:\n{self.log(name)[-3000:]}"

    def log(self, service: str) -> str:
        path = self.workdir / f"{service}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_caught_up(self, timeout_s: float = 240) -> None:
        try:
            # a service that died (a crash at start, say) fails the wait at once, not at its timeout
            wait_until_caught_up(self.bootstrap, self.database_url, prefix=self.prefix, schema=self.schema,
                                 timeout_s=timeout_s, on_progress=lambda _: self.assert_running())
        finally:
            self.assert_running()

    def read_topic(self, topic: str, committed_only: bool = True) -> list:
        """Every message of a topic (this test's prefix), from the beginning to the end."""
        return list(read_to_end({"bootstrap.servers": self.bootstrap}, self.prefix + topic,
                                committed_only=committed_only, timeout_s=60))

    def end_offsets(self, topic: str) -> int:
        """The sum of a topic's end offsets: every message it ever got, even those deleted since."""
        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "rarelog-topic-reader"})
        try:
            name = self.prefix + topic
            partitions = consumer.list_topics(name, timeout=30).topics[name].partitions
            return sum(consumer.get_watermark_offsets(TopicPartition(name, p), timeout=30)[1] for p in partitions)
        finally:
            consumer.close()

    def query(self, sql: str, *params) -> list[tuple]:
        with psycopg.connect(self.database_url) as conn:
            return conn.execute(sql.format(registry=self.schema, analytics=self.analytics), params).fetchall()

    def warehouse_text(self) -> str:
        """Every row of every table and view of this test's warehouse, as text."""
        parts = []
        with psycopg.connect(self.database_url) as conn:
            for schema in (self.schema, self.analytics):
                rels = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                                    (schema,)).fetchall()
                for (rel,) in rels:
                    parts += [r[0] for r in conn.execute(f'SELECT t::text FROM {schema}."{rel}" t').fetchall()]
        return "\n".join(parts)

"""The embedded stack runs the real thing: Apache Kafka 4 in KRaft mode and a PostgreSQL server."""
import os
from pathlib import Path

import psycopg
import pytest
from confluent_kafka.admin import AdminClient

from rarelog import stack
from rarelog.stack.paths import Paths

pytestmark = pytest.mark.integration


@pytest.fixture
def embedded(stack_env):
    st = stack.status()
    if not st["kafka"]["running"] or not st["postgres"]["running"]:
        pytest.skip("Kafka and PostgreSQL are external here (KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL set)")
    return st


def test_broker_is_apache_kafka_4_in_kraft_mode(embedded):
    cmdline = Path(f"/proc/{embedded['kafka']['pid']}/cmdline").read_bytes().split(b"\0")
    assert b"kafka.Kafka" in cmdline
    libs = {p.name for p in Paths.discover().kafka_libs.glob("kafka_2.13-*.jar")}
    assert any(name.startswith("kafka_2.13-4.") for name in libs), libs
    properties = Path(cmdline[-2].decode() if cmdline[-1] == b"" else cmdline[-1].decode()).read_text()
    assert "process.roles=broker,controller" in properties
    assert "auto.create.topics.enable=false" in properties
    admin = AdminClient({"bootstrap.servers": embedded["kafka"]["bootstrap_servers"]})
    cluster = admin.describe_cluster(request_timeout=10).result()
    assert cluster.controller is not None and len(cluster.nodes) == 1


def test_postgresql_is_a_real_server_on_loopback(embedded, stack_env):
    with psycopg.connect(stack_env["DATABASE_URL"]) as conn:
        version = conn.execute("SELECT version()").fetchone()[0]
        listen = conn.execute("SHOW listen_addresses").fetchone()[0]
    assert version.startswith("PostgreSQL ")
    assert listen == "127.0.0.1"


def test_pseudonym_key_file_is_private(embedded, stack_env):
    mode = os.stat(stack_env["RARELOG_PSEUDONYM_KEY_FILE"]).st_mode & 0o777
    assert mode == 0o600

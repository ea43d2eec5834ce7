"""Pure parts of rarelog.stack: rendered configuration and small parsers (no processes)."""

from __future__ import annotations

from rarelog.stack import kafka, postgres, system


def _props(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            k, _, v = line.partition("=")
            out[k] = v
    return out


def test_server_properties_single_kraft_node_on_loopback() -> None:
    p = _props(kafka.render_server_properties(port=19092, controller_port=19093, data_dir="/x/kafka/data"))
    assert p["process.roles"] == "broker,controller"
    assert p["node.id"] == "1"
    assert p["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert p["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert p["controller.listener.names"] == "CONTROLLER"
    assert p["listener.security.protocol.map"] == "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    assert p["log.dirs"] == "/x/kafka/data"


def test_server_properties_static_quorum_and_single_replica_internals() -> None:
    p = _props(kafka.render_server_properties(port=1, controller_port=2, data_dir="/d"))
    # Static quorum keeps the ports out of the metadata log.
    assert p["controller.quorum.voters"] == "1@127.0.0.1:2"
    assert "controller.quorum.bootstrap.servers" not in p
    for key in (
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr",
        "share.coordinator.state.topic.replication.factor",
        "share.coordinator.state.topic.min.isr",
    ):
        assert p[key] == "1", key
    assert p["auto.create.topics.enable"] == "false"
    assert p["delete.topic.enable"] == "true"
    assert p["group.initial.rebalance.delay.ms"] == "0"
    assert p["offsets.topic.num.partitions"] == "6"
    assert p["transaction.state.log.num.partitions"] == "6"
    assert "transaction.partition.verification.enable" not in p


def test_server_properties_escape_backslashes() -> None:
    p = _props(kafka.render_server_properties(port=1, controller_port=2, data_dir=r"C:\data"))
    assert p["log.dirs"] == r"C:\\data"


def test_log4j2_writes_to_given_file_and_survives_shutdown() -> None:
    text = kafka.render_log4j2("/p/.rarelog/log/kafka.log")
    assert "appender.file.fileName = /p/.rarelog/log/kafka.log" in text
    assert "shutdownHook = disable" in text
    assert "rootLogger.appenderRef.file.ref = file" in text


def test_postgres_conf() -> None:
    text = postgres.render_conf(port=55432, socket_dir="/p/.rarelog/pg/run")
    settings = dict(line.split(" = ", 1) for line in text.splitlines() if not line.startswith("#"))
    assert settings["listen_addresses"] == "'127.0.0.1'"
    assert settings["port"] == "55432"
    assert settings["unix_socket_directories"] == "'/p/.rarelog/pg/run'"
    assert settings["fsync"] == "on"
    assert settings["logging_collector"] == "off"
    # wal_level=minimal is only valid together with max_wal_senders=0.
    assert settings["wal_level"] == "minimal" and settings["max_wal_senders"] == "0"


def test_postgres_conf_quotes_single_quotes() -> None:
    text = postgres.render_conf(port=1, socket_dir="/it's")
    assert "unix_socket_directories = '/it''s'" in text


def test_database_url_escapes_and_masks() -> None:
    url = postgres.database_url(user="rarelog", password="p@ss/word:1", port=5433, dbname="rarelog")
    assert url == "postgresql://rarelog:p%40ss%2Fword%3A1@127.0.0.1:5433/rarelog"
    assert postgres.mask_url(url) == "postgresql://rarelog:***@127.0.0.1:5433/rarelog"
    assert postgres.mask_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert postgres.mask_url("not a url") == "not a url"


def test_parse_java_version() -> None:
    assert system.parse_java_version('openjdk version "17.0.15" 2025-04-15') == 17
    assert system.parse_java_version('openjdk version "21" 2023-09-19') == 21
    assert system.parse_java_version('java version "1.8.0_392"') == 8
    assert system.parse_java_version("bash: java: not found") is None

"""rarelog.stack state handling: project root, port persistence, secrets, env, pid files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import rarelog.stack as stack
from rarelog.stack import kafka, keys, procs
from rarelog.stack.paths import Paths, StackError, load_state, project_root, save_state


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    monkeypatch.setenv("RARELOG_HOME", str(tmp_path))
    for name in stack.PROVIDED:
        monkeypatch.delenv(name, raising=False)
    return Paths(tmp_path)


def test_project_root_prefers_rarelog_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RARELOG_HOME", str(tmp_path))
    assert project_root() == tmp_path.resolve()


def test_project_root_is_nearest_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RARELOG_HOME", raising=False)
    (tmp_path / "pyproject.toml").write_text("")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert project_root() == tmp_path.resolve()


def test_state_roundtrip_and_corrupt_file(home: Paths) -> None:
    assert load_state(home) == {}
    save_state(home, {"kafka": {"port": 1}})
    assert load_state(home) == {"kafka": {"port": 1}}
    home.state_file.write_text("{not json")
    with pytest.raises(StackError, match="stack.json"):
        load_state(home)


def test_kafka_ports_chosen_once_and_reused(home: Paths) -> None:
    save_state(home, {"postgres": {"port": 5}})
    first = kafka._ensure_ports(home)["kafka"]
    assert first["port"] != first["controller_port"]
    assert 5 not in (first["port"], first["controller_port"])
    again = kafka._ensure_ports(home)["kafka"]
    assert (again["port"], again["controller_port"]) == (first["port"], first["controller_port"])
    assert load_state(home)["postgres"] == {"port": 5}  # other sections untouched


def test_used_ports_collects_every_port_field() -> None:
    state = {"kafka": {"port": 1, "controller_port": 2, "cluster_id": "x"}, "postgres": {"port": 3}, "v": 4}
    assert procs.used_ports(state) == {1, 2, 3}


def test_free_port_is_bindable_and_excludes() -> None:
    p = procs.free_port()
    assert procs.port_bindable(p)
    assert procs.free_port({p}) != p


def test_pseudonym_key_is_private_random_and_stable(home: Paths) -> None:
    path = keys.ensure_pseudonym_key(home)
    text = path.read_text()
    assert len(text) == 64 and bytes.fromhex(text)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.secrets.stat().st_mode) == 0o700
    assert keys.ensure_pseudonym_key(home).read_text() == text


def test_secret_generated_once(home: Paths) -> None:
    a = keys.ensure_secret(home, "x")
    assert keys.ensure_secret(home, "x") == a == keys.read_secret(home, "x")
    assert stat.S_IMODE((home.secrets / "x").stat().st_mode) == 0o600


def test_embedded_env_from_state_with_environment_first(home: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    assert stack.embedded_env() == {"RARELOG_HOME": str(home.root)}  # nothing set up yet
    save_state(home, {"kafka": {"port": 1234}, "postgres": {"port": 5678}})
    keys.ensure_secret(home, keys.RARELOG_DB_PASSWORD)
    key = keys.ensure_pseudonym_key(home)
    env = stack.embedded_env()
    pw = keys.read_secret(home, keys.RARELOG_DB_PASSWORD)
    assert env == {
        "RARELOG_HOME": str(home.root),
        "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1234",
        "DATABASE_URL": f"postgresql://rarelog:{pw}@127.0.0.1:5678/rarelog",
        "RARELOG_PSEUDONYM_KEY_FILE": str(key),
    }
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "elsewhere:9092")
    assert stack.embedded_env()["KAFKA_BOOTSTRAP_SERVERS"] == "elsewhere:9092"


def test_running_pid_requires_live_process_with_marker(tmp_path: Path) -> None:
    pid_file = tmp_path / "x.pid"
    assert procs.running_pid(pid_file, []) is None  # no file
    pid_file.write_text(f"{os.getpid()}\n")
    argv = procs.cmdline(os.getpid()) or []
    assert procs.running_pid(pid_file, argv[:1]) == os.getpid()
    assert procs.running_pid(pid_file, ["kafka.Kafka"]) is None  # pid reused by something else
    pid_file.write_text("999999999\n")
    assert procs.running_pid(pid_file, []) is None


def test_jar_cache_marker_tracks_pom(home: Paths) -> None:
    home.broker_pom.parent.mkdir(parents=True)
    home.broker_pom.write_text("<project/>")
    assert not kafka.jars_cached(home)
    home.kafka_libs.mkdir(parents=True)
    (home.kafka_libs / kafka.MARKER).write_text(kafka.pom_digest(home) + "\n")
    assert kafka.jars_cached(home)
    home.broker_pom.write_text("<project><!-- changed --></project>")
    assert not kafka.jars_cached(home)


def test_clean_targets_keep_the_download_cache(home: Paths) -> None:
    targets = home.data_dirs()
    assert home.cache not in targets and home.kafka_libs not in targets and home.m2 not in targets
    assert {home.kafka, home.pg, home.log, home.run, home.state, home.secrets} <= set(targets)


def test_exported_embedded_values_do_not_count_as_external(home: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    # After `eval "$(python -m rarelog.stack env)"`, a later `up` must still start the embedded stack.
    save_state(home, {"kafka": {"port": 1234}})
    embedded = kafka.bootstrap(load_state(home))
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1234")
    assert stack._external("KAFKA_BOOTSTRAP_SERVERS", embedded) is None
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "broker:9092")
    assert stack._external("KAFKA_BOOTSTRAP_SERVERS", embedded) == "broker:9092"
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS")
    assert stack._external("KAFKA_BOOTSTRAP_SERVERS", embedded) is None

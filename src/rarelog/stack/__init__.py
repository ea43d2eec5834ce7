"""Embedded development stack: Kafka (KRaft), PostgreSQL and the four services on 127.0.0.1.

Everything it downloads, stores, logs or runs lives under ``<project root>/.rarelog/``.
``KAFKA_BOOTSTRAP_SERVERS`` / ``DATABASE_URL`` / ``RARELOG_PSEUDONYM_KEY_FILE`` set in
the environment replace the embedded Kafka / PostgreSQL / key file respectively (unless
they hold exactly the embedded values, as after `eval "$(python -m rarelog.stack env)"`).

    python -m rarelog.stack up [--no-services] | down | clean | env | status
"""

from __future__ import annotations

import fcntl
import importlib
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from . import kafka, keys, postgres, procs
from .paths import Paths, StackError, load_state, rel, say

__all__ = [
    "SERVICES",
    "StackError",
    "clean",
    "down",
    "embedded_env",
    "status",
    "superuser_database_url",
    "up",
]

SERVICES = ("ingest", "pseudonymizer", "reconciler", "registry-store")
SERVICE_STOP_TIMEOUT = 15.0
# Variables the stack provides; the same names set by the user win.
PROVIDED = ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "RARELOG_PSEUDONYM_KEY_FILE", "RARELOG_STUDY_KEY_FILE")


@contextmanager
def _locked(paths: Paths) -> Iterator[None]:
    # Two `up`s at once (say, parallel test workers) would race on initdb and ports.
    paths.base.mkdir(parents=True, exist_ok=True)
    with open(paths.base / "stack.lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def embedded_env() -> dict[str, str]:
    """Connection settings of the embedded stack (from .rarelog/stack.json), environment first.

    A key is absent when neither the environment nor a previous `up` provides it.
    """
    paths = Paths.discover()
    state = load_state(paths)
    env: dict[str, str] = {"RARELOG_HOME": str(paths.root)}
    servers = kafka.bootstrap(state)
    if servers:
        env["KAFKA_BOOTSTRAP_SERVERS"] = servers
    url = postgres.url(paths)
    if url:
        env["DATABASE_URL"] = url
    key_file = keys.pseudonym_key_file(paths)
    if key_file.exists():
        env["RARELOG_PSEUDONYM_KEY_FILE"] = str(key_file)
    study_key = keys.study_key_file(paths)
    if study_key.exists():
        env["RARELOG_STUDY_KEY_FILE"] = str(study_key)
    for name in PROVIDED:
        if os.environ.get(name):
            env[name] = os.environ[name]
    return env


def superuser_database_url(dbname: str = "postgres") -> str:
    """Superuser URL of the embedded cluster, for tests that create scratch databases.

    ``RARELOG_SUPERUSER_DATABASE_URL`` overrides it (for an external PostgreSQL).
    """
    override = os.environ.get("RARELOG_SUPERUSER_DATABASE_URL")
    if override:
        return override
    return postgres.superuser_url(Paths.discover(), dbname=dbname)


def _optional(module: str, attr: str) -> Callable[[str], Any] | None:
    """``module.attr`` if it exists yet; other teams write these modules in parallel."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name and (module == e.name or module.startswith(e.name + ".")):
            say(f"warning: {module} is not available yet; skipping {attr}()")
            return None
        raise  # the module exists but one of *its* imports is broken: that is a real error
    fn = getattr(mod, attr, None)
    if fn is None:
        say(f"warning: {module} has no {attr}() yet; skipping it")
    return fn


def _service_marker(name: str) -> list[str]:
    return ["-m", "rarelog", "serve", name]


def _service_pid(paths: Paths, name: str) -> int | None:
    return procs.running_pid(paths.pid_file(name), _service_marker(name))


def _start_services(paths: Paths, env: dict[str, str]) -> None:
    child_env = {**os.environ, **env}
    started: list[str] = []
    for name in SERVICES:
        pid = _service_pid(paths, name)
        if pid is not None:
            say(f"{name}: already running (pid {pid})")
            continue
        pid = procs.spawn(
            [sys.executable, "-m", "rarelog", "serve", name],
            pid_file=paths.pid_file(name),
            log_file=paths.log_file(name),
            cwd=paths.root,
            env=child_env,
        )
        say(f"{name}: started (pid {pid}, log {rel(paths, paths.log_file(name))})")
        started.append(name)
    if not started:
        return
    # Catch the services that die at once (bad config, import error) while the user is watching.
    time.sleep(1.5)
    dead = [n for n in started if _service_pid(paths, n) is None]
    if dead:
        for n in dead:
            paths.pid_file(n).unlink(missing_ok=True)
        details = "\n".join(f"--- {rel(paths, paths.log_file(n))}:\n{procs.tail(paths.log_file(n), 15)}" for n in dead)
        raise StackError(f"service(s) exited right after start: {', '.join(dead)}\n{details}")


def _external(name: str, embedded: str | None) -> str | None:
    """The user's own setting for ``name``, if any.

    A value equal to what the embedded stack provides (e.g. exported earlier with
    `eval "$(python -m rarelog.stack env)"`) still means the embedded service.
    """
    value = os.environ.get(name)
    return value if value and value != embedded else None


def up(start_services: bool = True) -> dict[str, str]:
    """Ensure and start the stack; idempotent. Returns the environment for the services."""
    paths = Paths.discover()
    t0 = time.monotonic()
    with _locked(paths):
        paths.ensure_base()
        state = load_state(paths)
        external_kafka = _external("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrap(state))
        external_db = _external("DATABASE_URL", postgres.url(paths))
        external_key = _external("RARELOG_PSEUDONYM_KEY_FILE", str(keys.pseudonym_key_file(paths)))
        kafka_started = False
        if external_kafka:
            servers = external_kafka
            say(f"kafka: using KAFKA_BOOTSTRAP_SERVERS={servers} (embedded broker not started)")
        else:
            # The JVM boots while PostgreSQL starts; readiness is awaited afterwards.
            servers, kafka_started = kafka.launch(paths)
        if external_db:
            say(f"postgres: using DATABASE_URL={postgres.mask_url(external_db)} (embedded cluster not started)")
        else:
            say(f"postgres: ready at {postgres.mask_url(postgres.start(paths))}")
        if not external_kafka:
            kafka.wait_ready(paths, servers)
            say(f"kafka: {'ready' if kafka_started else 'already running'} on {servers}")
        if not external_key:
            keys.ensure_pseudonym_key(paths)
        if not os.environ.get("RARELOG_STUDY_KEY_FILE"):
            keys.ensure_pseudonym_key(paths, keys.STUDY_KEY)
        env = embedded_env()

        ensure_topics = _optional("rarelog_kit.topics", "ensure_topics")
        if ensure_topics is not None:
            try:
                ensure_topics(env["KAFKA_BOOTSTRAP_SERVERS"])
            except RuntimeError as exc:  # TopicLayoutError: the message says what and how
                raise StackError(f"kafka: {exc}") from None
            say("kafka: topics ensured")
        migrate = _optional("rarelog_registry_store.migrations", "migrate")
        if migrate is not None:
            migrate(env["DATABASE_URL"])
            say("postgres: migrations applied")

        if start_services:
            _start_services(paths, env)
    say(f"stack: up in {time.monotonic() - t0:.1f}s")
    return env


def _stop_services(paths: Paths) -> None:
    running = {n: pid for n in SERVICES if (pid := _service_pid(paths, n)) is not None}
    if running:
        say("services: stopping " + ", ".join(f"{n} (pid {pid})" for n, pid in running.items()))
        # All get SIGTERM together so one slow service does not delay the others.
        for pid in procs.stop_many(running.values(), SERVICE_STOP_TIMEOUT):
            name = next(n for n, p in running.items() if p == pid)
            say(f"{name}: did not stop within {SERVICE_STOP_TIMEOUT:.0f}s; killed")
    for name in SERVICES:
        paths.pid_file(name).unlink(missing_ok=True)  # stale or not, it is obsolete now


def down() -> None:
    """Stop services, then Kafka, then PostgreSQL. Data stays; idempotent."""
    paths = Paths.discover()
    if not paths.base.exists():
        return
    with _locked(paths):
        _stop_services(paths)
        kafka.stop(paths)
        postgres.stop(paths)
    say("stack: down")


def clean() -> None:
    """`down`, then delete all data, logs and secrets; the downloaded jars stay cached."""
    down()
    paths = Paths.discover()
    if not paths.base.exists():
        return
    with _locked(paths):
        for p in paths.data_dirs():
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink(missing_ok=True)
    say(f"stack: cleaned (kept {rel(paths, paths.cache)})")


def status() -> dict[str, Any]:
    """What runs: pids and ports of Kafka, PostgreSQL and each service."""
    paths = Paths.discover()
    return {
        "root": str(paths.root),
        "kafka": kafka.status(paths),
        "postgres": postgres.status(paths),
        "services": {n: {"running": (pid := _service_pid(paths, n)) is not None, "pid": pid} for n in SERVICES},
    }

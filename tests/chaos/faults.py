"""Faults the suites inflict: the embedded broker and database taken away and brought back.

Only the stack this project started can be stopped: a broker or database given through
KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL belongs to someone else, and `EmbeddedStack.of` says so.
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from rarelog.stack import kafka, postgres
from rarelog.stack.paths import Paths, load_state


@dataclass
class EmbeddedStack:
    paths: Paths

    @classmethod
    def of(cls, env: dict[str, str]) -> "EmbeddedStack | None":
        """The embedded stack, if it is the one `env` points at (and is running)."""
        paths = Paths.discover()
        state = load_state(paths)
        ours = (kafka.running_pid(paths) is not None and kafka.bootstrap(state) == env.get("KAFKA_BOOTSTRAP_SERVERS")
                and postgres.url(paths) == env.get("DATABASE_URL"))
        return cls(paths) if ours else None

    def stop_broker(self) -> None:
        kafka.stop(self.paths)

    def start_broker(self) -> None:
        servers, _ = kafka.launch(self.paths)
        kafka.wait_ready(self.paths, servers)

    def stop_database(self) -> None:
        postgres.stop(self.paths)

    def start_database(self) -> None:
        postgres.start(self.paths)


def ready(port: int) -> bool:
    """The service's /readyz answers 200."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def health_port(log_text: str) -> int | None:
    """The port a service announced in its last "starting" log line (it binds port 0: any free one)."""
    port = None
    for line in log_text.splitlines():
        if '"starting"' in line:
            try:
                port = json.loads(line).get("health_port", port)
            except json.JSONDecodeError:
                continue
    return port


def service_port(pipeline, service: str, timeout_s: float = 60) -> int:
    """The health port of `service`'s running process (waiting for its "starting" line)."""
    wait_for(lambda: health_port(pipeline.log(service)) is not None, timeout_s, f"{service} health port")
    return health_port(pipeline.log(service))


def wait_for(predicate, timeout_s: float, what: str, interval_s: float = 0.2) -> float:
    """Seconds until `predicate()` held; AssertionError naming `what` after `timeout_s`."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout_s:
            raise AssertionError(f"{what}: not within {timeout_s:.0f} s")
        time.sleep(interval_s)
    return time.monotonic() - start

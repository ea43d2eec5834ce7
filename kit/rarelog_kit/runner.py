"""The one way a service process runs: JSON logs, health server, signals, then its loop."""
from __future__ import annotations

import signal
import threading
from typing import Callable, Protocol, TypeVar

from .health import Health, Metrics, serve
from .logs import configure
from .telemetry import configure_tracing
from .settings import ServiceSettings


S = TypeVar("S", bound=ServiceSettings)


class StartupError(RuntimeError):
    """A service cannot start as configured; the message tells the operator what to fix."""


class Loop(Protocol):
    def run(self, stop: threading.Event) -> None: ...


def run_service(service: str, settings_type: type[S], build: Callable[[S, Health, Metrics], Loop]) -> int:
    """Settings from the environment, then `build` (the service's composition root), then run."""
    settings = settings_type()  # type: ignore[call-arg]  (fields come from the environment)
    log = configure(service, settings.log_level)
    configure_tracing(service)
    health, metrics = Health(), Metrics(service)
    server = serve(health, metrics, settings.health_host, settings.health_port)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("starting", extra={"health_port": server.server_address[1],
                                "topic_prefix": settings.topic_prefix})
    try:
        loop = build(settings, health, metrics)
    except StartupError as exc:
        log.error("cannot start: %s", exc)
        server.shutdown()
        return 2
    try:
        loop.run(stop)
    finally:
        server.shutdown()
    log.info("stopped")
    return 0

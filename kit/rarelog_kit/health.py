"""/healthz, /readyz and /metrics over a small threaded HTTP server.

Alive means the processing loop has turned recently; ready means it is connected to what it
needs (broker, database). Kubernetes restarts the first and routes around the second.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Health:
    def __init__(self, liveness_timeout_s: float = 120.0) -> None:
        self._beat = time.monotonic()
        self._ready = False
        self._reason = "starting"
        self.liveness_timeout_s = liveness_timeout_s

    def beat(self) -> None:
        self._beat = time.monotonic()

    @contextmanager
    def working(self, what: str) -> Iterator[None]:
        """Alive (not ready) through long work outside the loop, e.g. the reconciler rebuilding its
        state from the changelog: liveness must not restart a process that is loading."""
        done = threading.Event()

        def beat() -> None:
            while not done.wait(min(5.0, self.liveness_timeout_s / 4)):
                self.beat()
        self.set_ready(False, what)
        ticker = threading.Thread(target=beat, name="health-working", daemon=True)
        ticker.start()
        try:
            yield
        finally:
            done.set()
            self.beat()

    def set_ready(self, ready: bool, reason: str = "") -> None:
        self._ready, self._reason = ready, reason

    @property
    def alive(self) -> bool:
        return time.monotonic() - self._beat < self.liveness_timeout_s

    @property
    def ready(self) -> bool:
        return self._ready and self.alive

    @property
    def reason(self) -> str:
        return self._reason


class Metrics:
    """The metrics every service exposes; services add their own to `registry`."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.service = service
        self.processed = Counter("rarelog_records_processed", "Messages consumed and handled",
                                 ["outcome"], registry=self.registry)
        self.rejected = Counter("rarelog_records_rejected", "Messages dead-lettered, by reason code",
                                ["reason"], registry=self.registry)
        self.batch_seconds = Histogram("rarelog_batch_seconds", "Time to process and commit one batch",
                                       registry=self.registry)
        self.lag = Gauge("rarelog_consumer_lag", "Messages behind the end of the input topic",
                         ["topic", "partition"], registry=self.registry)
        self.latency = Histogram("rarelog_processing_latency_seconds",
                                 "From a message's arrival in its input topic to the commit of what it caused",
                                 buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800), registry=self.registry)

    def observe_latency(self, timestamps_ms) -> None:
        now_ms = time.time() * 1000
        for ts in timestamps_ms:
            self.latency.observe(max(0.0, now_ms - ts) / 1000)


def serve(health: Health, metrics: Metrics, host: str, port: int) -> ThreadingHTTPServer:
    """Start the server in a daemon thread; returns it (its port is `server.server_address[1]`)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            if self.path == "/healthz":
                self._send(200 if health.alive else 503, b"alive\n" if health.alive else b"stalled\n")
            elif self.path == "/readyz":
                ok = health.ready
                self._send(200 if ok else 503, (b"ready\n" if ok else f"not ready: {health.reason}\n".encode()))
            elif self.path == "/metrics":
                self._send(200, generate_latest(metrics.registry), CONTENT_TYPE_LATEST)
            else:
                self._send(404, b"not found\n")

        def _send(self, status: int, body: bytes, ctype: str = "text/plain; charset=utf-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:  # probes every few seconds: keep logs quiet
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    return server

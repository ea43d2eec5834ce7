"""Trace context in Kafka headers, and trace ids in log lines."""
from __future__ import annotations

import io
import json
import logging

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from rarelog_kit import telemetry
from rarelog_kit.logs import JsonFormatter
from rarelog_kit.messages import Inbound, Outbound

UPSTREAM = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def provider() -> None:
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(TracerProvider())


def test_a_message_span_continues_the_upstream_trace_and_its_outputs_carry_it_on():
    provider()
    message = Inbound("t", 0, 7, b"k", b"v", 0, (("traceparent", UPSTREAM.encode()), ("x-other", b"1")))
    with telemetry.handling("ingest", message):
        [out] = telemetry.traced([Outbound("t2", b"k", b"v", message.headers)])
        current = trace.get_current_span().get_span_context()
    headers = dict(out.headers)
    assert headers["x-other"] == b"1"
    trace_id, span_id = headers["traceparent"].decode().split("-")[1:3]
    assert trace_id == "4bf92f3577b34da6a3ce929d0e0e4736" == f"{current.trace_id:032x}"
    assert span_id == f"{current.span_id:016x}" != "00f067aa0ba902b7"  # the child, not the upstream span


def test_log_lines_written_while_handling_a_message_carry_its_trace_id():
    provider()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("ingest"))
    log = logging.getLogger("rarelog.test-telemetry")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("outside")
        with telemetry.handling("ingest", Inbound("t", 0, 1, None, b"", 0, (("traceparent", UPSTREAM.encode()),))):
            log.warning("inside")
    finally:
        log.removeHandler(handler)
    outside, inside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert "trace_id" not in outside
    assert inside["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736" and len(inside["span_id"]) == 16

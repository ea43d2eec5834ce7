"""Tracing: one trace follows a submission through the four services.

Each service opens a span per message it handles, child of the context in the message's W3C
`traceparent` header, and writes its own span's context into the headers of what it produces.
An upstream app that sends `traceparent` sees its submission's whole path under its own trace;
otherwise ingest starts the trace. Spans carry positions and ids, never record content.

Export is configured by the standard OTEL_* variables (OTEL_EXPORTER_OTLP_ENDPOINT or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
OTEL_SDK_DISABLED); without an endpoint, spans are made (log lines carry their ids) but not sent.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import replace
from typing import Iterator

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind

from .messages import Headers, Inbound, Outbound

TRACE_HEADERS = ("traceparent", "tracestate")
_tracer = trace.get_tracer("rarelog")


def configure_tracing(service: str) -> None:
    """The process's tracer provider, once, before any span (services call it on start)."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = os.environ.get("OTEL_SERVICE_NAME") or f"rarelog-{service}"
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


def parent_of(headers: Headers) -> otel_context.Context:
    carrier = {k: v.decode("ascii", "replace") for k, v in headers if k in TRACE_HEADERS and v}
    return propagate.extract(carrier)


def current_trace_headers(headers: Headers) -> Headers:
    """`headers` with the trace headers replaced by the current span's context."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    kept = tuple(h for h in headers if h[0] not in TRACE_HEADERS)
    return kept + tuple((k, v.encode()) for k, v in carrier.items() if k in TRACE_HEADERS)


@contextmanager
def handling(service: str, message: Inbound) -> Iterator[None]:
    """The span of one message's handling by `service`, current while it runs."""
    attributes = {"messaging.system": "kafka", "messaging.destination.name": message.topic,
                  "messaging.destination.partition.id": str(message.partition),
                  "messaging.kafka.offset": message.offset}
    with _tracer.start_as_current_span(f"{service} process", context=parent_of(message.headers),
                                       kind=SpanKind.CONSUMER, attributes=attributes):
        yield


def traced(outputs: list[Outbound]) -> list[Outbound]:
    """The outputs, carrying the current span as their parent (call inside `handling`)."""
    return [replace(out, headers=current_trace_headers(out.headers)) for out in outputs]


def stored(service: str, messages: list[Inbound], start_ns: int) -> None:
    """One span per message a sink has committed, from when its batch began."""
    for message in messages:
        span = _tracer.start_span(f"{service} store", context=parent_of(message.headers), kind=SpanKind.CONSUMER,
                                  start_time=start_ns,
                                  attributes={"messaging.system": "kafka", "messaging.destination.name": message.topic,
                                              "messaging.kafka.offset": message.offset})
        span.end()

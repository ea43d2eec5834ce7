"""Telemetry over the real broker: one trace follows a submission through the four services, and
each service's /metrics exposes what operators watch."""
from __future__ import annotations

import importlib
import re
import threading
import urllib.request

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from rarelog_kit.health import Health, Metrics
from rarelog_kit.topics import INTAKE_RECORDS, INTAKE_SUBMISSIONS, PATIENT_EVENTS, PSEUDONYMIZED_RECORDS
from tests.chaos.faults import service_port, wait_for
from tests.integration import cohort as cohorts
from tests.integration.harness import SERVICES
from tests.integration.test_walking_skeleton import publish

pytestmark = pytest.mark.integration

INPUT = {"ingest": INTAKE_SUBMISSIONS, "pseudonymizer": INTAKE_RECORDS, "reconciler": PSEUDONYMIZED_RECORDS,
         "registry-store": PATIENT_EVENTS}
SETTINGS = {"ingest": "IngestSettings", "pseudonymizer": "PseudonymizerSettings",
            "reconciler": "ReconcilerSettings", "registry-store": "RegistryStoreSettings"}


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):  # the process's provider can be set once
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def run_in_process(pipeline, monkeypatch) -> tuple[threading.Event, list[threading.Thread]]:
    """The four services' loops in threads of this process, so that their spans reach our exporter."""
    for name, value in pipeline.service_env().items():
        if name.startswith(("RARELOG_", "KAFKA_", "DATABASE_")):
            monkeypatch.setenv(name, value)
    stop, threads = threading.Event(), []
    for service in SERVICES:
        package = f"rarelog_{service.replace('-', '_')}"
        settings = getattr(importlib.import_module(f"{package}.settings"), SETTINGS[service])()
        loop = importlib.import_module(f"{package}.bootstrap").build(settings, Health(), Metrics(service))
        threads.append(threading.Thread(target=loop.run, args=(stop,), name=service, daemon=True))
        threads[-1].start()
    return stop, threads


def test_one_trace_follows_a_submission_through_the_four_services(pipeline, spans, monkeypatch):
    cohort = cohorts.build(patients=1, centres=1, seed=3, withdraw=0, invalid=False)
    stop, threads = run_in_process(pipeline, monkeypatch)
    try:
        spans.clear()
        publish(pipeline, cohort.messages[:1])
        def last_hops() -> set[str]:
            return {s.name for s in spans.get_finished_spans()
                    if s.attributes.get("messaging.destination.name") == pipeline.prefix + PATIENT_EVENTS}
        wait_for(lambda: last_hops() >= {"registry-store store", "pseudonymizer process"}, 120,
                 "the patient event's spans (registry-store, pseudonymizer)")
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    by_trace: dict[int, list] = {}
    for span in spans.get_finished_spans():
        by_trace.setdefault(span.context.trace_id, []).append(span)
    [(trace_id, chain)] = [(t, ss) for t, ss in by_trace.items()
                           if {s.name.split()[0] for s in ss} == set(SERVICES)]
    # Each hop is the child of the one before: ingest → pseudonymizer → reconciler → registry-store;
    # the pseudonymizer reads the patient event too (for erasures): a child of the reconciler's.
    named = {s.name.split()[0]: s for s in chain
             if s.attributes["messaging.destination.name"] == pipeline.prefix + INPUT[s.name.split()[0]]}
    for parent, child in zip(SERVICES, SERVICES[1:]):
        assert named[child].parent.span_id == named[parent].context.span_id, (parent, child)
    assert named["ingest"].parent is None  # no upstream traceparent: ingest starts the trace
    [erasures] = [s for s in chain if s.attributes["messaging.destination.name"] == pipeline.prefix + PATIENT_EVENTS
                  and s.name.startswith("pseudonymizer")]
    assert erasures.parent.span_id == named["reconciler"].context.span_id


def metric_names(port: int) -> set[str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
        return set(re.findall(r"^(rarelog_\w+?)(?:_bucket|_count|_sum)?(?:\{| )", response.read().decode(), re.M))


def test_metrics_of_every_running_service(pipeline):
    cohort = cohorts.build(patients=60, centres=3, seed=5)  # with invalid submissions: rejects by rule
    pipeline.start_all()
    publish(pipeline, cohort.messages)
    pipeline.wait_caught_up()
    common = {"rarelog_records_processed_total", "rarelog_consumer_lag", "rarelog_processing_latency_seconds",
              "rarelog_batch_seconds"}
    expected = {"ingest": common | {"rarelog_records_rejected_total"}, "pseudonymizer": common,
                "reconciler": common | {"rarelog_linkage_decisions_total"}, "registry-store": common}
    for service in SERVICES:
        port = service_port(pipeline, service)
        wait_for(lambda: expected[service] <= metric_names(port), 15, f"{service} metrics")

"""Shared by ingest's tests: an IngestProcessor run as the Kafka loop would run it, and the
hand-written corpus of tests/corpus (loaded by path, whatever the working directory)."""
from __future__ import annotations

import importlib.util
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from rarelog_ingest.entrypoint import IngestProcessor
from rarelog_kit.messages import Inbound, Outbound
from rarelog_kit.serde import AvroCatalog

RECORDS, DLQ = "registry.intake.records", "registry.intake.submissions.dlq"
RECEIVED_MS = int(datetime(2026, 6, 1, 10, 0, tzinfo=timezone.utc).timestamp() * 1000)
CORPUS_DIR = Path(__file__).resolve().parents[3] / "tests" / "corpus"


class Ingest:
    """process() one message; read the verdict."""

    records, dlq = RECORDS, DLQ

    def __init__(self, catalog: AvroCatalog, max_bytes: int = 262_144) -> None:
        self.catalog = catalog
        self.processor = IngestProcessor(catalog, RECORDS, DLQ, max_bytes)

    def process(self, value: bytes | None, offset: int = 0) -> list[Outbound]:
        message = Inbound("registry.intake.submissions", 0, offset, b"S001:r", value, RECEIVED_MS, (("trace", b"1"),))
        return self.processor.process(message)

    @staticmethod
    def reasons(out: Outbound) -> list[dict]:
        return json.loads(dict(out.headers)["x-dlq-reasons"])

    def codes(self, out: Outbound) -> list[str]:
        return [r["code"] for r in self.reasons(out)]

    def canonical(self, out: Outbound) -> dict:
        decoded = self.catalog.decode(out.value, expect=("CanonicalRecord",))
        return decoded.value


def load_corpus():
    spec = importlib.util.spec_from_file_location("rarelog_test_corpus", CORPUS_DIR / "__init__.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def catalog() -> AvroCatalog:
    return AvroCatalog()


@pytest.fixture(scope="session")
def ingest(catalog) -> Ingest:
    return Ingest(catalog)


@pytest.fixture(scope="session")
def big_ingest(catalog) -> Ingest:
    """Lets strings of a megabyte past the size gate, so that they reach the rules."""
    return Ingest(catalog, max_bytes=4_000_000)


@pytest.fixture(scope="session")
def corpus():
    return load_corpus()


def pytest_generate_tests(metafunc):
    """invalid_case / valid_case: one test per corpus file."""
    if "invalid_case" in metafunc.fixturenames:
        cases = load_corpus().invalid_cases()
        metafunc.parametrize("invalid_case", cases, ids=[name for name, _, _ in cases])
    if "valid_case" in metafunc.fixturenames:
        cases = load_corpus().valid_cases()
        metafunc.parametrize("valid_case", cases, ids=[name for name, _ in cases])

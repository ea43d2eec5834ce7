"""Fixtures for the integration tests: a real Kafka broker and a real PostgreSQL.

KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL, when set, are used as they are; otherwise the embedded
stack is started (idempotently) without its services. Each test then gets topics and warehouse
schemas of its own, so tests never see each other's data.
"""
from __future__ import annotations

import os
import uuid

import pytest

from tests.integration.harness import Pipeline


@pytest.fixture(scope="session")
def stack_env() -> dict[str, str]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("DATABASE_URL") \
            and os.environ.get("RARELOG_PSEUDONYM_KEY_FILE"):
        return {k: os.environ[k] for k in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "RARELOG_PSEUDONYM_KEY_FILE")}
    from rarelog import stack
    return stack.up(start_services=False)


@pytest.fixture
def pipeline(stack_env, tmp_path):
    p = Pipeline(stack_env, prefix=f"t{uuid.uuid4().hex[:10]}.", workdir=tmp_path)
    p.create()
    yield p
    p.stop_all()
    p.drop()


def pytest_collection_modifyitems(items) -> None:
    """The chart tests last: `make test` builds helm beside the suite and they wait for it."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/chart/"))  # stable: the rest keep their order

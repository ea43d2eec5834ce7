"""The database or the broker away for 30 seconds: services wait and retry, say they are not
ready, dead-letter nothing, and catch up when it is back."""
from __future__ import annotations

import threading
import time

import pytest

from rarelog_kit.topics import INTAKE_RECORDS, INTAKE_SUBMISSIONS, LINKAGE_REVIEWS, PSEUDONYMIZED_RECORDS, dlq
from tests.chaos.faults import EmbeddedStack, ready, service_port, wait_for
from tests.integration import cohort as cohorts
from tests.integration import linkage_replay
from tests.integration.harness import SERVICES
from tests.integration.test_walking_skeleton import publish

pytestmark = pytest.mark.integration

AWAY_S = 30


@pytest.fixture
def stack(stack_env):
    embedded = EmbeddedStack.of(stack_env)
    if embedded is None:
        pytest.skip("the broker and database are not the embedded stack's: this suite cannot stop them")
    yield embedded
    embedded.start_broker()  # whatever happened, leave them running for the next test
    embedded.start_database()


def ports(pipeline) -> dict[str, int]:
    return {service: service_port(pipeline, service, 30) for service in SERVICES}


def unready_while_away(port_of: dict[str, int], affected: tuple[str, ...]) -> set[str]:
    """Services seen unready at least once during the outage (readiness is probed every 3 s)."""
    seen: set[str] = set()
    deadline = time.monotonic() + AWAY_S
    while time.monotonic() < deadline:
        seen |= {s for s in affected if not ready(port_of[s])}
        time.sleep(0.5)
    return seen


@pytest.mark.parametrize("away", ["database", "broker"])
def test_a_30_second_outage_is_waited_out(pipeline, stack, away):
    cohort = cohorts.build(patients=600, centres=6, seed=23, invalid=False)
    half = len(cohort.messages) // 2
    pipeline.start_all()
    publish(pipeline, cohort.messages[:half])
    pipeline.wait_caught_up()
    port_of = ports(pipeline)
    wait_for(lambda: all(ready(p) for p in port_of.values()), 30, "every service ready before the outage")

    affected = ("registry-store",) if away == "database" else SERVICES
    if away == "database":
        # The second half is in the topics when the database goes: the warehouse must wait for it.
        publish(pipeline, cohort.messages[half:])
        stack.stop_database()
    else:
        stack.stop_broker()
    unready = unready_while_away(port_of, affected)
    (stack.start_database if away == "database" else stack.start_broker)()
    if away == "broker":
        threading.Thread(target=publish, args=(pipeline, cohort.messages[half:]), daemon=True).start()
    pipeline.assert_running()  # nobody gave up
    assert unready == set(affected), f"stayed ready while the {away} was away: {set(affected) - unready}"

    pipeline.wait_caught_up(timeout_s=180)
    wait_for(lambda: all(ready(p) for p in port_of.values()), 30, "every service ready again")
    for topic in (INTAKE_SUBMISSIONS, INTAKE_RECORDS, PSEUDONYMIZED_RECORDS, LINKAGE_REVIEWS):
        assert pipeline.read_topic(dlq(topic)) == [], f"{dlq(topic)} got messages during the outage"
    assert len(pipeline.read_topic(PSEUDONYMIZED_RECORDS)) == len(cohort.messages)
    events, state = linkage_replay.replay(pipeline)
    assert linkage_replay.published(pipeline) == events
    stored = linkage_replay.warehouse_patients(pipeline)
    assert stored == {k: state.patient_of_record(k) for k in stored} and len(stored) == len(cohort.active)
    [(quarantined,)] = pipeline.query("SELECT count(*) FROM {registry}.quarantined_event")
    assert quarantined == 0

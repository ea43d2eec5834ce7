"""The crash suite, small: every service SIGKILLed once at a random moment, the broker and the
database restarted once, and the outcome equal to a crash-free run (`make chaos` for the full size)."""
from __future__ import annotations

import pytest

from tests.chaos import scenario

pytestmark = pytest.mark.integration


def test_crashes_lose_nothing_duplicate_nothing_and_change_nothing(stack_env, tmp_path):
    outcome = scenario.run(stack_env, tmp_path, records=2000, kills=1, seed=11, say=lambda _: None,
                           pause=(0.5, 2.5))
    text = scenario.report(outcome, 2000, 1, 11)
    assert len(outcome.faults) >= 4, text
    assert not any(outcome.lost.values()) and not any(outcome.duplicated.values()), text
    assert outcome.events_equal and outcome.assignments_equal, text
    assert outcome.checksums_equal and len(outcome.tables) >= 10, text
    assert outcome.dead_letters == 0, text
    assert outcome.keys_per_live_record and outcome.unopenable == 0, text

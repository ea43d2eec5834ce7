"""Monthly INSEE files through the real pseudonymisation and matching, in process: next month's
file holds this month's lines again, and only its new deaths are verified."""
from __future__ import annotations

import io

from rarelog.cohort.generator import CohortSpec
from rarelog.deaths.evaluate import EVAL_KEY, build_registry
from rarelog.deaths.generate import DeathFileSpec, lines
from rarelog.deaths.importer import identity_of
from rarelog.deaths.insee import LineProblem, parse_line
from rarelog_pseudonymizer.deaths import pseudonymise_death
from rarelog_pseudonymizer.keys import KeyRing
from rarelog_reconciler.deaths import verify_death

PATIENTS, LINES = 2500, 3000


def _import(state, ring, spec: DeathFileSpec, run: str) -> dict[int, str]:
    """Line number → outcome, for each readable line of the file, as `rarelog deaths import`
    and the reconciler would treat it; the truth of each line beside."""
    outcomes, truth = {}, {}
    for n, line in enumerate(lines(spec), 1):
        parsed = parse_line(line.text, n)
        if type(parsed) is LineProblem:
            continue
        identity, death = identity_of(parsed)
        value = pseudonymise_death(ring, identity, death, event_id=f"{run}/{n}", import_id=run, received_at=0)
        outcome = verify_death(state, value)
        outcomes[n] = dict(outcome.reports)["DeathMatchOutcome"]["outcome"]
        truth[n] = line.truth
    return outcomes, truth


def test_next_months_file_verifies_only_its_new_deaths():
    ring = KeyRing(EVAL_KEY)
    state, _ = build_registry(CohortSpec(PATIENTS, 10, 3), ring, io.StringIO())
    june, june_truth = _import(state, ring, DeathFileSpec(PATIENTS, 10, 3, 1, LINES), "june")
    verified_in_june = {n for n, o in june.items() if o == "verified"}
    assert len(verified_in_june) >= 40  # the cohort's deaths, found
    july, july_truth = _import(state, ring, DeathFileSpec(PATIENTS, 10, 3, 2, LINES), "july")

    # June's lines come first in July's file, unchanged: nothing of them is verified again.
    assert all(july_truth[n] == june_truth[n] for n in june)
    assert all(july[n] != "verified" for n in june)
    assert {n for n in june if july[n] == "already-verified"} == verified_in_june
    # July's own lines: its new deaths of registry patients are verified.
    new = {n: t for n, t in july_truth.items() if t["month"] == 2}
    verified_in_july = {n for n in new if july[n] == "verified"}
    patients_dying_in_july = {n for n, t in new.items() if t["kind"] == "death" and t["patient"] is not None}
    assert verified_in_july and verified_in_july <= patients_dying_in_july
    assert len(verified_in_july) >= 0.9 * len(patients_dying_in_july)

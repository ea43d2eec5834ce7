"""A 20,000-patient cohort matches every rate the help text states (read from the same constants)."""
from collections import Counter
from dataclasses import dataclass, field

import pytest

from rarelog.cohort import cli, params
from rarelog.cohort.codes import UNDIAGNOSED
from rarelog.cohort.errors import ERROR_KINDS
from rarelog.cohort.generator import CohortSpec, generate
from rarelog_kit.reference import orphanet

PATIENTS = 20_000


@dataclass
class Stats:
    records: Counter = field(default_factory=Counter)           # patient -> records
    first: dict = field(default_factory=dict)                   # patient -> (traits, record)
    further: int = 0
    eligible: Counter = field(default_factory=Counter)
    applied: Counter = field(default_factory=Counter)


@pytest.fixture(scope="module")
def stats() -> Stats:
    st = Stats()
    for g in generate(CohortSpec(PATIENTS, 30, seed=12)):
        st.records[g.patient] += 1
        if g.copy == 0:
            st.first[g.patient] = (g.traits, g.submission["record"])
        else:
            st.further += 1
            st.eligible.update(g.eligible)
            st.applied.update(g.errors)
    return st


def test_every_rate_is_in_the_help_text():
    for text in (f"{params.MULTI_CENTRE_SHARE:.0%}", f"{params.mean_records_per_patient():.3f}",
                 f"{params.UNDIAGNOSED_SHARE:.0%}", f"{params.DEATH_SHARE:.0%}",
                 *(f"{k.rate:>5.1%}" for k in ERROR_KINDS), *(k.name for k in ERROR_KINDS)):
        assert text in cli.DESCRIPTION


def test_duplicate_rate(stats):
    assert len(stats.records) == PATIENTS
    multi = sum(1 for n in stats.records.values() if n > 1) / PATIENTS
    assert multi == pytest.approx(params.MULTI_CENTRE_SHARE, abs=0.015)
    assert max(stats.records.values()) <= max(n for n, _ in params.MULTI_CENTRE_COUNTS)
    mean = sum(stats.records.values()) / PATIENTS
    assert mean == pytest.approx(params.mean_records_per_patient(), abs=0.02)


@pytest.mark.parametrize("kind", ERROR_KINDS, ids=lambda k: k.name)
def test_each_error_rate(stats, kind):
    eligible = stats.eligible[kind.name]
    assert eligible > 300, "too few records where this error can apply to measure it"
    tolerance = 4 * (kind.rate * (1 - kind.rate) / eligible) ** 0.5 + 0.005  # 4 standard errors
    assert stats.applied[kind.name] / eligible == pytest.approx(kind.rate, abs=tolerance)


def test_undiagnosed_share(stats):
    undiagnosed = sum(1 for _, r in stats.first.values() if r["diagnoses"][0]["orphacode"] == UNDIAGNOSED)
    assert undiagnosed / PATIENTS == pytest.approx(params.UNDIAGNOSED_SHARE, abs=0.015)
    ongoing = sum(1 for _, r in stats.first.values()
                  if r["diagnoses"][0]["orphacode"] == UNDIAGNOSED and r["diagnoses"][0]["status"] == "ONGOING")
    assert ongoing / undiagnosed == pytest.approx(params.UNDIAGNOSED_ONGOING, abs=0.04)
    diagnosed = [r["diagnoses"][0] for _, r in stats.first.values() if r["diagnoses"][0]["orphacode"] != UNDIAGNOSED]
    probable = sum(d["status"] == "PROBABLE" for d in diagnosed) / len(diagnosed)
    assert probable == pytest.approx(params.PROBABLE_SHARE, abs=0.03)  # foetuses have their own mix


def test_death_share_of_persons(stats):
    persons = [r for traits, r in stats.first.values() if traits == "person"]
    deaths = [r["vital_status"] for r in persons if r["vital_status"]["deceased"]]
    assert len(deaths) / len(persons) == pytest.approx(params.DEATH_SHARE, abs=0.006)
    due = sum(v["death_due_to_rare_disease"] is True for v in deaths) / len(deaths)
    assert due == pytest.approx(params.DEATH_DUE_TO_DISEASE, abs=0.1)


def test_children_and_foetuses(stats):
    born = [r["identity"]["birth_date"] for t, r in stats.first.values() if t == "person"]
    limit = params.REFERENCE_DAY.replace(year=params.REFERENCE_DAY.year - 18).isoformat()
    assert sum(b > limit for b in born) / len(born) == pytest.approx(params.PAEDIATRIC_SHARE, abs=0.05)
    foetuses = sum(t == "foetus" for t, _ in stats.first.values()) / PATIENTS
    assert params.FOETUS_SHARE <= foetuses < params.FOETUS_SHARE + 0.004  # plus mothers' foetuses


def test_orphacodes_are_active_with_a_long_tail(stats):
    active = orphanet().names
    counts = Counter(d["orphacode"] for _, r in stats.first.values() for d in r["diagnoses"] if d.get("orphacode"))
    assert set(counts) <= set(active)
    diagnosed = sum(v for c, v in counts.items() if c != UNDIAGNOSED)
    top = counts.most_common(2)[1][1] / diagnosed
    assert 0.01 < top < 0.08                                    # a few frequent disorders
    assert sum(1 for v in counts.values() if v == 1) > 500      # and a long tail of single cases

"""The cohort's stated rates: the help text is built from these constants and the tests check a
generated cohort against them, so the two cannot drift apart."""
from __future__ import annotations

from datetime import date

# Everything happens on or before this day; ingest is checked with it as "today".
REFERENCE_DAY = date(2026, 6, 1)

# Patients followed in two or more centres, and how many centres then (BNDMR federates such
# duplicates; a quarter is the order of magnitude seen in national registries).
MULTI_CENTRE_SHARE = 0.25
MULTI_CENTRE_COUNTS = ((2, 0.75), (3, 0.20), (4, 0.05))

# Without a diagnosis: CEMARA's 10-year report counts 45.6 % of patients without diagnosis;
# BaMaRa has since coded more of them, so we take 42 %, all coded ORPHA:616874, split between
# investigations still ongoing and a diagnostic dead-end (historical "non déterminé").
UNDIAGNOSED_SHARE = 0.42
UNDIAGNOSED_ONGOING = 0.55
# Among diagnosed patients: CEMARA's 6.7 % "uncertain" of all patients is ~12 % of diagnosed.
PROBABLE_SHARE = 0.12

# Persons who died (a few %: expert centres follow many children and young adults), and of
# them, those whose death the rare disease caused (when recorded).
DEATH_SHARE = 0.04
DEATH_DUE_TO_DISEASE = 0.5

PAEDIATRIC_SHARE = 0.42     # under 18 on the reference day
FOETUS_SHARE = 0.006        # records of a foetus (prenatal diagnosis), identity from the mother
TWIN_SHARE = 0.004          # patients generated with an affected twin (a different true patient)
INS_SHARE = 0.55            # records that carry the INS (qualified national identity)


def mean_centres_when_multi() -> float:
    return sum(count * weight for count, weight in MULTI_CENTRE_COUNTS) / sum(w for _, w in MULTI_CENTRE_COUNTS)


def mean_records_per_patient() -> float:
    return 1 + MULTI_CENTRE_SHARE * (mean_centres_when_multi() - 1)

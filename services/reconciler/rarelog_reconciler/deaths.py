"""Which registry patient a death of an official deceased-persons file is, if any. Pure: no I/O.

The file states civil status (every given name in order, the birth name, the birth place code
in force when the death was recorded) while the centres wrote what they were told, so the match
relaxes its constraints in steps and records the first that accepted (docs/decisions/0009):
1. exact-pseudonym: surname, first given name, full birth date and sex agree exactly (a record
   of the patient has the death's pseudonym under a key of the ring);
2. encodings-birth-date: against the best candidate of the fuzzy index, the birth date agrees
   as far as the file states it (a birth day written 00 agrees with any day of that month),
   the sexes agree, a given name is shared (in any order), and the posterior match probability
   reaches the link threshold with the date counted as agreeing;
3. fuzzy: the birth date only close (a digit or a day apart), everything else as in step 2, and
   a posterior probability of at least `DeathMatching.fuzzy`.
Most lines of the file are strangers, so every step errs on the side of no match: a missed
death stays as the centres reported it; a wrong one would kill a living patient in the views.
In every step, a runner-up patient nearly as good ("ambiguous") means no match.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from rarelog_kit.ids import derived_id

from .domain import Outcome, _usable_encoding
from .linkage import COMPARED, decide, record_from_encoding
from .state import Change, LinkageState

EXACT, ENCODINGS, FUZZY = "exact-pseudonym", "encodings-birth-date", "fuzzy"
STEPS = (EXACT, ENCODINGS, FUZZY)


@dataclass(frozen=True)
class DeathMatching:
    link: float = 0.5             # step 2: posterior probability, the date counted as agreeing
    fuzzy: float = 0.999          # step 3: posterior probability as scored
    fuzzy_date_level: int = 4     # step 3: birth dates a digit apart (Dice >= 0.85), not years apart
    partial_date_level: int = 3   # a year-month against a full date of that month reaches this
    given_level: int = 3          # some given name in common (first or further, either way round)
    other_surname: float = 0.999  # without the surname agreeing (a used name on one side)


@dataclass(frozen=True)
class DeathMatch:
    patient_id: str
    record_key: str
    step: str
    probability: float | None


def _probability(log2_odds: float) -> float:
    return 1.0 / (1.0 + 2.0 ** -max(log2_odds, -1000.0))


def iso(date: dict) -> str:
    parts = [f"{date['year']:04d}"]
    if date.get("month"):
        parts.append(f"{date['month']:02d}")
        if date.get("day"):
            parts.append(f"{date['day']:02d}")
    return "-".join(parts)


def match_death(state: LinkageState, death: dict, params: DeathMatching = DeathMatching()) -> DeathMatch | None:
    for p in dict.fromkeys([death["pseudonym"], *(e["pseudonym"] for e in death.get("linkage") or [])]):
        record_key = state.record_of_pseudonym.get(p)
        patient = state.patient_of_record(record_key) if record_key else None
        if patient is not None:
            return DeathMatch(patient, record_key, EXACT, None)
    encoding = _usable_encoding(death)
    if encoding is None:
        return None
    decision = decide(state.index, record_from_encoding(encoding))
    # the best candidate, whatever the linkage rule made of it ("new" below the review threshold)
    patient = state.patient_of_record(decision.record_key) if decision.record_key else None
    if patient is None or decision.reason == "ambiguous":
        return None
    model = state.index.model
    level = {f: decision.agreement.get(f, 0) for f in COMPARED}
    top = {f: len(model.thresholds[f]) + 1 for f in COMPARED}
    if level["sex"] != top["sex"] or max(level["given"], level["given_rest"]) < params.given_level:
        return None  # another sex, or no given name in common whatever their order
    weights = model.tables()[1]
    date = COMPARED.index("date")
    precision = death.get("birth_date_precision", "day")
    as_stated = level["date"] == top["date"] or (precision == "month" and level["date"] >= params.partial_date_level)
    # with the date counted as agreeing when it agrees as far as the file states it
    probability = _probability(decision.score - weights[date, level["date"]] + weights[date, top["date"]]) \
        if as_stated else decision.probability
    # the surname may be the used (married) name on one side: then the rest must be near certain
    surname_ok = level["surname"] >= top["surname"] - 1 or probability >= params.other_surname
    if as_stated and surname_ok and probability >= params.link:
        return DeathMatch(patient, decision.record_key, ENCODINGS, probability)
    if level["date"] >= params.fuzzy_date_level and surname_ok and decision.probability >= params.fuzzy:
        return DeathMatch(patient, decision.record_key, FUZZY, decision.probability)
    return None


class Plain:
    """How a verified death is written without data keys (records made before sealing, tests):
    in clear, and a plain digest of its date."""

    def seal(self, record_key: str, death: dict, event_id: str) -> bytes | None:
        return None

    def digest(self, record_key: str, date: str) -> str:
        return hashlib.sha256(f"death-date|{record_key}|{date}".encode()).hexdigest()[:32]


def verify_death(state: LinkageState, death: dict, params: DeathMatching = DeathMatching(),
                 sealer=Plain()) -> Outcome:
    """Decide for one PseudonymisedDeath: a VitalStatusVerified patient event when it matches a
    patient not already verified dead on that date, and always a DeathMatchOutcome report.
    `sealer` seals the event's date and place, and digests dates, under the matched record's data
    key (entrypoint.DeathSealer): the changelog and the events then say nothing once it is erased."""
    event_id = derived_id("reconciler", death["event_id"])
    out = Outcome()
    report = {"event_id": f"{event_id}/outcome", "death_id": death["death_id"], "import_id": death["import_id"],
              "outcome": "unmatched", "match_step": None, "match_probability": None}
    out.reports.append(("DeathMatchOutcome", report))
    date = iso(death["death_date"])
    known = state.deaths.get(death["death_id"])
    if known is not None and state.patient_of_record(known["record_key"]) is not None:
        report["outcome"] = out.decision = "already-verified"
        return out
    match = match_death(state, death, params)
    if match is None:
        out.decision = "death-unmatched"
        return out
    report.update(match_step=match.step, match_probability=match.probability)
    if any(state.deaths[d]["date_digest"] == sealer.digest(state.deaths[d]["record_key"], date)
           for d in state.deaths_of_patient(match.patient_id)):
        report["outcome"] = out.decision = "already-verified"  # the same death, stated again (a corrected line)
        return out
    report["outcome"], out.decision = "verified", f"death-{match.step}"
    out.change(state, Change("death", death["death_id"], {"record_key": match.record_key, "patient_id": match.patient_id,
                                                          "date_digest": sealer.digest(match.record_key, date)}))
    place = {"death_date": death["death_date"], "death_departement": death.get("death_departement")}
    sealed = sealer.seal(match.record_key, place, event_id)
    out.events.append(("VitalStatusVerified", {
        "event_id": event_id, "patient_id": match.patient_id, "record_key": match.record_key,
        "death_id": death["death_id"], "import_id": death["import_id"], "source": death["source"],
        "received_at": death["received_at"], **({"death_date": None, "death_departement": None} if sealed else place),
        "sealed": sealed, "match_step": match.step, "match_probability": match.probability}))
    return out

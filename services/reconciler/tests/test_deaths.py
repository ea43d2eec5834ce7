"""Matching of deaths from INSEE's file against the registry: steps, idempotence, changelog."""
from rarelog_kit.serde import AvroCatalog
from rarelog_pseudonymizer.deaths import pseudonymise_death
from rarelog_reconciler import changelog, deaths
from rarelog_reconciler.state import LinkageState

from .test_domain import RING, ident, linked, record, run

SOMEONE_ELSE = [("Paul", "Durand", "1988-11-05", "13055", "M"), ("Chloé", "Bernard", "1975-02-14", "69123", "F"),
                ("Hugo", "Petit", "2003-09-30", "33063", "M"), ("Léa", "Moreau", "1999-12-01", "59350", "F")]


def registry() -> tuple[LinkageState, str]:
    state = LinkageState()
    patient = linked(run(state, record("r1", ident()), 1))["patient_id"]
    for i, person in enumerate(SOMEONE_ELSE, start=2):
        run(state, record(f"r{i}", ident(*person)), i)
    return state, patient


def death(surname="LEFEVRE", given=("ANAIS",), born=(2011, 4, 23), place="75115", sex="F", died=(2026, 6, 20),
          certificate="12"):
    identity = {"birth_name": surname, "given_names": list(given), "sex": sex,
                "birth_date": {"year": born[0], "month": born[1], "day": born[2]}, "birth_place_cog": place}
    return pseudonymise_death(RING, identity, {"date": {"year": died[0], "month": died[1], "day": died[2]},
                                               "place_cog": "75056", "certificate": certificate},
                              event_id=f"d/{certificate}", import_id="I1", received_at=0)


def verified(outcome):
    return dict(outcome.events).get("VitalStatusVerified")


def report(outcome):
    return dict(outcome.reports)["DeathMatchOutcome"]


def test_the_same_civil_status_matches_on_the_exact_pseudonym():
    state, patient = registry()
    outcome = deaths.verify_death(state, death())
    event = verified(outcome)
    assert (event["patient_id"], event["record_key"], event["match_step"]) == (patient, "r1", "exact-pseudonym")
    assert event["death_date"] == {"year": 2026, "month": 6, "day": 20} and event["source"] == "INSEE"
    assert report(outcome)["outcome"] == "verified"


def test_given_names_in_civil_status_order_and_an_unknown_birth_day_match_on_encodings():
    state, patient = registry()
    for variant in (death(given=("MARIE", "ANAIS"), certificate="1"), death(born=(2011, 4, None), certificate="2")):
        match = deaths.match_death(state, variant)
        assert match is not None and (match.patient_id, match.step) == (patient, "encodings-birth-date"), variant
        assert match.probability >= 0.5
    # more given names after the first: the pseudonym is made of the first only
    assert deaths.match_death(state, death(given=("ANAIS", "MARIE", "LOUISE"))).step == "exact-pseudonym"


def test_strangers_namesakes_and_the_other_sex_do_not_match():
    state, _ = registry()
    for stranger in (death(surname="GIRAUD", given=("SIMONE",), born=(1931, 7, 2), place="13055"),
                     death(born=(2014, 4, 23)),                      # the patient's names, born three years later
                     death(given=("ANAIS",), sex="M", born=(2011, 4, 23)),
                     death(given=("JULIETTE",), born=(2011, 4, 23))):  # a sister's death: a twin, not her
        assert deaths.match_death(state, stranger) is None
        assert report(deaths.verify_death(state, stranger))["outcome"] == "unmatched"


def test_a_death_verified_once_publishes_nothing_again():
    state, patient = registry()
    assert verified(deaths.verify_death(state, death()))
    again = deaths.verify_death(state, death())                 # the same line, imported again
    corrected = deaths.verify_death(state, death(certificate="0099"))  # another line, the same death
    for outcome in (again, corrected):
        assert not outcome.events and report(outcome)["outcome"] == "already-verified"
    assert state.deaths_of_patient(patient) == [death()["death_id"]]


def test_verified_deaths_survive_a_rebuild_from_the_changelog():
    state, patient = registry()
    outcome = deaths.verify_death(state, death())
    catalog = AvroCatalog()
    messages = [changelog.to_message(catalog, c) for c in outcome.changes]
    rebuilt = LinkageState()
    rebuilt.rebuild([changelog.from_message(catalog, k, v) for k, v in messages])
    assert rebuilt.deaths == state.deaths and rebuilt._deaths_of_record == {"r1": [death()["death_id"]]}


def test_the_death_id_is_stable_and_keyed():
    assert death()["death_id"] == death()["death_id"] != death(certificate="13")["death_id"]
    assert death(certificate="12")["death_id"] == death(certificate="0012")["death_id"]
    value = death()
    assert value["birth_year_month"] == "2011-04" and value["death_departement"] == "75"
    assert "LEFEVRE" not in repr(value) and "20110423" not in repr(value)


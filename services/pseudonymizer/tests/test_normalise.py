import dataclasses

import pytest

from rarelog_pseudonymizer.normalise import (NormalisedIdentity, date_parts, fold, given_form, normalise_identity,
                                             split_birth_and_used, surname_form)


@pytest.mark.parametrize("text, folded", [
    ("Lefèvre", "LEFEVRE"), ("Œuvray", "OEUVRAY"), ("Lætitia", "LAETITIA"), ("Weiß", "WEISS"),
    ("François", "FRANCOIS"), ("D'Almeida", "DALMEIDA"), ("Saint-Martin ", "SAINTMARTIN"), ("", ""), (None, ""),
])
def test_fold_keeps_letters_only_like_the_historical_fold(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize("variants, form", [
    (["de la Fontaine", "DE LA FONTAINE", "Delafontaine", "La Fontaine", "de La Fontaine"], "LAFONTAINE"),
    (["D'Almeida", "d’Almeida", "DALMEIDA", "D ALMEIDA"], "DALMEIDA"),
    (["Le Gall", "LEGALL", "Le-Gall"], "LEGALL"),
    (["St-Exupéry", "Saint-Exupéry", "SAINT EXUPERY", "St Exupery"], "SAINTEXUPERY"),
    (["Ste-Beuve", "Sainte Beuve"], "SAINTEBEUVE"),
    (["de l'Orme", "Delorme", "De Lorme"], "LORME"),
    (["de Gaulle", "DEGAULLE", "De Gaulle"], "DEGAULLE"),  # "de" before a non-article stays
    (["Delon", "de Lon"], "DELON"),                        # a 3-letter remainder keeps its DE
    (["  Dupont   Durand ", "Dupont-Durand"], "DUPONTDURAND"),
])
def test_family_names_written_differently_normalise_alike(variants, form):
    assert {surname_form(v) for v in variants} == {form}


def test_st_inside_a_word_is_not_a_saint():
    assert surname_form("Stéphan") == "STEPHAN"
    assert surname_form("Delmas") == "DELMAS"  # DEL + consonant: not "de l'"


@pytest.mark.parametrize("birth_field, used_field, expected", [
    ("Dupont épouse Martin", None, ("DUPONT", "MARTIN")),
    ("DUPONT EP MARTIN", None, ("DUPONT", "MARTIN")),
    ("Martin née Dupont", None, ("DUPONT", "MARTIN")),
    ("Dupont épouse Martin", "Martin-Leroy", ("DUPONT", "MARTINLEROY")),  # the used-name field wins
    ("Dupont", "Martin", ("DUPONT", "MARTIN")),
])
def test_a_married_name_in_the_birth_name_field_is_taken_apart(birth_field, used_field, expected):
    assert split_birth_and_used(birth_field, used_field) == expected


def test_compound_given_names_are_one_given_name():
    assert given_form("Jean-Pierre") == given_form("jean pierre") == given_form("JEANPIERRE") == "JEANPIERRE"
    assert given_form("Jean") != given_form("Jean-Pierre")


@pytest.mark.parametrize("value, parts", [
    ({"year": 2011, "month": 4, "day": 23}, (2011, 4, 23)),
    ({"year": 2011, "month": 4, "day": None}, (2011, 4, 0)),
    ({"year": 2011, "month": None, "day": 5}, (2011, 0, 0)),  # no day without a month
    ("2011-04-23", (2011, 4, 23)), ("2011-04", (2011, 4, 0)), ("2011", (2011, 0, 0)), ("20110423", (2011, 4, 23)),
    ("19151311", (1915, 13, 11)),  # kept as written: validation is ingest's job
    (None, (0, 0, 0)), ("not a date", (0, 0, 0)),
])
def test_birth_date_components_with_unknown_parts(value, parts):
    assert date_parts(value) == parts


def person(**changes):
    base = {"birth_name": "de la Fontaine", "first_given_name": "Jean-Pierre", "given_names": ["Jean-Pierre", "Éric"],
            "used_name": None, "sex": "M", "birth_date": {"year": 1970, "month": 3, "day": 12},
            "birth_place_cog": "2a004"}
    return {**base, **changes}


def test_a_person_normalises_to_plain_values():
    ident = normalise_identity(person())
    assert ident == NormalisedIdentity(surname="LAFONTAINE", used_name="", first_given_name="JEANPIERRE",
                                       given_names="JEANPIERRE ERIC", birth_year=1970, birth_month=3, birth_day=12,
                                       sex="M", birth_place="2A004")
    assert not ident.is_foetus
    with pytest.raises(dataclasses.FrozenInstanceError):
        ident.surname = "X"  # type: ignore[misc]


def test_the_json_submission_shape_gives_the_same_identity():
    assert normalise_identity(person(birth_date="1970-03-12")) == normalise_identity(person())


def test_first_given_name_leads_the_given_names_even_when_the_list_forgets_it():
    assert normalise_identity(person(given_names=["Éric"])).given_names == "JEANPIERRE ERIC"
    assert normalise_identity(person(first_given_name=None)).first_given_name == "JEANPIERRE"


@pytest.mark.parametrize("sex, code", [("M", "M"), ("F", "F"), ("UNDETERMINED", "U"), ("UNKNOWN", ""), (None, "")])
def test_sex_codes(sex, code):
    assert normalise_identity(person(sex=sex)).sex == code


def test_used_name_is_kept_apart_from_the_birth_name():
    ident = normalise_identity(person(birth_name="Lefèvre", used_name="Martin"))
    assert (ident.surname, ident.used_name) == ("LEFEVRE", "MARTIN")


def test_a_foetus_is_named_from_its_mother_and_pregnancy():
    ident = normalise_identity({"birth_name": None, "first_given_name": None, "sex": "UNKNOWN", "birth_date": None,
                                "foetus": {"mother_birth_name": "Lefèvre", "mother_first_given_name": "Anaïs",
                                           "mother_used_name": "Martin",
                                           "pregnancy_start_date": {"year": 2025, "month": 3, "day": None},
                                           "rank": 2}})
    assert (ident.surname, ident.used_name, ident.first_given_name) == ("LEFEVRE", "MARTIN", "ANAIS")
    assert (ident.birth_year, ident.birth_month, ident.birth_day, ident.foetus_rank) == (2025, 3, 0, 2)
    assert ident.is_foetus and ident.sex == ""

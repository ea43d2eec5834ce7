import re
from dataclasses import replace

import pytest

from rarelog_pseudonymizer.encodings import (DEFAULT, FIELDS, Encoder, EncodingParams, date_tokens, encode,
                                             phonetic, qgrams)
from rarelog_pseudonymizer.normalise import normalise_identity, surname_form

KEY, OTHER_KEY = b"k" * 32, b"o" * 32
CLEAR = replace(DEFAULT, blip=0.0)


def ident(**changes):
    base = {"birth_name": "Lefèvre", "first_given_name": "Anaïs", "given_names": ["Anaïs", "Claire"], "sex": "F",
            "birth_date": {"year": 2011, "month": 4, "day": 23}, "birth_place_cog": "75115"}
    return normalise_identity({**base, **changes})


def bits(raw: bytes) -> int:
    return int.from_bytes(raw, "little")


def dice(a: bytes, b: bytes) -> float:
    x, y = bits(a), bits(b)
    return 2 * (x & y).bit_count() / (x.bit_count() + y.bit_count())


def test_qgrams_are_padded_and_date_tokens_skip_unknown_parts():
    assert qgrams("ANA", 2) == ["_A", "AN", "NA", "A_"]
    assert qgrams("", 2) == []
    assert date_tokens(2011, 0, 0) == ["Y2011", "P02", "P10", "P21", "P31"]
    assert date_tokens(0, 4, 23) == []
    assert "W20110423" in date_tokens(2011, 4, 23)


def test_one_filter_per_field_of_the_stated_length_and_empty_when_unknown():
    out = encode(KEY, ident(used_name=None, given_names=["Anaïs"]), CLEAR)
    for field in FIELDS:
        assert isinstance(out[field], bytes)
    assert len(out["given"]) == CLEAR.name_bits // 8 and len(out["date"]) == CLEAR.date_bits // 8
    assert len(out["sex"]) == CLEAR.sex_bits // 8
    assert out["used"] == b"" and out["given_rest"] == b""  # no used name, a single given name
    assert out["country"] == b""  # born in France
    assert out["date_swap"] == b""  # the 23rd cannot be a month


def test_encodings_are_deterministic_and_keyed():
    a, b = encode(KEY, ident(), CLEAR), encode(KEY, ident(), CLEAR)
    assert a == b
    other = encode(OTHER_KEY, ident(), CLEAR)
    assert all(a[f] != other[f] for f in ("given", "surname", "date", "place", "sex"))
    assert not set(a["blocking"]) & set(other["blocking"])


def test_given_name_and_surname_share_a_key_so_a_swap_compares_crosswise():
    out = encode(KEY, ident(birth_name="Anaïs", first_given_name="Lefèvre", given_names=[]), CLEAR)
    straight = encode(KEY, ident(), CLEAR)
    assert out["surname"] == straight["given"] and out["given"] == straight["surname"]


def test_a_typo_stays_closer_than_another_name():
    same, typo, other = (encode(KEY, ident(birth_name=n), CLEAR)["surname"] for n in ("Lefèvre", "Lefèbvre", "Dupont"))
    assert dice(same, typo) > 0.75 > 0.3 > dice(same, other)


def test_a_day_month_swap_has_its_own_filter():
    out = encode(KEY, ident(birth_date={"year": 2011, "month": 4, "day": 3}), CLEAR)
    swapped = encode(KEY, ident(birth_date={"year": 2011, "month": 3, "day": 4}), CLEAR)
    assert out["date_swap"] == swapped["date"] and swapped["date_swap"] == out["date"]


def test_further_given_names_have_their_own_filter():
    out = encode(KEY, ident(), CLEAR)  # Anaïs Claire
    assert out["given_rest"] == encode(KEY, ident(first_given_name="Claire", given_names=[]), CLEAR)["given"]


def test_a_country_of_birth_is_not_a_commune():
    abroad = encode(KEY, ident(birth_place_cog="99350"), CLEAR)
    assert abroad["place"] == b"" and abroad["country"]
    assert encode(KEY, ident(), CLEAR)["country"] == b""


@pytest.mark.parametrize("a, b", [("Lefèvre", "Lefebvre"), ("Fontaine", "Fontaines"), ("Thibault", "Tibo"),
                                  ("Philippe", "Filipe"), ("Christophe", "Kristof"), ("Gauthier", "Gautier"),
                                  ("Le Gall", "Legal"), ("Rousseau", "Rouseau"), ("Cécile", "Sesile")])
def test_phonetic_code_meets_french_spelling_variants(a, b):
    assert phonetic(surname_form(a)) == phonetic(surname_form(b)) != ""


@pytest.mark.parametrize("a, b", [("Martin", "Bernard"), ("Dubois", "Durand"), ("Petit", "Richard")])
def test_phonetic_code_keeps_different_names_apart(a, b):
    assert phonetic(surname_form(a)) != phonetic(surname_form(b))


def test_blocking_keys_are_short_hex_and_meet_phonetic_variants():
    a = encode(KEY, ident(birth_name="Lefèvre"), CLEAR)["blocking"]
    b = encode(KEY, ident(birth_name="Lefebvre"), CLEAR)["blocking"]
    assert all(re.fullmatch(r"[0-9a-f]{16}", k) for k in a)
    assert a == b  # the whole identity is phonetically the same
    c = encode(KEY, ident(birth_name="Lefebvre", birth_date={"year": 2012, "month": 4, "day": 23}), CLEAR)["blocking"]
    assert set(a) & set(c)  # the year changed; the phonetic pair with month and day still meets


def test_blip_flips_about_the_stated_share_reproducibly_per_nonce():
    hardened = Encoder(KEY, replace(DEFAULT, blip=0.05))
    clear = bits(Encoder(KEY, CLEAR).encode(ident())["given"])
    first = hardened.encode(ident(), nonce=b"record-1")
    assert first == hardened.encode(ident(), nonce=b"record-1")
    second = hardened.encode(ident(), nonce=b"record-2")
    assert first["given"] != second["given"]  # one identity, two records: two filters
    flipped = [(bits(hardened.encode(ident(), nonce=str(i).encode())["given"]) ^ clear).bit_count()
               for i in range(200)]
    share = sum(flipped) / (200 * DEFAULT.name_bits)
    assert 0.04 < share < 0.06


def test_blip_leaves_unknown_fields_empty_and_blocking_keys_alone():
    hardened = Encoder(KEY, replace(DEFAULT, blip=0.05)).encode(ident(used_name=None), nonce=b"r")
    assert hardened["used"] == b""
    assert hardened["blocking"] == Encoder(KEY, CLEAR).encode(ident(used_name=None))["blocking"]


def test_a_foetus_carries_its_rank():
    foetus = normalise_identity({"foetus": {"mother_birth_name": "Lefèvre", "mother_first_given_name": "Anaïs",
                                            "pregnancy_start_date": {"year": 2025, "month": 3, "day": None},
                                            "rank": 2}})
    assert encode(KEY, foetus)["foetus_rank"] == "2"
    assert encode(KEY, ident())["foetus_rank"] == ""


def test_parameters_change_the_filters():
    assert len(encode(KEY, ident(), EncodingParams(name_bits=1024))["given"]) == 128

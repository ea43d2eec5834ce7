"""Places as the deceased-persons file writes them: commune and country labels in capitals
without accents, and the birth place codes a later COG gives (commune mergers).

Only the cohort's places (rarelog.cohort.places) are labelled: the generator draws births and
deaths from them, so that strangers are born where the registry's patients are.
"""
from __future__ import annotations

import random
from functools import lru_cache

from rarelog.cohort import places as cohort_places
from rarelog.cohort.errors import fold
from rarelog.cohort.sampling import between

# INSEE country code -> label in the file, then a few birth towns the commune field may hold.
_ABROAD = {cog: (label, tuple(t for t in towns.split(",") if t)) for cog, label, towns in (
    line.split(";") for line in """
99131;BELGIQUE;BRUXELLES,LIEGE,CHARLEROI
99140;SUISSE;GENEVE,LAUSANNE
99109;ALLEMAGNE;SARREBRUCK,STUTTGART
99132;ROYAUME-UNI;LONDRES
99404;ETATS-UNIS;NEW YORK
99401;CANADA;MONTREAL,QUEBEC
99352;ALGERIE;ALGER,ORAN,CONSTANTINE,TLEMCEN,SETIF
99350;MAROC;CASABLANCA,RABAT,FES,OUJDA,MEKNES
99351;TUNISIE;TUNIS,SFAX,SOUSSE
99139;PORTUGAL;LISBONNE,PORTO,BRAGA
99134;ESPAGNE;MADRID,BARCELONE,VALENCE
99127;ITALIE;ROME,NAPLES,TURIN
99341;SENEGAL;DAKAR,THIES
99335;MALI;BAMAKO,KAYES
99326;COTE D'IVOIRE;ABIDJAN,BOUAKE
99322;CAMEROUN;DOUALA,YAOUNDE
99243;VIET NAM;HANOI,SAIGON
99216;CHINE;PEKIN,SHANGHAI
99234;CAMBODGE;PHNOM PENH
99122;POLOGNE;VARSOVIE,CRACOVIE
99114;ROUMANIE;BUCAREST
99208;TURQUIE;ISTANBUL,ANKARA
99252;ARMENIE;EREVAN""".strip().splitlines())}
# Born in an overseas département: the country field names it.
_OVERSEAS = {"971": "GUADELOUPE", "972": "MARTINIQUE", "973": "GUYANE", "974": "LA REUNION", "976": "MAYOTTE"}
# Paris, Lyon and Marseille: births are coded by municipal arrondissement; the city has a code too.
_CITIES = (("751", "75056", "PARIS"), ("6938", "69123", "LYON"), ("132", "13055", "MARSEILLE"))
_NAMES = {c.cog: c.name for c in cohort_places.COMMUNES}
# What the commune field holds when the birth commune is unknown (the reader reads all as None).
UNKNOWN_COMMUNE = ("", "", "", "INCONNUE", "-----", "X")


def upper(text: str) -> str:
    """Capitals without accents or ligatures (Œ→OE), as the file is written."""
    return fold(text).upper()


def _city(cog: str) -> tuple[str, str, int] | None:
    """(city code, city name, arrondissement number) for a municipal arrondissement."""
    for prefix, code, name in _CITIES:
        if cog.startswith(prefix):
            return code, name, int(cog[len(prefix):])
    return None


@lru_cache(maxsize=None)
def commune_label(cog: str) -> str | None:
    """The birth commune in clear: PARIS 15E ARRONDISSEMENT, SAINT-ETIENNE; None if not listed."""
    city = _city(cog)
    if city:
        return f"{city[1]} {city[2]}{'ER' if city[2] == 1 else 'E'} ARRONDISSEMENT"
    name = _NAMES.get(cog)
    return upper(name)[:30] if name else None


def country_label(cog: str | None) -> str | None:
    """The country field: the country for a birth abroad, the overseas département for one
    there, empty (None) for metropolitan France."""
    if not cog:
        return None
    if cog.startswith("99"):
        found = _ABROAD.get(cog)
        return found[0] if found else None
    return _OVERSEAS.get(cog[:3])


def abroad_town(rng: random.Random, cog: str) -> str | None:
    """A birth town abroad for the commune field; the file often leaves it empty."""
    towns = _ABROAD.get(cog, ("", ()))[1]
    return towns[int(rng.random() * len(towns))] if towns and rng.random() < 0.7 else None


def recoded(rng: random.Random, cog: str) -> str:
    """The code a later COG gives a birth place (the file holds the code in force when the death
    was recorded). The rule, for a commune of a département:
    - a municipal arrondissement of Paris, Lyon or Marseille becomes the city's own code
      (75056, 69123, 13055): the death's civil status gave the city, not the arrondissement;
    - any other commune has merged into a commune nouvelle, which takes the code of one of its
      former communes: same département (2 characters, 3 overseas), another commune number,
      drawn within 30 of the original (numbers follow the alphabet inside a département, so
      this only keeps the code realistic, not geographically near).
    The commune's name in clear is left as it was: it is the birth record's text."""
    city = _city(cog)
    if city:
        return city[0]
    departement = cog[:3] if cog.startswith("97") else cog[:2]
    digits = len(cog) - len(departement)
    number = int(cog[len(departement):])
    while True:
        other = number + between(rng, 1, 30) * (1 if rng.random() < 0.5 else -1)
        if 1 <= other < 10 ** digits:
            return f"{departement}{other:0{digits}d}"

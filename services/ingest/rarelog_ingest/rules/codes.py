"""Syntax of the identifiers and codes an SDM-MR record carries, and the ORPHAcode reference."""
from __future__ import annotations

import re

from rarelog_kit.messages import Reason
from rarelog_kit.reference import orphanet

from .base import fault
from .text import free_text_problems

CENTRE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
LOCAL_RECORD_ID = re.compile(r"[^\x00-\x1f\x7f]{1,64}")
ORPHACODE = re.compile(r"ORPHA:[1-9][0-9]{0,6}")
UNDIAGNOSED = "ORPHA:616874"
ICD10 = re.compile(r"[A-TV-Z][0-9]{2}(\.[0-9A-Z]{1,4})?")
HPO = re.compile(r"HP:[0-9]{7}")
HGNC = re.compile(r"HGNC:[1-9][0-9]{0,5}")
# ATC levels: anatomical group L, then LNN, LNNL, LNNLL, LNNLLNN.
ATC = re.compile(r"[ABCDGHJLMNPRSV](?:[0-9]{2}(?:[A-Z](?:[A-Z](?:[0-9]{2})?)?)?)?")
ORPHAN_MEDICINE = re.compile(r"EMEA/H/C/[0-9]{6}")
# ICF: component letter, chapter digit, then second (2 digits), third (+1) or fourth (+2) level.
ICF = re.compile(r"[bsde][1-9](?:[0-9]{2}[0-9]{0,2})?")
INS = re.compile(r"[12378][0-9]{2}(?:0[1-9]|1[0-2]|[2-9][0-9])(?:2[AB]|[0-9]{2})[0-9]{6}[0-9]{2}")
RPPS = re.compile(r"[0-9]{11}")
FINESS = re.compile(r"(?:2[AB]|[0-9]{2})[0-9]{7}")
# COG commune: département (01-95, 2A/2B; 20 before 1976) + 3 digits; 97x/98x overseas; 99xxx abroad.
COG = re.compile(r"(?:2[AB]|0[1-9]|[1-8][0-9]|9[0-5])[0-9]{3}|9[7-9][0-9]{3}")
POSTAL_CODE_FR = re.compile(r"[0-9]{5}")
POSTAL_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{0,11}")
ICF_QUALIFIERS = (0, 1, 2, 3, 4, 8, 9)

COUNTRIES = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV
BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET
FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM
IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD
ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST
SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS
YE YT ZA ZM ZW""".split())  # ISO 3166-1 alpha-2, every officially assigned code

# HL7 v3 RoleCode, family members (the relationship of the propositus to the patient).
ROLE_CODES = frozenset("""
FAMMEMB EXT ONESELF PRN MTH FTH NPRN NMTH NFTH GESTM ADOPTP ADOPTM ADOPTF STPPRN STPMTH STPFTH
CHILD NCHILD SON DAU SONC DAUC CHLDADOPT CHLDFOST STPCHLD STPSON STPDAU
SIB NSIB BRO SIS NBRO NSIS HSIB HBRO HSIS STPSIB STPBRO STPSIS
TWIN TWINBRO TWINSIS FTWIN FTWINBRO FTWINSIS ITWIN ITWINBRO ITWINSIS
GRPRN GRMTH GRFTH MGRPRN MGRMTH MGRFTH PGRPRN PGRMTH PGRFTH
GGRPRN GGRMTH GGRFTH MGGRPRN MGGRMTH MGGRFTH PGGRPRN PGGRMTH PGGRFTH GRNDCHILD GRNDSON GRNDDAU
AUNT UNCLE MAUNT MUNCLE PAUNT PUNCLE COUSN MCOUSN PCOUSN NIENEPH NEPHEW NIECE""".split())

# HL7 v3 ActEncounterCode.
ENCOUNTER_TYPES = ("AMB", "EMER", "FLD", "HH", "IMP", "ACUTE", "NONAC", "OBSENC", "PRENC", "SS", "VR")

# Reasons of orphanet_inactive.csv: deprecated and moved to an active code, obsolete with a
# suggested code (referred to), obsolete, or not rare in Europe.
_INACTIVE_WORDS = {
    "moved-to": ("merged into another entity", "use"),
    "referred-to": ("obsolete", "consider"),
    "obsolete": ("obsolete", "use"),
    "non-rare": ("not a rare disease in Europe", "use"),
}


def syntax(pattern: re.Pattern, code: str, value: str | None, path: str, expected: str) -> list[Reason]:
    if value is None or pattern.fullmatch(value):
        return []
    return [fault(code, path, f"must be {expected}")]


def centre_id(value: str | None, path: str) -> list[Reason]:
    return syntax(CENTRE_ID, "centre-id-syntax", value, path, "1-32 letters, digits, '.', '_' or '-'")


def orphacode(value: str | None, path: str, *, must_be_listed: bool = True) -> list[Reason]:
    """Syntax, then the shipped Orphanet reference: inactive codes name their replacement.
    `must_be_listed` is off for groups of disorders, which the shipped extract does not list."""
    if value is None:
        return []
    if not ORPHACODE.fullmatch(value):
        return [fault("orphacode-syntax", path, "must look like ORPHA:<number>")]
    reference = orphanet()
    if value in reference.inactive:
        replacement, reason = reference.inactive[value]
        words, verb = _INACTIVE_WORDS.get(reason, ("inactive", "use"))
        advice = f"{verb} {replacement}" if replacement else "no replacement is known"
        return [fault("orphacode-inactive", path, f"was deactivated by Orphanet ({words}); {advice}")]
    if must_be_listed and not reference.is_active(value):
        return [fault("orphacode-unknown", path, "is not an ORPHAcode of the registry's Orphanet reference")]
    return []


def icd10(value: str | None, path: str) -> list[Reason]:
    return syntax(ICD10, "icd10-syntax", value, path, "an ICD-10 code such as Q87.4")


def coded_concept(concept: dict, path: str) -> list[Reason]:
    system, code = concept["system"], concept["code"]
    if system == "ORPHA":  # clinical descriptions are groups of disorders (JDV_Orpha_Groupes-Maladies)
        return orphacode(code, f"{path}.code", must_be_listed=False)
    if system == "HPO":
        return syntax(HPO, "hpo-syntax", code, f"{path}.code", "HP: and 7 digits")
    if system == "ICD10":
        return icd10(code, f"{path}.code")
    return free_text_problems(code, f"{path}.code")


def ins(value: str | None, path: str) -> list[Reason]:
    """INS/NIR: 13 characters (Corsica's 2A/2B allowed) and a 2-digit control key, 97 - (n mod 97)."""
    if value is None:
        return []
    compact = value.replace(" ", "")
    if not INS.fullmatch(compact):
        return [fault("ins-syntax", path, "must be 13 characters and a 2-digit key")]
    body = compact[:13].replace("2A", "19").replace("2B", "18")
    if 97 - int(body) % 97 != int(compact[13:]):
        return [fault("ins-control-key", path, "control key does not match")]
    return []


def rpps(value: str | None, path: str) -> list[Reason]:
    return syntax(RPPS, "rpps-syntax", value, path, "an RPPS number of 11 digits")


def finess(value: str | None, path: str) -> list[Reason]:
    return syntax(FINESS, "finess-syntax", value, path, "a FINESS number of 9 characters")


def cog(value: str | None, path: str) -> list[Reason]:
    return syntax(COG, "cog-syntax", value, path, "a 5-character COG code (e.g. 75115, 2A004, 97411, 99134)")


def country(value: str | None, path: str) -> list[Reason]:
    if value is None or value in COUNTRIES:
        return []
    return [fault("country-syntax", path, "must be an ISO 3166 alpha-2 country code such as FR")]


def postal_code(value: str | None, country_code: str, path: str) -> list[Reason]:
    if country_code == "FR":
        return syntax(POSTAL_CODE_FR, "postal-code-syntax", value, path, "5 digits in France")
    return syntax(POSTAL_CODE, "postal-code-syntax", value, path, "1-12 letters, digits, spaces or '-'")


def one_of(value: str | None, allowed, path: str, what: str) -> list[Reason]:
    if value is None or value in allowed:
        return []
    return [fault("not-in-value-set", path, f"must be {what}")]

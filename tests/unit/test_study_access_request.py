"""What `rarelog access grant` accepts, and the one-line refusals of everything else (no database)."""
from datetime import date, datetime, timezone

import pytest

from rarelog.access import request
from rarelog.access.request import AccessError
from rarelog_kit.reference import orphanet

TODAY = date(2026, 6, 1)


def grant(**over):
    args = {"study": "marfan_2026", "codes": "558", "period": "2015-2024", "expires": "2027-06-30",
            "table_names": None, "roles": None, "approval": None}
    args.update(over)
    return request.grant_request(**args, nomenclature=orphanet(), today=TODAY)


def test_a_grant_request_normalises_what_it_keeps():
    r = grant(codes="558, ORPHA:558,orpha:870", table_names=["treatment,patient"], roles=["alice", "bob,alice"])
    assert r.orphacodes == ("ORPHA:558", "ORPHA:870")
    assert (r.first_year, r.last_year) == (2015, 2024)
    assert r.tables == ("patient", "treatment")  # catalogue order
    assert r.login_roles == ("alice", "bob")
    assert r.name == "study_marfan_2026"
    # Access lasts the whole expiry day.
    assert r.expires_at == datetime(2027, 7, 1, tzinfo=timezone.utc)
    assert grant().tables == request.TABLES
    assert (grant(period="2020").first_year, grant(period="2020").last_year) == (2020, 2020)


@pytest.mark.parametrize("over, message", [
    ({"study": "Marfan"}, "bad study id 'Marfan'"),
    ({"study": "cse-2026"}, "bad study id"),
    ({"study": "x" * 41}, "bad study id"),
    ({"codes": ""}, "bad ORPHAcode ''"),
    ({"codes": "558,OMIM:154700"}, "bad ORPHAcode 'OMIM:154700'"),
    ({"codes": "166"}, "ORPHA:166 is not in the registry's Orphanet extract"),
    ({"codes": "ORPHA:166068"}, "ORPHA:166068 is inactive in Orphanet (moved-to): use ORPHA:166063"),
    ({"period": "2015-"}, "bad --years '2015-'"),
    ({"period": "2024-2015"}, "not after the last"),
    ({"period": "1850-1900"}, "1900 or later"),
    ({"expires": "30/06/2027"}, "bad --expires '30/06/2027': expected a date YYYY-MM-DD"),
    ({"expires": "2026-05-31"}, "--expires 2026-05-31 is in the past"),
    ({"table_names": ["record"]}, "unknown table(s) record"),
    ({"roles": ["study_other"]}, "cannot be an analyst of a study"),
    ({"roles": ["pg_read_all_data"]}, "cannot be an analyst of a study"),
])
def test_refusals_name_what_is_wrong(over, message):
    with pytest.raises(AccessError) as exc:
        grant(**over)
    assert message in str(exc.value)


def test_the_expiry_day_itself_is_allowed():
    assert grant(expires=TODAY.isoformat()).expires_on == TODAY

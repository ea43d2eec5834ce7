import struct

import pytest

from rarelog_kit.serde import AvroCatalog, UndecodableMessage

CATALOG = AvroCatalog()
DATE = {"year": 1990, "month": 4, "day": None}


def test_single_object_round_trip_and_header():
    data = CATALOG.encode("PartialDate", DATE)
    assert data[:2] == b"\xc3\x01" and len(data) > 10
    assert CATALOG.decode(data).value == DATE


def test_confluent_framing_is_read_through_the_registry():
    import json
    body = CATALOG.encode("PartialDate", DATE)[10:]
    schema_text = json.dumps({"type": "record", "name": "PartialDate", "namespace": "rarelog.v1",
                              "fields": [{"name": "year", "type": "int"},
                                         {"name": "month", "type": ["null", "int"], "default": None},
                                         {"name": "day", "type": ["null", "int"], "default": None}]})
    catalog = AvroCatalog(fetch_registry_schema=lambda sid: schema_text)
    decoded = catalog.decode(b"\x00" + struct.pack(">I", 7) + body)
    assert decoded == type(decoded)("PartialDate", DATE)
    with pytest.raises(UndecodableMessage) as exc:
        CATALOG.decode(b"\x00" + struct.pack(">I", 7) + body)
    assert exc.value.code == "no-schema-registry"


@pytest.mark.parametrize("data, code, kwargs", [
    (b"", "empty-message", {}),
    (b"\xc3\x01" + b"\x00" * 8 + b"\x02", "unknown-schema-fingerprint", {}),
    (None, "empty-message", {}),
    (b"garbage", "unknown-framing", {}),
    (b"[1, 2]", "json-not-an-object", {"allow_json": True}),
    (b"{\"a\": ", "invalid-json", {"allow_json": True}),
    (b"{\"a\": \"\xff\"}", "invalid-utf8", {"allow_json": True}),
    (b"[" * 100_000, "json-too-deep", {"allow_json": True}),
])
def test_undecodable_messages_get_a_reason_code(data, code, kwargs):
    with pytest.raises(UndecodableMessage) as exc:
        CATALOG.decode(data, **kwargs)
    assert exc.value.code == code


def test_truncated_and_padded_avro_are_refused():
    data = CATALOG.encode("Submission", {"operation": "WITHDRAW", "centre_id": "S001", "local_record_id": "x",
                                         "record": None})
    with pytest.raises(UndecodableMessage) as exc:
        CATALOG.decode(data[:-3])
    assert exc.value.code == "truncated-or-corrupt-avro"
    with pytest.raises(UndecodableMessage) as exc:
        CATALOG.decode(data + b"\x00")
    assert exc.value.code == "trailing-bytes"


def test_expected_record_type_is_enforced():
    with pytest.raises(UndecodableMessage) as exc:
        CATALOG.decode(CATALOG.encode("PartialDate", DATE), expect=("Submission",))
    assert exc.value.code == "unexpected-record-type"

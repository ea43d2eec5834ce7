import io

import fastavro

from rarelog_kit.avro_unions import compile_annotator
from rarelog_kit.serde import AvroCatalog
from tests.corpus import valid_cases

CATALOG = AvroCatalog()


def test_named_branches_write_the_same_bytes_as_fastavros_own_resolution():
    from rarelog_ingest.domain import from_json
    import json
    for name, data in valid_cases():
        submission = from_json(json.loads(data))
        plain = io.BytesIO()
        fastavro.schemaless_writer(plain, CATALOG.schema("Submission"), submission)
        assert CATALOG.encode("Submission", submission)[10:] == plain.getvalue(), name
        assert CATALOG.decode(CATALOG.encode("Submission", submission)).value["local_record_id"] == \
            submission["local_record_id"]


def test_schemas_without_record_unions_need_no_annotation():
    assert compile_annotator(CATALOG.expanded("PartialDate")) is None
    annotate = compile_annotator(CATALOG.expanded("VitalStatus"))
    assert annotate({"deceased": True, "death_date": {"year": 2020}}) == \
        {"deceased": True, "death_date": ("rarelog.v1.PartialDate", {"year": 2020})}

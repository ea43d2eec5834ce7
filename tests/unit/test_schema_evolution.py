"""Every schema of a permanent topic stays FULL_TRANSITIVE compatible with each released version."""
import json
import shutil

from rarelog.schemas import PERMANENT, evolution_problems, history_dir
from rarelog_kit.serde import AvroCatalog


def test_current_schemas_are_full_transitive_with_history():
    catalog = AvroCatalog()
    assert any(history_dir(catalog).iterdir()), "no released schema versions kept"
    assert evolution_problems(catalog) == []


def test_a_breaking_change_is_caught(tmp_path):
    # Copy the schemas, drop a field without default from a permanent record, and check again.
    schemas = tmp_path / "avro"
    shutil.copytree(AvroCatalog().schema_dir, schemas)
    shutil.copytree(history_dir(AvroCatalog()), tmp_path / "history")
    path = schemas / "rarelog.v1.RecordLinked.avsc"
    schema = json.loads(path.read_text())
    schema["fields"] = [f for f in schema["fields"] if f["name"] != "patient_id"]
    path.write_text(json.dumps(schema))
    problems = evolution_problems(AvroCatalog(schemas))
    assert problems and all(p.startswith("RecordLinked") for p in problems)
    assert any("patient_id" in p for p in problems)
    assert "RecordLinked" in PERMANENT

"""Schema history: every released version of the permanent topics' schemas is kept in
schemas/history/<tag>/, and each current schema must stay FULL_TRANSITIVE compatible with all
of them (checked by the test suite). A breaking change is a new topic, not a new version."""
from __future__ import annotations

import json
from pathlib import Path

from rarelog_kit.avro_compat import check_transitive
from rarelog_kit.serde import AvroCatalog

# Record types of the permanent topics (registry.pseudonymized.records, registry.patient.events,
# the reconciler changelog): the data kept forever must stay readable.
PERMANENT = ("PseudonymisedRecord", "RecordLinked", "RecordWithdrawn", "LinkageIndexEntry", "PossibleMatch",
             "PossibleMatchResolved", "PatientsMerged", "PatientSplit", "LinkageReview", "PseudonymOwner",
             "PendingReview", "LinkageModel", "LinkageSequence", "PseudonymisedDeath", "VitalStatusVerified",
             "VerifiedDeath", "RecordDataKey", "SealedContent", "SealedLinkage", "SealedDeath", "PatientErased")


def history_dir(catalog: AvroCatalog) -> Path:
    return catalog.schema_dir.parent / "history"


def _plain(schema):
    """Drop fastavro's private keys so a snapshot is plain Avro JSON."""
    if isinstance(schema, dict):
        return {k: _plain(v) for k, v in schema.items() if not k.startswith("__")}
    if isinstance(schema, list):
        return [_plain(v) for v in schema]
    return schema


def snapshot(tag: str, catalog: AvroCatalog | None = None) -> Path:
    catalog = catalog or AvroCatalog()
    folder = history_dir(catalog) / tag
    folder.mkdir(parents=True, exist_ok=False)
    for name in PERMANENT:
        (folder / f"rarelog.v1.{name}.avsc").write_text(json.dumps(_plain(catalog.schema(name)), indent=2) + "\n")
    return folder


def evolution_problems(catalog: AvroCatalog | None = None) -> list[str]:
    catalog = catalog or AvroCatalog()
    problems = []
    tags = sorted(p for p in history_dir(catalog).iterdir() if p.is_dir()) if history_dir(catalog).is_dir() else []
    for name in PERMANENT:
        history = [(tag.name, json.loads(f.read_text())) for tag in tags
                   if (f := tag / f"rarelog.v1.{name}.avsc").exists()]
        problems += [f"{name}: {p}" for p in check_transitive(_plain(catalog.expanded(name)), history, "FULL")]
    return problems

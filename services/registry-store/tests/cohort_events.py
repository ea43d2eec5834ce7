"""RecordLinked events made from the real synthetic generator, the way the pipeline makes them:
generated submission → ingest's JSON reading and decision → the pseudonymizer → a RecordLinked
carrying the pseudonymised content (as the reconciler's domain builds it). The patient is the
generator's true patient, so the expected counts need no linkage."""
from __future__ import annotations

import json

from rarelog.cohort.generator import CohortSpec, generate
from rarelog_ingest import domain as ingest
from rarelog_kit.serde import AvroCatalog
from rarelog_pseudonymizer import domain as pseudonymizer
from rarelog_pseudonymizer.keys import PseudonymKey

KEY = PseudonymKey(b"warehouse-test-key-".ljust(32, b"x"))
CATALOG = AvroCatalog()
SCHEMA = CATALOG.expanded("Submission")
LINKED_FIELDS = ("record_key", "centre_id", "received_at", "birth_year_month", "sex", "vital_status", "diagnoses",
                 "is_foetus", "birth_area", "residence_departement", "clinical")
T0_MS = 1_780_000_000_000


def cohort(patients: int, centres: int, seed: int) -> list[tuple[dict, tuple[str, dict]]]:
    """(generated submission, decoded RecordLinked) in submission order; record_version = position."""
    spec = CohortSpec(patients, centres, seed)
    out = []
    for version, g in enumerate(generate(spec), start=1):
        submission = ingest.from_json(json.loads(json.dumps(g.submission, ensure_ascii=False)))
        decided = ingest.decide(submission, SCHEMA, event_id=f"in-{version}", received_at_ms=T0_MS + version,
                                today=spec.reference_day)
        assert isinstance(decided, ingest.Accepted), decided
        record = pseudonymizer.pseudonymise(KEY, decided.record, f"ps-{version}")
        linked = {"event_id": f"rl-{version}", "patient_id": f"P{g.patient}", "record_version": version,
                  "link_rule": "exact-pseudonym" if g.copy else "new-patient", "match_probability": None,
                  **{k: record[k] for k in LINKED_FIELDS}}
        # Through Avro and back, as the sink decodes it: every field present, defaults filled in.
        out.append((g.submission, ("RecordLinked", CATALOG.decode(CATALOG.encode("RecordLinked", linked)).value)))
    return out


def withdrawn(event: dict, version: int) -> tuple[str, dict]:
    return ("RecordWithdrawn", {"event_id": f"wd-{version}", "patient_id": event["patient_id"],
                                "record_key": event["record_key"], "centre_id": event["centre_id"],
                                "received_at": T0_MS + version, "record_version": version, "reason": "WITHDRAW"})


def load(warehouse, generated: list, withdraw: int, directory, centres_seed: int, centres: int) -> int:
    """Writes the cohort in batches of 150, withdraws its first `withdraw` records and loads a
    centre directory; returns the number of centres loaded."""
    from rarelog.cohort.centres import write_directory
    from rarelog_registry_store.reference_store import load_centre_directory

    events = [e for _, e in generated]
    for start in range(0, len(events), 150):
        warehouse.write(events[start:start + 150])
    version = len(events) + 1
    warehouse.write([withdrawn(e, version + i) for i, (_, e) in enumerate(events[:withdraw])])
    write_directory(centres_seed, centres, directory)
    return load_centre_directory(warehouse.database_url, directory, warehouse.registry)


def day(text: str) -> tuple:
    """A generated JSON partial date as a sortable tuple, unknown parts first."""
    parts = [int(p) for p in text.split("-")]
    return tuple(parts + [0] * (3 - len(parts)))


def first_contact_year(submission: dict) -> int | None:
    r = submission["record"]
    dated = [day(a["date"]) for a in r.get("activities", [])]
    dated += [day(c["inclusion_date"]) for c in r.get("care_pathways", []) if c.get("inclusion_date")]
    return min(dated)[0] if dated else None


def residence_departement(submission: dict) -> str | None:
    res = submission["record"].get("residence")
    if not res:
        return None
    if res.get("country", "FR") != "FR":
        return "99"
    code = res.get("commune_cog") or res.get("postal_code") or ""
    return code[:3] if code[:2] in ("97", "98") else code[:2] or None


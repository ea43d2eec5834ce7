"""Shared by registry-store's tests: patient events as the reconciler writes them, and, for the
tests marked integration, a warehouse of their own (fresh schemas, migrated) in a real
PostgreSQL: DATABASE_URL when set, the embedded stack otherwise (started idempotently)."""
from __future__ import annotations

import importlib.util
import os
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest

from rarelog_kit.keystore import DataKeyStore
from rarelog_kit.messages import Inbound
from rarelog_kit.sealing import new_data_key, seal
from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topics import PATIENT_EVENTS
from rarelog_registry_store.clinical_rows import TABLES as CLINICAL_TABLES
from rarelog_registry_store.entrypoint import Quarantine, WarehouseSink
from rarelog_registry_store.migrations import migrate
from rarelog_registry_store.omop import schema_name as omop_schema
from rarelog_registry_store.sealed import Opener

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=timezone.utc)


class Events:
    """Decoded patient events, (schema name, value), as the sink hands them to the domain."""

    @staticmethod
    def linked(key, patient, version, codes=("ORPHA:558",), rule="new-patient", centre="S001", death=None,
               clinical=None):
        """death: a partial date ("2024-03") the centre reports; clinical: a ClinicalData value."""
        return ("RecordLinked", {
            "event_id": f"link-{key}-{version}", "patient_id": patient, "record_key": key, "centre_id": centre,
            "received_at": T0 + timedelta(minutes=version), "record_version": version, "link_rule": rule,
            "birth_year_month": "2011-04", "sex": "F",
            "vital_status": death and {"deceased": True, "death_date": Events.date(death)},
            "diagnoses": [{"orphacode": c, "icd10": None, "status": "CONFIRMED", "diagnosis_date": None}
                          for c in codes], "clinical": clinical})

    @staticmethod
    def date(text):
        """A PartialDate from "YYYY", "YYYY-MM" or "YYYY-MM-DD"."""
        parts = [int(p) for p in text.split("-")] + [None, None]
        return {"year": parts[0], "month": parts[1], "day": parts[2]}

    @staticmethod
    def verified_death(death_id, patient, key, date, step="exact-pseudonym", probability=None):
        return ("VitalStatusVerified", {
            "event_id": f"vsv-{death_id}", "patient_id": patient, "record_key": key, "death_id": death_id,
            "import_id": "import-1", "source": "INSEE", "received_at": T0, "death_date": Events.date(date),
            "death_departement": "75", "match_step": step, "match_probability": probability})

    @staticmethod
    def withdrawn(key, patient, version, reason="OPPOSE"):
        return ("RecordWithdrawn", {"event_id": f"withdraw-{key}-{version}", "patient_id": patient,
                                    "record_key": key, "centre_id": "S001",
                                    "received_at": T0 + timedelta(minutes=version), "record_version": version,
                                    "reason": reason})

    @staticmethod
    def possible_match(review, patient, candidate, key, candidate_key, version, probability=0.62):
        return ("PossibleMatch", {
            "event_id": f"pm-{review}", "review_id": review, "patient_id": patient,
            "candidate_patient_id": candidate, "record_key": key, "candidate_record_key": candidate_key,
            "centre_id": "S001", "received_at": T0 + timedelta(minutes=version), "record_version": version,
            "match_probability": probability, "reason": "score",
            "agreement": [{"field": "given", "level": 3, "levels": 3}, {"field": "date", "level": 1, "levels": 4}],
            "names_swapped": False})

    @staticmethod
    def resolved(review, patient, candidate, verdict):
        return ("PossibleMatchResolved", {"event_id": f"verdict-{review}", "review_id": review,
                                          "patient_id": patient, "candidate_patient_id": candidate,
                                          "verdict": verdict, "reviewer": "reviewer-1", "decided_at": T0})

    @staticmethod
    def merged(surviving, merged, keys, review=None):
        return ("PatientsMerged", {"event_id": f"merge-{merged}-{surviving}", "patient_id": surviving,
                                   "merged_patient_id": merged, "record_keys": list(keys),
                                   "cause": "review-accepted", "review_id": review, "reviewer": "reviewer-1",
                                   "decided_at": T0})

    @staticmethod
    def erased(patient, keys, reason="OPPOSE", minute=60):
        return ("PatientErased", {"event_id": f"erased-{patient}", "patient_id": patient,
                                  "record_keys": list(keys), "reason": reason,
                                  "received_at": T0 + timedelta(minutes=minute)})

    @staticmethod
    def split(patient, new, keys):
        return ("PatientSplit", {"event_id": f"split-{patient}-{new}", "patient_id": patient,
                                 "new_patient_id": new, "record_keys": list(keys), "cause": "review-split",
                                 "reviewer": "reviewer-1", "decided_at": T0})


CATALOG = AvroCatalog()
CONTENT = ("birth_year_month", "sex", "vital_status", "diagnoses", "is_foetus", "birth_area",
           "residence_departement", "clinical")  # SealedContent's fields


class HandKeys(DataKeyStore):
    """A key store filled by hand (`keys`, `apply`): no topic behind it, so nothing to catch up."""

    def __init__(self) -> None:
        super().__init__(CATALOG, {}, "no-topic")

    def catch_up(self) -> int:
        self._fresh = True
        return 0

    def make(self, record_key: str) -> bytes:
        """A new data key for the record, as the pseudonymizer makes one."""
        self.keys[record_key] = new_data_key()
        return self.keys[record_key]


def sealed(event, keys: HandKeys):
    """The event as the sealing pipeline writes it: a RecordLinked's content, a
    VitalStatusVerified's death, sealed under its record's data key (made when missing), the
    plaintext fields at their defaults."""
    name, e = event
    key = keys.keys.get(e["record_key"]) or keys.make(e["record_key"])
    e = dict(e)
    if name == "RecordLinked":
        value = CATALOG.decode(CATALOG.encode("RecordLinked", e)).value  # Avro defaults filled in
        plain = CATALOG.encode("SealedContent", {f: value[f] for f in CONTENT})
        e.update(birth_year_month=None, sex="UNKNOWN", vital_status=None, diagnoses=[], is_foetus=False,
                 birth_area=None, residence_departement=None, clinical=None)
        e["content"] = seal(key, plain, record_key=e["record_key"], purpose="content", event_id=e["event_id"])
    else:
        plain = CATALOG.encode("SealedDeath", {"death_date": e["death_date"],
                                                "death_departement": e["death_departement"]})
        e.update(death_date=None, death_departement=None)
        e["sealed"] = seal(key, plain, record_key=e["record_key"], purpose="death", event_id=e["event_id"])
    return name, e


Events.sealed = staticmethod(sealed)


@pytest.fixture(scope="session")
def events() -> type[Events]:
    return Events


@pytest.fixture
def hand_keys() -> HandKeys:
    return HandKeys()


@pytest.fixture(scope="session")
def cohort_events():
    """cohort_events.py, a plain module beside the tests (importlib mode puts no test folder on
    the path): RecordLinked events from the synthetic generator and independent expectations."""
    spec = importlib.util.spec_from_file_location("registry_store_cohort_events",
                                                  Path(__file__).with_name("cohort_events.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Warehouse:
    """A warehouse of its own, written through the sink as the service writes it: Avro bytes in,
    one transaction per batch."""

    def __init__(self, database_url: str, registry: str, analytics: str) -> None:
        self.database_url, self.registry, self.analytics = database_url, registry, analytics
        self.catalog = AvroCatalog()
        self.keys = HandKeys()
        self.opener = Opener(self.catalog, self.keys)
        self.sink = WarehouseSink(self.catalog, registry, Quarantine(registry), self.opener)
        self.offset = 0

    def write(self, batch: list[tuple[str, dict]]) -> None:
        messages = []
        for name, value in batch:
            messages.append(Inbound(PATIENT_EVENTS, 0, self.offset, value["patient_id"].encode(),
                                    self.catalog.encode(name, value), 0))
            self.offset += 1
        with psycopg.connect(self.database_url) as conn:
            self.sink.apply(conn, messages)

    def query(self, sql: str, *params) -> list[tuple]:
        with psycopg.connect(self.database_url) as conn:
            return conn.execute(sql.format(registry=self.registry, analytics=self.analytics), params).fetchall()

    def snapshot(self) -> dict[str, list[str]]:
        """Every row of the warehouse's tables and views, sorted, as text."""
        rels = [(self.registry, t) for t in ("record", "diagnosis", "patient", "possible_match",
                                              "patient_link_event", "quarantined_event", *CLINICAL_TABLES,
                                              "death_verified", "patient_vital_status", "vital_status_conflict",
                                              "erasure_audit")]
        rels += [(self.analytics, v) for v in ("patients_by_orphacode", "linkage_review_queue", "patient_count",
                                               "patients_by_region", "completeness_by_item", "age_at_onset",
                                               "vital_status")]
        with psycopg.connect(self.database_url) as conn:
            return {f"{s}.{r}": sorted(row[0] for row in conn.execute(f"SELECT t::text FROM {s}.{r} t"))
                    for s, r in rels}


@pytest.fixture(scope="session")
def database_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from rarelog import stack
    return stack.up(start_services=False)["DATABASE_URL"]


@pytest.fixture
def make_warehouse(database_url):
    """Makes warehouses of their own (fresh schemas, migrated), dropped after the test."""
    made = []

    def make() -> Warehouse:
        name = f"t{uuid.uuid4().hex[:10]}"
        made.append(Warehouse(database_url, f"{name}_registry", f"{name}_analytics"))
        migrate(database_url, made[-1].registry, made[-1].analytics)
        return made[-1]

    yield make
    with psycopg.connect(database_url, autocommit=True) as conn:
        for wh in made:
            conn.execute(f"DROP SCHEMA IF EXISTS {wh.analytics} CASCADE")
            conn.execute(f"DROP SCHEMA IF EXISTS {omop_schema(wh.registry)} CASCADE")  # made by the migrations too
            conn.execute(f"DROP SCHEMA IF EXISTS {wh.registry} CASCADE")


@pytest.fixture
def warehouse(make_warehouse):
    return make_warehouse()

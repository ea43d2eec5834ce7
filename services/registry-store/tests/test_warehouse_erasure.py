"""Sealed payloads and erasures written into a real PostgreSQL through the sink (docs/decisions/0011):
sealed events land as their plaintext does, those whose data key is gone are skipped, a
PatientErased leaves nothing of its patient in any table nor in OMOP, and the bulk replay of the
same log ends in the same state."""
from __future__ import annotations

import psycopg
import pytest

from rarelog_kit.topics import PATIENT_EVENTS
from rarelog_registry_store import checksum, omop
from rarelog_registry_store.replay import Progress, erasures_after, finish, fold, write
from rarelog_registry_store.sealed import Opener

pytestmark = pytest.mark.integration
GONE = ("PAT-GONE", "PAT-FORMER", "rec-gone-1", "rec-gone-2", "rec-gone-3")  # every id of the erased patient
CLINICAL = {"activities": [{"date": {"year": 2020, "month": 3, "day": 2}, "centre_id": "S002",
                            "context": "CONSULTATION"}],
            "treatments": [{"atc": "L01BC08", "start": {"year": 2021, "month": None, "day": None}}],
            "care_pathways": [{"centre_id": "S001", "inclusion_date": {"year": 2019, "month": None, "day": None}}],
            "consent": {"opposes_reuse_in_bndmr": False, "ern_registry_consents": ["ITHACA"]},
            "disease_history": {"first_signs": {"period": "AT_AGE", "value": 3, "unit": "YEARS"}}}


def scenario(events, keys):
    """Batches of sealed events: PAT-GONE (two records, one withdrawn, and PAT-FORMER's record
    merged into it; a pending possible match with PAT-PROV; a verified death), PAT-KEEP (split,
    a death), then PAT-GONE's erasure (its keys deleted first, as the reconciler does)."""
    s = lambda event: events.sealed(event, keys)  # noqa: E731
    first = [s(events.linked("rec-gone-1", "PAT-GONE", 1, clinical=CLINICAL, death="2024-03")),
             s(events.linked("rec-gone-2", "PAT-GONE", 2, centre="S002", clinical=CLINICAL)),
             s(events.linked("rec-gone-3", "PAT-FORMER", 3)),
             s(events.linked("rec-keep-1", "PAT-KEEP", 4, clinical=CLINICAL)),
             s(events.linked("rec-keep-2", "PAT-KEEP", 5, codes=("ORPHA:166",))),
             s(events.linked("rec-prov-1", "PAT-PROV", 6, rule="provisional")),
             events.possible_match("rv-gone", "PAT-PROV", "PAT-GONE", "rec-prov-1", "rec-gone-1", 6),
             events.possible_match("rv-keep", "PAT-PROV", "PAT-KEEP", "rec-prov-1", "rec-keep-1", 6),
             events.resolved("rv-keep", "PAT-PROV", "PAT-KEEP", "REJECT"),
             events.split("PAT-KEEP", "PAT-SPLIT", ["rec-keep-2"]),
             s(events.verified_death("d-gone", "PAT-GONE", "rec-gone-1", "2024-03-20")),
             s(events.verified_death("d-keep", "PAT-KEEP", "rec-keep-1", "2025-01"))]
    second = [events.merged("PAT-GONE", "PAT-FORMER", ["rec-gone-3"]), events.withdrawn("rec-gone-2", "PAT-GONE", 7)]
    erased = [events.erased("PAT-GONE", ["rec-gone-1", "rec-gone-2"])]  # rec-gone-3: found under it
    return first, second, erased


def shred(keys) -> None:
    for k in ("rec-gone-1", "rec-gone-2", "rec-gone-3"):
        keys.keys.pop(k, None)


def schemas_text(wh, *schemas) -> dict[str, str]:
    """Every row of every table of the schemas, as text, by table."""
    out = {}
    with psycopg.connect(wh.database_url) as conn:
        for schema in schemas:
            for (table,) in conn.execute("SELECT table_name FROM information_schema.tables "
                                         "WHERE table_schema = %s AND table_type = 'BASE TABLE'", (schema,)):
                rows = conn.execute(f'SELECT x::text FROM {schema}."{table}" x').fetchall()
                out[f"{schema}.{table}"] = "\n".join(sorted(r[0] for r in rows))
    return out


def traces(wh, registry=None) -> list[str]:
    registry = registry or wh.registry
    return [t for t, text in schemas_text(wh, registry, omop.schema_name(registry)).items()
            if any(i in text for i in GONE)]


def test_sealed_events_land_as_their_plaintext(make_warehouse, cohort_events, events, database_url):
    generated = [e for _, e in cohort_events.cohort(60, 4, seed=5)]
    deaths = [events.verified_death(f"d{i}", e["patient_id"], e["record_key"], "2025-05-0" + str(1 + i % 9))
              for i, (_, e) in enumerate(generated[:12])]
    plain, sealed = make_warehouse(), make_warehouse()
    plain.write(generated + deaths)
    sealed_events = [events.sealed(e, sealed.keys) for e in generated + deaths]
    assert all(e.get("content") or e.get("sealed") for _, e in sealed_events)
    sealed.write(sealed_events)
    lines, same = checksum.compare(database_url, plain.registry, sealed.registry)
    assert same, [line for line in lines if len(set(line[1])) > 1]
    counts = {table: sums[0][0] for table, sums in lines}
    assert counts["record"] == len(generated) and counts["death_verified"] == 12 and counts["activity"] > 60
    assert counts["quarantined_event"] == 0 and sealed.opener.skipped_total == 0


def test_a_sealed_event_whose_key_is_gone_is_skipped_not_quarantined(warehouse, events):
    keys = warehouse.keys
    kept = events.sealed(events.linked("r1", "P1", 1), keys)
    gone = [events.sealed(events.linked("r2", "P2", 2), keys),
            events.sealed(events.verified_death("d2", "P2", "r2", "2024"), keys)]
    del keys.keys["r2"]
    warehouse.write([kept, *gone, events.linked("r3", "P3", 3)])
    assert warehouse.query("SELECT record_key, patient_id FROM {registry}.record ORDER BY 1") == [
        ("r1", "P1"), ("r3", "P3")]
    assert warehouse.query("SELECT count(*) FROM {registry}.quarantined_event") == [(0,)]
    assert warehouse.query("SELECT count(*) FROM {registry}.death_verified") == [(0,)]
    assert warehouse.opener.skipped_total == 2


def test_an_erasure_deletes_every_row_of_the_patient_and_only_those(warehouse, events):
    first, second, erased = scenario(events, warehouse.keys)
    warehouse.write(first)
    omop.refresh_database(warehouse.database_url, warehouse.registry)  # PAT-FORMER gets a person id
    warehouse.write(second)
    omop.refresh_database(warehouse.database_url, warehouse.registry)
    assert len(traces(warehouse)) >= 15  # everywhere: records, clinical rows, matches, journal, deaths, OMOP
    assert warehouse.query("SELECT provisional FROM {registry}.patient WHERE patient_id = 'PAT-PROV'") == [(True,)]
    before = schemas_text(warehouse, warehouse.registry)
    o = omop.schema_name(warehouse.registry)
    gone_persons = [i for (i,) in warehouse.query(f"SELECT id FROM {o}.source_id WHERE source_value = ANY(%s)",
                                                  list(GONE))]
    assert len(gone_persons) == 2  # PAT-GONE's, and PAT-FORMER's (kept for when it comes back)
    others = {t: omop_rows(warehouse, t, gone_persons) for t in omop.PERSON_TABLES}
    assert all(others.values())

    shred(warehouse.keys)
    warehouse.write(erased)
    assert traces(warehouse) == []
    # The others are as they were; the possible match gone, PAT-PROV is no longer provisional.
    after = schemas_text(warehouse, warehouse.registry, o)
    assert {t: omop_rows(warehouse, t, []) for t in omop.PERSON_TABLES} == others
    for table, text in before.items():
        if table.endswith((".erasure_audit", ".patient")):
            continue
        kept = [line for line in text.splitlines() if not any(i in line for i in GONE)]
        assert after[table].splitlines() == kept, table
    assert warehouse.query("SELECT patient_id, record_count, provisional FROM {registry}.patient ORDER BY 1") == [
        ("PAT-KEEP", 1, False), ("PAT-PROV", 1, False), ("PAT-SPLIT", 1, False)]
    assert warehouse.query("SELECT patient_id, deceased FROM {registry}.patient_vital_status ORDER BY 1") == [
        ("PAT-KEEP", True), ("PAT-PROV", False), ("PAT-SPLIT", False)]
    # The audit: when, why, how many records; nobody.
    columns = warehouse.query("SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                              "AND table_name = 'erasure_audit' ORDER BY 1", warehouse.registry)
    assert [c for (c,) in columns] == ["applied_at", "erased_at", "reason", "records", "tag"]
    [(erased_at, reason, records)] = warehouse.query("SELECT erased_at, reason, records FROM {registry}.erasure_audit")
    assert (erased_at, reason, records) == (erased[0][1]["received_at"], "OPPOSE", 2)

    # Applied again (a replayed batch): nothing changes, not even the audit line's time.
    warehouse.write(erased)
    warehouse.write(erased + erased)
    assert schemas_text(warehouse, warehouse.registry, o) == after


def omop_rows(wh, table, but):
    """The rows of an OMOP table of the persons not in `but` (person ids)."""
    return wh.query(f"SELECT x::text FROM {omop.schema_name(wh.registry)}.{table} x "
                    "WHERE person_id <> ALL(%s) ORDER BY 1", but)


def message(offset, name, value, catalog):
    class Message:  # what fold reads of a confluent_kafka Message
        def value(self):
            return catalog.encode(name, value)

        def topic(self):
            return PATIENT_EVENTS

        def partition(self):
            return 0

        def offset(self):
            return offset
    return Message()


@pytest.mark.parametrize("as_of", [False, True])
def test_a_replay_over_an_erasure_ends_without_a_trace(make_warehouse, events, database_url, as_of):
    """The sink opened the patient's payloads before the erasure; the replay, with the keys as
    they are now, cannot: both end in the same state. As of a moment before the erasure, the
    replay applies it all the same (erasures_after), keeping what came before of the others."""
    sink, stale = make_warehouse(), make_warehouse()
    first, second, erased = scenario(events, sink.keys)
    stale.keys.keys.update(sink.keys.keys)
    for wh in (sink, stale):  # stale: a live warehouse that has not applied the erasure yet
        for batch in (first, second):
            wh.write(batch)
            omop.refresh_database(database_url, wh.registry)
    shred(sink.keys)
    sink.write(erased)
    log = [message(i, name, e, sink.catalog) for i, (name, e) in enumerate(first + second + erased)]
    replayed = make_warehouse()
    prefix = len(first) + len(second) if as_of else len(log)
    opener = Opener(sink.catalog, sink.keys)
    projection, quarantined, next_offset, n = fold(log[:prefix], sink.catalog, Progress(None), opener)
    assert erasures_after(log[prefix:], sink.catalog, projection) == (1 if as_of else 0)
    assert opener.skipped_total == 4 and quarantined == [] and next_offset == prefix
    with psycopg.connect(database_url) as conn:
        write(conn, replayed.registry, projection, quarantined, None, Progress(None))
        finish(conn, replayed.registry, projection, stale.registry)
    assert f"{omop.schema_name(stale.registry)}.source_id" in traces(stale)  # copied by finish ...
    assert traces(replayed) == []  # ... and forgotten
    assert replayed.query("SELECT reason, records FROM {registry}.erasure_audit") == [("OPPOSE", 2)]
    lines, same = checksum.compare(database_url, sink.registry, replayed.registry)
    assert same, [line for line in lines if len(set(line[1])) > 1]


def test_a_withdrawal_drops_the_deaths_sealed_with_its_key_as_a_replay_would(make_warehouse, events, database_url):
    """A withdrawal erases the record's data key: a replay cannot open the deaths sealed with it,
    so the sink drops them at the withdrawal (read in an earlier batch or in the same one)."""
    sink = make_warehouse()
    s = lambda event: events.sealed(event, sink.keys)  # noqa: E731
    batches = [[s(events.linked("r1", "P1", 1)), s(events.linked("r2", "P1", 2)), s(events.linked("r3", "P2", 3)),
                s(events.verified_death("d1", "P1", "r1", "2024-03"))],
               [s(events.verified_death("d3", "P2", "r3", "2024-05")), events.withdrawn("r3", "P2", 4),
                s(events.verified_death("d2", "P1", "r2", "2024-04")), events.withdrawn("r1", "P1", 5)]]
    sink.write(batches[0])
    for k in ("r1", "r3"):  # the withdrawals' tombstones, committed with them
        del sink.keys.keys[k]
    sink.write(batches[1])
    assert sink.query("SELECT death_id FROM {registry}.death_verified") == [("d2",)]
    log = [message(i, name, e, sink.catalog) for i, (name, e) in enumerate(batches[0] + batches[1])]
    projection, quarantined, _, _ = fold(log, sink.catalog, Progress(None), Opener(sink.catalog, sink.keys))
    replayed = make_warehouse()
    with psycopg.connect(database_url) as conn:
        write(conn, replayed.registry, projection, quarantined, None, Progress(None))
    lines, same = checksum.compare(database_url, sink.registry, replayed.registry)
    assert same, [line for line in lines if len(set(line[1])) > 1]

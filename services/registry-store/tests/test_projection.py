"""The bulk replay's fold: the final rows the sink's batches would leave, in one pass."""
import uuid

import psycopg
import pytest

from rarelog_registry_store import checksum
from rarelog_registry_store.migrations import migrate
from rarelog_registry_store.projection import Projection
from rarelog_registry_store.replay import Progress, write


def fold(events):
    p = Projection()
    for name, e in events:
        p.apply(name, e)
    return p


def owners(p):
    return {row[0]: row[1] for row in p.record_rows()}


def test_the_highest_version_wins_whatever_the_order(events):
    p = fold([events.linked("r1", "P1", 5, codes=("ORPHA:1",)), events.linked("r1", "P1", 3, codes=("ORPHA:2",))])
    [row] = p.record_rows()
    assert row[3] == 5 and [d[2] for d in p.child_rows("diagnosis")] == ["ORPHA:1"]
    # An equal version re-applies (the later event wins), as the sink's upsert does.
    p.apply(*events.linked("r1", "P1", 5, codes=("ORPHA:3",)))
    assert [d[2] for d in p.child_rows("diagnosis")] == ["ORPHA:3"]


def test_a_withdrawal_keeps_the_row_and_drops_the_content_until_a_later_version(events):
    p = fold([events.linked("r1", "P1", 1), events.withdrawn("r1", "P1", 2)])
    [row] = p.record_rows()
    assert row[16] is True and list(p.child_rows("diagnosis")) == []
    p.apply(*events.withdrawn("r1", "P1", 1))  # older: nothing
    p.apply(*events.linked("r1", "P1", 3))
    assert next(p.record_rows())[16] is False and len(list(p.child_rows("diagnosis"))) == 1


def test_merge_takes_every_record_of_the_merged_patient_then_split_moves_only_the_listed(events):
    p = fold([events.linked("r1", "P1", 1), events.linked("r2", "P2", 2), events.linked("r3", "P2", 3),
              events.merged("P1", "P2", ["r2"]), events.split("P1", "P4", ["r3"])])
    assert owners(p) == {"r1": "P1", "r2": "P1", "r3": "P4"}
    assert [j[1] for j in p.journal.values()] == ["merge", "split"]


def test_a_move_acts_only_on_records_present_at_its_place_in_the_log(events):
    p = fold([events.linked("r1", "P1", 1), events.merged("P2", "P1", ["r1", "r9"]), events.linked("r9", "P1", 9),
              events.linked("r1", "P3", 10)])
    # r9 came after the merge, r1's newer version names its own patient.
    assert owners(p) == {"r1": "P3", "r9": "P1"}
    p.apply(*events.merged("P5", "P1", []))  # whole merge: P1's records, listed or not
    assert owners(p) == {"r1": "P3", "r9": "P5"}


def test_an_older_version_does_not_undo_a_move(events):
    p = fold([events.linked("r1", "P1", 4), events.split("P1", "P2", ["r1"]), events.linked("r1", "P1", 3)])
    assert owners(p) == {"r1": "P2"}


def test_matches_keep_their_first_raising_and_verdicts_need_a_raised_match(events):
    p = fold([events.resolved("rv0", "P3", "P2", "ACCEPT"),
              events.possible_match("rv1", "P3", "P2", "r3", "r2", 3, probability=0.6),
              events.possible_match("rv1", "P3", "P2", "r3", "r2", 3, probability=0.9),
              events.resolved("rv1", "P3", "P2", "REJECT")])
    assert list(p.matches) == ["rv1"]
    row = p.matches["rv1"]
    assert row[6] == 0.6 and row[-4:-2] == ["rejected", "verdict-rv1"]


def test_a_verified_death_keeps_the_last_event_of_its_death_id(events):
    p = fold([events.linked("r1", "P1", 1), events.verified_death("d1", "P1", "r1", "2024-03"),
              events.verified_death("d0", "P1", "r1", "2024"), events.verified_death("d1", "P1", "r1", "2024-03-02")])
    assert [(r[0], r[3:6]) for r in p.death_rows()] == [("d0", (2024, None, None)), ("d1", (2024, 3, 2))]
    assert p.row_count() == len(p.records) + len(list(p.child_rows("diagnosis"))) + 2 + sum(
        len(rows) for c in p.clinical.values() for rows in c.values())


SEQUENCE = [  # (batch boundaries as the sink would see them)
    ["linked r1 P1 1", "linked r2 P2 2", "linked r3 P3 3", "pm rv1 P3 P2 r3 r2", "death d1 P2 r2 2020-03"],
    ["linked r4 P4 4", "withdrawn r4 P4 5", "resolved rv1 ACCEPT", "merged P2 P3 r3", "death d2 P4 r4 2021"],
    ["linked r2 P2 1", "split P2 P6 r2", "linked r5 P6 6", "pm rv2 P5 P1 r5 r1", "linked r4 P4 7",
     "death d1 P2 r2 2020-03"],
    ["linked r6 P5 8", "merged P1 P5", "withdrawn r1 P1 9", "death d3 P5 r6 2022-07-14"],
]


def _events(events, spec):
    kind, *a = spec.split()
    if kind == "linked":
        return events.linked(a[0], a[1], int(a[2]), codes=(f"ORPHA:{a[2]}",))
    if kind == "withdrawn":
        return events.withdrawn(a[0], a[1], int(a[2]))
    if kind == "pm":
        return events.possible_match(a[0], a[1], a[2], a[3], a[4], 3)
    if kind == "resolved":
        return events.resolved(a[0], "P3", "P2", a[1])
    if kind == "death":
        return events.verified_death(a[0], a[1], a[2], a[3])
    if kind == "merged":
        return events.merged(a[0], a[1], a[2:])
    return events.split(a[0], a[1], a[2:])


@pytest.mark.integration
def test_the_bulk_write_equals_the_sink_batch_by_batch(warehouse, events, database_url):
    batches = [[_events(events, s) for s in batch] for batch in SEQUENCE]
    for batch in batches:
        warehouse.write(batch)
    # The same events as the sink decodes them (Avro defaults filled in), folded and COPY-written.
    decoded = [(n, warehouse.catalog.decode(warehouse.catalog.encode(n, e)).value) for b in batches for n, e in b]
    registry, analytics = f"t{uuid.uuid4().hex[:10]}_registry", f"t{uuid.uuid4().hex[:10]}_analytics"
    migrate(database_url, registry, analytics)
    try:
        with psycopg.connect(database_url) as conn:
            write(conn, registry, fold(decoded), [], None, Progress(None))
        lines, same = checksum.compare(database_url, warehouse.registry, registry)
        assert same, [line for line in lines if len(set(line[1])) > 1]
        assert dict(lines)["patient"][0][0] >= 4 and dict(lines)["death_verified"][0][0] == 3
        with psycopg.connect(database_url) as conn:
            for view in ("SELECT * FROM {}.patient_count", "SELECT * FROM {}.vital_status"):
                assert conn.execute(view.format(analytics)).fetchall() == \
                    conn.execute(view.format(warehouse.analytics)).fetchall()
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {analytics} CASCADE")
            conn.execute(f"DROP SCHEMA {registry} CASCADE")

"""Writes an erasure (erasure.py): every row of the patient and of its records goes, from every
registry table and from OMOP, and an audit line without identity is added. Applied again, it
finds nothing left to delete and its audit line already there: it changes nothing."""
from __future__ import annotations

import psycopg

from . import omop
from .clinical_rows import TABLES as CLINICAL_TABLES
from .erasure import AUDIT_COLUMNS, Erasure


def erase(cur: psycopg.Cursor, schema: str, step: Erasure) -> set[str]:
    """Returns the patients whose derived row must be rewritten: the erased one (it has none
    left) and those whose rows named it (a possible match's other side loses its flag)."""
    p = step.patient_id
    # Its records: those the event lists and any the warehouse has under it.
    cur.execute(f"SELECT record_key, patient_id FROM {schema}.record WHERE record_key = ANY(%s) OR patient_id = %s",
                (step.record_keys, p))
    found = cur.fetchall()
    k = sorted(set(step.record_keys) | {key for key, _ in found})
    named = {p} | {owner for _, owner in found}
    for sql in (
            f"DELETE FROM {schema}.possible_match WHERE patient_id = %(p)s OR candidate_patient_id = %(p)s "
            "OR record_key = ANY(%(k)s) OR candidate_record_key = ANY(%(k)s) "
            "RETURNING patient_id, candidate_patient_id",
            f"DELETE FROM {schema}.patient_link_event WHERE patient_id = %(p)s OR other_patient_id = %(p)s "
            "OR record_keys && %(k)s::text[] RETURNING patient_id, other_patient_id",
            f"DELETE FROM {schema}.death_verified WHERE record_key = ANY(%(k)s) OR patient_id_at_match = %(p)s "
            "RETURNING patient_id_at_match"):
        cur.execute(sql, {"p": p, "k": k})
        named |= {x for row in cur.fetchall() for x in row}
    for table in ("diagnosis", *CLINICAL_TABLES, "record"):  # record last: the others reference it
        cur.execute(f"DELETE FROM {schema}.{table} WHERE record_key = ANY(%s)", (k,))
    # OMOP: the patient's rows, and the person ids of the ids it leaves without a record (it, and
    # the patients merged into it earlier: former ids of the same person).
    cur.execute(f"SELECT DISTINCT patient_id FROM {schema}.record WHERE patient_id = ANY(%s)", (sorted(named),))
    omop.forget_persons(cur, schema, sorted(named - {r[0] for r in cur.fetchall()}))
    cur.execute(f"INSERT INTO {schema}.erasure_audit ({', '.join(AUDIT_COLUMNS)}) "
                f"VALUES ({', '.join(['%s'] * len(AUDIT_COLUMNS))}) ON CONFLICT DO NOTHING", step.audit)
    return named

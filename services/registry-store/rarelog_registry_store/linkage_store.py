"""Writes the linkage steps: possible matches, their verdicts, and merges and splits with their
journal. Every statement is idempotent, so a batch written again changes nothing."""
from __future__ import annotations

import psycopg
from psycopg.types.json import Jsonb

from .domain import LINK_EVENT_COLUMNS, POSSIBLE_MATCH_COLUMNS, MatchRaised, MatchResolved, RecordsMoved, Step


def apply(cur: psycopg.Cursor, schema: str, step: Step) -> set[str]:
    """Applies one step; returns the patients whose derived row must be rewritten."""
    if isinstance(step, MatchRaised):
        row = [Jsonb(v) if c == "agreement" else v for c, v in zip(POSSIBLE_MATCH_COLUMNS, step.row)]
        # A replayed possible match must not reopen one a reviewer has resolved since.
        cur.execute(f"INSERT INTO {schema}.possible_match ({', '.join(POSSIBLE_MATCH_COLUMNS)}, status) "
                    f"VALUES ({', '.join(['%s'] * len(row))}, 'pending') ON CONFLICT (review_id) DO NOTHING", row)
    elif isinstance(step, MatchResolved):
        cur.execute(f"UPDATE {schema}.possible_match SET status = %s, resolved_event_id = %s, resolved_at = %s, "
                    "reviewer = %s WHERE review_id = %s",
                    (step.status, step.event_id, step.resolved_at, step.reviewer, step.review_id))
    elif isinstance(step, RecordsMoved):
        return step.patients | _move(cur, schema, step)
    return step.patients


def _move(cur: psycopg.Cursor, schema: str, step: RecordsMoved) -> set[str]:
    which = "record_key = ANY(%s)" + (" OR patient_id = %s" if step.whole else "")
    params = (step.record_keys, step.source) if step.whole else (step.record_keys,)
    # A listed record found under a third patient leaves it too: that patient is rewritten as well.
    cur.execute(f"SELECT DISTINCT patient_id FROM {schema}.record WHERE {which}", params)
    left = {r[0] for r in cur.fetchall()}
    cur.execute(f"UPDATE {schema}.record SET patient_id = %s WHERE {which}", (step.target, *params))
    cur.execute(f"INSERT INTO {schema}.patient_link_event ({', '.join(LINK_EVENT_COLUMNS)}) "
                f"VALUES ({', '.join(['%s'] * len(LINK_EVENT_COLUMNS))}) ON CONFLICT (event_id) DO NOTHING",
                step.journal)
    return left

"""`rarelog report`: the headline views as one self-contained HTML page of bar charts.

The page is meant to be shared, so it reads the published (suppressed) views only. The one chart
without a published view, completeness by centre, applies the same rule here, in Python, from the
warehouse's threshold. Rendering is in report_html.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import psycopg
from psycopg import sql

from rarelog_kit.geography import departements
from rarelog_kit.reference import orphanet


@dataclass(frozen=True)
class Bar:
    key: str            # the view's key (a code or band), never a record or patient
    value: float | None  # None: suppressed
    label: str
    text: str           # the value as printed beside the bar


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    source: str          # the view(s) the chart reads
    bars: list[Bar]
    suppressed_text: str  # printed on a suppressed bar
    note: str = ""


@dataclass(frozen=True)
class Report:
    generated_at: datetime
    threshold: int
    patients: int | None   # None: suppressed (a registry below the threshold)
    records: int | None
    charts: list[Chart]


def small(n: int, threshold: int) -> bool:
    """The published views' primary rule: 1..threshold-1 is suppressed, 0 is shown."""
    return 1 <= n < threshold


def _count_bars(rows, label) -> list[Bar]:
    """(key, count, suppressed) rows of a published view → bars."""
    return [Bar("" if k is None else str(k), None if s else float(n), label(k), "" if s else f"{n:,}")
            for k, n, s in rows]


def _rows(conn, query: str, **schemas) -> list[tuple]:
    return conn.execute(sql.SQL(query).format(**{k: sql.Identifier(v) for k, v in schemas.items()})).fetchall()


def centre_completeness(rows: list[tuple], threshold: int) -> list[tuple[str, float | None]]:
    """(centre_id, records, filled_records) per item → (centre_id, share of its item cells filled).

    No published view exists: the rule of published_completeness_by_item is applied per centre.
    A centre with 1..t-1 active records, or whose filled or unfilled cells number 1..t-1, is
    suppressed (None). Only shares are returned: the centres' record counts add up to the
    published national count, so showing them would give a suppressed centre back by subtraction.
    """
    per_centre: dict[str, list[int]] = {}
    for centre, records, filled in rows:
        acc = per_centre.setdefault(centre, [0, 0, 0])
        acc[0] = records  # the same for every item: all items apply to every record
        acc[1] += records
        acc[2] += filled
    out = []
    for centre, (records, cells, filled) in per_centre.items():
        hidden = small(records, threshold) or small(filled, threshold) or small(cells - filled, threshold)
        out.append((centre, None if hidden or not cells else filled / cells))
    return out


def collect(database_url: str, registry: str = "registry", analytics: str = "analytics", top: int = 15) -> Report:
    s = {"r": registry, "a": analytics}
    regions = {d.region: d.region_name for d in departements().values()}
    names = orphanet().names
    with psycopg.connect(database_url) as conn:
        threshold = _rows(conn, "SELECT threshold FROM {r}.disclosure_setting", **s)[0][0]
        totals = _rows(conn, "SELECT patients, patients_suppressed FROM {a}.published_undiagnosed_share", **s)
        recs = _rows(conn, "SELECT max(records), bool_or(records_suppressed) "
                           "FROM {a}.published_completeness_by_item", **s)
        codes = _rows(conn, "SELECT orphacode, patients, suppressed FROM {a}.published_patients_by_orphacode "
                            "ORDER BY patients DESC NULLS LAST, orphacode", **s)
        by_region = _rows(conn, "SELECT region, patients, suppressed FROM {a}.published_patients_by_region "
                                "ORDER BY patients DESC NULLS LAST, region NULLS LAST", **s)
        bands = {v: _rows(conn, f"SELECT band, patients, suppressed FROM {{a}}.{v} ORDER BY band_order", **s)
                 for v in ("published_age_at_diagnosis", "published_diagnostic_delay")}
        completeness = _rows(conn, "SELECT centre_id, records, filled_records FROM {a}.completeness_by_centre", **s)
        centres = dict(_rows(conn, "SELECT centre_id, name FROM {r}.centre", **s))

    lt = f"< {threshold}"
    hidden_codes = sum(1 for _, _, sup in codes[top:] if sup)
    centre_rows = sorted(centre_completeness(completeness, threshold),
                         key=lambda c: (c[1] is None, -(c[1] or 0), c[0]))
    charts = [
        Chart("orphacode", f"Patients by ORPHAcode (top {top})", "published_patients_by_orphacode",
              _count_bars(codes[:top], lambda c: f"{c} {names.get(c, '')}".strip()), lt,
              "The shipped Orphanet extract has no classification, so there is no chart by Orphanet group: "
              "these are the most frequent ORPHAcodes with their disorder names. A patient may carry several "
              "codes." + (f" {hidden_codes} further codes have 1 to {threshold - 1} patients."
                          if hidden_codes else "")),
        Chart("region", "Patients by région of residence", "published_patients_by_region",
              _count_bars(by_region, lambda r: regions.get(r, r) if r else "abroad, overseas collectivity "
                                                                            "or not recorded"), "suppressed",
              "The régions add up to the national total."),
        Chart("age_at_diagnosis", "Age at clinical diagnosis", "published_age_at_diagnosis",
              _count_bars(bands["published_age_at_diagnosis"], str), "suppressed"),
        Chart("diagnostic_delay", "Diagnostic delay (age at diagnosis − age at first signs)",
              "published_diagnostic_delay", _count_bars(bands["published_diagnostic_delay"], str), "suppressed",
              "Patients with both ages stated."),
        Chart("completeness", "Completeness by centre (share of the SDM-MR items filled)", "completeness_by_centre",
              [Bar(c, share, f"{c} {centres.get(c) or ''}".strip(), "" if share is None else f"{share:.0%}")
               for c, share in centre_rows], "suppressed",
              f"No published view exists for centres: this chart applies the same rule here. A centre with 1 to "
              f"{threshold - 1} active records, or whose filled or unfilled item cells number 1 to {threshold - 1}, "
              "is suppressed, and the centres' record counts are not shown, since they add up to the national "
              "count."),
    ]
    patients = None if not totals or totals[0][1] else totals[0][0]
    records = None if not recs or recs[0][1] else (recs[0][0] or 0)
    return Report(datetime.now(timezone.utc), threshold, patients, records, charts)


def write(path: Path, database_url: str, registry: str, analytics: str, top: int = 15) -> Report:
    from rarelog.report_html import page

    report = collect(database_url, registry, analytics, top)
    path.write_text(page(report), encoding="utf-8")
    return report

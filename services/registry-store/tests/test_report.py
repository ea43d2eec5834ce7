"""`rarelog report` against a warehouse of a generated cohort: the page holds every chart, its
bars say what the published views say, suppressed cells stay suppressed, and nothing on the
page comes from outside it or identifies a record."""
import re
from html.parser import HTMLParser

import pytest

from rarelog import cli
from rarelog.report import centre_completeness

CHARTS = ("orphacode", "region", "age_at_diagnosis", "diagnostic_delay", "completeness")


class Page(HTMLParser):
    """Figures → bars: {key: (classes, category text, value text, title)}; every src/href; text."""

    def __init__(self):
        super().__init__()
        self.charts, self.links, self.totals, self.tags = {}, [], {}, set()
        self._chart = self._bar = self._field = self._total = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        self.links += [v for k, v in attrs if k in ("src", "href") and v]
        if tag == "figure":
            self._chart = self.charts.setdefault(a["data-chart"], {})
        elif tag == "g" and "bar" in a.get("class", "").split():
            self._bar = {"class": a["class"].split(), "cat": "", "val": "", "title": ""}
            self._chart[a["data-key"]] = self._bar
        elif tag == "text" and self._bar is not None:
            self._field = a.get("class")
        elif tag == "title" and self._bar is not None:
            self._field = "title"
        elif tag == "dd":
            self._total = a["id"]

    def handle_endtag(self, tag):
        if tag in ("text", "title"):
            self._field = None
        elif tag == "g":
            self._bar = None
        elif tag == "dd":
            self._total = None

    def handle_data(self, data):
        if self._bar is not None and self._field:
            self._bar[self._field] += data
        if self._total:
            self.totals[self._total] = data


def expected_bars(warehouse, view, key):
    """A published view's cells: {key: printed value, or None when suppressed}."""
    rows = warehouse.query(f"SELECT {key}, patients, suppressed FROM {{analytics}}.{view}")
    return {"" if k is None else str(k): None if s else f"{n:,}" for k, n, s in rows}


@pytest.mark.integration
def test_report_charts_the_published_views(warehouse, cohort_events, tmp_path, monkeypatch, capsys):
    generated = cohort_events.cohort(300, 6, seed=11)
    cohort_events.load(warehouse, generated, 5, tmp_path / "centres.csv", 11, 6)
    monkeypatch.setenv("DATABASE_URL", warehouse.database_url)
    monkeypatch.setenv("RARELOG_WAREHOUSE_SCHEMA", warehouse.registry)
    monkeypatch.setenv("RARELOG_ANALYTICS_SCHEMA", warehouse.analytics)
    out = tmp_path / "report.html"

    assert cli.main(["report", "--out", str(out), "--top", "15"]) == 0
    assert capsys.readouterr().out.strip() == f"{out} (5 charts)"
    html = out.read_text(encoding="utf-8")
    page = Page()
    page.feed(html)
    assert tuple(page.charts) == CHARTS

    # Each chart's bars carry the published values; suppressed ones the threshold, never a count.
    threshold = warehouse.query("SELECT threshold FROM {registry}.disclosure_setting")[0][0]
    codes = warehouse.query("SELECT orphacode, patients, suppressed FROM {analytics}.published_patients_by_orphacode "
                            "ORDER BY patients DESC NULLS LAST, orphacode LIMIT 15")
    views = {"orphacode": {c: None if s else f"{n:,}" for c, n, s in codes},
             "region": expected_bars(warehouse, "published_patients_by_region", "region"),
             "age_at_diagnosis": expected_bars(warehouse, "published_age_at_diagnosis", "band"),
             "diagnostic_delay": expected_bars(warehouse, "published_diagnostic_delay", "band")}
    for chart, expected in views.items():
        shown = {k: (None if "suppressed" in b["class"] else b["val"]) for k, b in page.charts[chart].items()}
        assert shown == expected, chart
    suppressed = [(k, b) for k, b in page.charts["orphacode"].items() if "suppressed" in b["class"]]
    assert suppressed, "the cohort should leave some ORPHAcode among the top 15 below the threshold"
    exact = dict(warehouse.query("SELECT orphacode, patients FROM {analytics}.patients_by_orphacode"))
    for code, bar in suppressed:
        # The bar's only figures are the threshold and the code's name; its exact count is not there.
        assert bar["val"] == f"< {threshold}" and bar["title"].endswith(f": < {threshold}")
        assert 1 <= exact[code] < threshold and re.findall(r"\d+", bar["val"]) == [str(threshold)]
    assert any("suppressed" in b["class"] for b in page.charts["region"].values())

    # Completeness by centre: no published view; the rule applied to the exact one, shares only.
    rows = warehouse.query("SELECT centre_id, max(records), sum(records), sum(filled_records) "
                           "FROM {analytics}.completeness_by_centre GROUP BY centre_id")
    for centre, records, cells, filled in rows:
        bar = page.charts["completeness"][centre]
        assert bar["val"] == f"{filled / cells:.0%}" and "suppressed" not in bar["class"]
        assert f"{records:,}" not in bar["title"]

    # Totals from the published views.
    patients = warehouse.query("SELECT patients FROM {analytics}.published_undiagnosed_share")[0][0]
    records = warehouse.query("SELECT max(records) FROM {analytics}.published_completeness_by_item")[0][0]
    assert page.totals == {"total-patients": f"{patients:,}", "total-records": f"{records:,}"}

    # Self-contained, and no record key or patient id on the page.
    assert not [link for link in page.links if "http" in link or "//" in link]
    assert not page.tags & {"script", "link", "img", "iframe", "object"}
    assert not re.search(r"url\((?!#)", html) and "@import" not in html
    for key, patient in warehouse.query("SELECT record_key, patient_id FROM {registry}.record"):
        assert key not in html and not re.search(rf"\b{re.escape(patient)}\b", html)


def test_centre_completeness_suppresses_as_the_published_views_do():
    # (centre, records, filled) per item, two items, threshold 10.
    rows = [("small", 5, 5), ("small", 5, 0),                   # 5 records
            ("few-filled", 20, 3), ("few-filled", 20, 0),      # 3 filled cells of 40
            ("few-unfilled", 20, 20), ("few-unfilled", 20, 18),  # 2 unfilled cells
            ("none-filled", 20, 0), ("none-filled", 20, 0),    # 0 is shown
            ("half", 20, 20), ("half", 20, 0)]
    assert dict(centre_completeness(rows, 10)) == {"small": None, "few-filled": None, "few-unfilled": None,
                                                   "none-filled": 0.0, "half": 0.5}

"""The report as one HTML page: inline CSS and inline SVG bar charts, no script, no network, no
external font, so the file can be mailed or archived and shows the same everywhere. Every text
goes through html.escape."""
from __future__ import annotations

from html import escape

from rarelog.report import Bar, Chart, Report

LABEL_W, BAR_W, VALUE_W, ROW_H = 300, 340, 90, 22
STUB_W = 40  # a suppressed bar: a fixed hatched stub, whose length says nothing of the value
MAX_LABEL = 44

CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 780px; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.1rem; margin-bottom: .3rem; }
.meta, .note, footer { color: #555; font-size: .85rem; }
figure { margin: 1.8rem 0; } svg text { font-size: 12px; fill: #222; }
svg .shown rect { fill: #3b6ea5; } svg .suppressed text.val { fill: #666; font-style: italic; }
dl.totals { display: flex; gap: 2rem; } dl.totals dd { margin: 0; font-size: 1.4rem; font-weight: 600; }
"""


def _clip(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1] + "…"


def _bar(bar: Bar, y: int, scale: float, hatch: str, suppressed_text: str) -> str:
    shown = bar.value is not None
    if not shown:
        width = STUB_W
    else:  # a non-zero count keeps a visible sliver however small beside the largest
        width = max(1.0, bar.value * scale) if bar.value else 0.0
    fill = "" if shown else f' fill="url(#{hatch})" stroke="#888"'
    text = bar.text if shown else suppressed_text
    return (f'<g class="bar {"shown" if shown else "suppressed"}" data-key="{escape(bar.key)}">'
            f'<title>{escape(bar.label)}: {escape(text)}</title>'
            f'<text class="cat" x="{LABEL_W - 8}" y="{y + 15}" text-anchor="end">{escape(_clip(bar.label))}</text>'
            f'<rect x="{LABEL_W}" y="{y + 3}" width="{width:.1f}" height="{ROW_H - 6}"{fill}/>'
            f'<text class="val" x="{LABEL_W + width + 6:.1f}" y="{y + 15}">{escape(text)}</text></g>')


def svg(chart: Chart) -> str:
    values = [b.value for b in chart.bars if b.value]
    scale = BAR_W / max(values) if values else 0.0
    hatch = f"hatch-{chart.key}"
    height = max(1, len(chart.bars)) * ROW_H + 4
    rows = "".join(_bar(b, i * ROW_H, scale, hatch, chart.suppressed_text) for i, b in enumerate(chart.bars))
    empty = "" if chart.bars else f'<text x="{LABEL_W}" y="15">no data</text>'
    return (f'<svg role="img" aria-label="{escape(chart.title)}" '
            f'width="{LABEL_W + BAR_W + VALUE_W}" height="{height}">'
            f'<defs><pattern id="{hatch}" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ddd"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="#888" stroke-width="2"/></pattern></defs>'
            f"{rows}{empty}</svg>")


def _figure(chart: Chart) -> str:
    note = f'<p class="note">{escape(chart.note)}</p>' if chart.note else ""
    return (f'<figure id="chart-{escape(chart.key)}" data-chart="{escape(chart.key)}">'
            f"<h2>{escape(chart.title)}</h2>{svg(chart)}"
            f'<figcaption class="note">Source: <code>{escape(chart.source)}</code></figcaption>{note}</figure>')


def _total(n: int | None, threshold: int) -> str:
    return f"{n:,}" if n is not None else f"&lt; {threshold}"


def page(report: Report) -> str:
    t = report.threshold
    when = report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>rarelog registry report</title>
<style>{CSS}</style></head><body>
<h1>Rare-disease registry: headline figures</h1>
<p class="meta">Generated {escape(when)} · disclosure threshold {t}</p>
<dl class="totals"><div><dt>patients</dt><dd id="total-patients">{_total(report.patients, t)}</dd></div>
<div><dt>active records</dt><dd id="total-records">{_total(report.records, t)}</dd></div></dl>
{"".join(_figure(c) for c in report.charts)}
<footer><p><strong>Small cells are suppressed.</strong> A count from 1 to {t - 1} is not shown: its bar is a
grey hatched stub of fixed length. In the other charts a larger cell may be suppressed as well: where cells
add up to a published total (régions, bands), so that a small one cannot be found by subtraction, and a
centre's share when its few unfilled items would follow from it; those bars read “suppressed”. The ORPHAcode
chart has no such total, so its suppressed bars read “&lt; {t}”. 0 is shown.
Counts are distinct patients over active (non-withdrawn) records. The figures come from the published
views, which hold aggregates only.</p></footer>
</body></html>
"""

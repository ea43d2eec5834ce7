"""The report: figures, targets and their verdicts, rendered as Markdown. Pure: no I/O."""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

WARNING = ("Absolute figures depend on the machine and on what else runs on it; the ratios to the raw "
           "baselines measured in the same run are the comparison.")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least q % of the values at or below it
    (p99 of 200 latencies is the 198th smallest: a value that was measured, not interpolated)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Target:
    """A figure the issue asks for: `value >= bound` (at_least) or `value < bound`."""
    text: str       # as the report states it, e.g. "≥ 5,000/s"
    bound: float
    at_least: bool = True

    def met(self, value: float) -> bool:
        if math.isnan(value):
            return False
        return value >= self.bound if self.at_least else value < self.bound

    def verdict(self, value: float, how: str = "") -> str:
        """"≥ 5,000/s: met" or "… NOT met"; `how` qualifies it (e.g. "extrapolated")."""
        word = "met" if self.met(value) else "NOT met"
        return f"{self.text}: **{word}**" + (f" ({how})" if how else "")


@dataclass
class Row:
    measurement: str
    figure: str
    note: str = ""
    target: str = ""


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def rate(value: float, unit: str = "/s") -> str:
    return "n/a" if math.isnan(value) else f"{value:,.0f}{unit}"


def seconds(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value * 1000:,.0f} ms" if value < 1 else f"{value:,.1f} s"


def ratio(value: float, base: float) -> float:
    return value / base if base and not math.isnan(base) else float("nan")


def share(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.0%}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(title: str, preamble: list[str], sections: list[Section], bottlenecks: list[str]) -> str:
    lines = [f"# {title}", "", *preamble, ""]
    for section in sections:
        lines += [f"## {section.title}", ""]
        if section.rows:
            with_target = any(r.target for r in section.rows)
            head = ["measurement", "figure", "ratio / note"] + (["target"] if with_target else [])
            lines += ["| " + " | ".join(head) + " |",
                      "|---|---:|---|" + ("---|" if with_target else "")]
            for r in section.rows:
                cells = [r.measurement, r.figure, r.note] + ([r.target] if with_target else [])
                lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
            lines.append("")
        lines += [*section.notes, ""] if section.notes else []
    if bottlenecks:
        lines += ["## Missed targets: where the time goes", "", *(f"- {b}" for b in bottlenecks), ""]
    return "\n".join(lines).rstrip() + "\n"

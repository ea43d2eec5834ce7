"""Where a stage's time goes: a cProfile of the service process, summarised.

Shares are of the time inside the service's loop (`run` of the Kafka or sink loop; for a replay,
the rebuild itself), so start-up (imports, JIT compilation, migrations) does not dilute them. Own time ("tottime") of a function
that calls into librdkafka or PostgreSQL is mostly waiting: the broker, the commit, the database.
"""
from __future__ import annotations

import pstats
from dataclasses import dataclass
from pathlib import PurePath

Key = tuple[str, int, str]  # (file, line, function) as pstats has them
LOOPS = (("kafka_loop.py", "run"), ("sink_loop.py", "run"))


def label(key: Key) -> str:
    """`module.py:function`, or the built-in's name without pstats' decoration."""
    file, _, name = key
    if file == "~":  # built-ins and C extensions
        return name.strip("<>").replace("built-in method ", "").replace(" objects", "")
    return f"{PurePath(file).name}:{name}"


def area(key: Key) -> str:
    """The part of the stack a function belongs to, for a one-line summary."""
    file, _, name = key
    text = file if file != "~" else name
    for marker, what in (("cimpl", "Kafka client (librdkafka)"), ("confluent_kafka", "Kafka client (librdkafka)"),
                         ("fastavro", "Avro (fastavro)"), ("psycopg", "PostgreSQL client (psycopg)"),
                         ("numba", "numba"), ("numpy", "numpy"), ("rarelog_kit", "kit"),
                         ("prometheus_client", "metrics")):
        if marker in text:
            return what
    for part in PurePath(file).parts:
        if part.startswith("rarelog_"):
            return part
    return "Python and other"


@dataclass(frozen=True)
class Line:
    label: str
    own: float    # seconds in the function itself
    total: float  # seconds including what it calls
    calls: int


# The frames every stage run goes through on the way to its own code: not a finding.
PLUMBING = ("kafka_loop.py", "sink_loop.py", "runner.py", "cli.py", "__main__.py", "replay.py:rebuild_")
# The adapter's entry, whose cumulative time is the stage's own work (the rest of the loop is Kafka's).
PROCESS = ("entrypoint.py:process", "entrypoint.py:apply")
# C calls whose own time is waiting on a server or doing the library's work.
SERVERS = ("Kafka client (librdkafka)", "PostgreSQL client (psycopg)", "Avro (fastavro)")


@dataclass(frozen=True)
class Summary:
    base: float                  # seconds in the loop (or the whole run when no loop was found)
    top_own: list[Line]
    top_total: list[Line]
    areas: list[tuple[str, float]]  # (area, own seconds), largest first

    def share(self, seconds: float) -> float:
        return seconds / self.base if self.base else 0.0

    def code(self, n: int) -> list[Line]:
        """The registry's own functions taking most time, the plumbing above them left out, and
        a function within a point of the one listed before it (a thin wrapper of it, or its body)."""
        out: list[Line] = []
        for x in self.top_total:
            if (not x.label.split(":")[0].endswith(".py") or x.label.startswith(PLUMBING) or x.label in PROCESS
                    or self.share(x.total) >= 0.99):  # the root's own wrappers say nothing
                continue
            if out and self.share(out[-1].total - x.total) < 0.01:
                continue
            out.append(x)
        return out[:n]

    def one_line(self, n: int = 4) -> str:
        process = next((x for x in self.top_total if x.label in PROCESS), None)
        parts = [f"{self.share(process.total):.0%} in the stage's own processing ({process.label})"] if process else []
        parts.append("most time (cumulative) in " + ", ".join(f"{x.label} {self.share(x.total):.0%}"
                                                             for x in self.code(n)))
        parts += [f"{self.share(s):.0%} own time in the {a}" for a, s in self.areas if a in SERVERS and self.share(s) >= 0.02]
        return "; ".join(parts)


def reachable(stats: dict, roots: list[Key]) -> set[Key]:
    """The functions called, directly or not, from the roots: start-up work (imports, the JIT)
    falls outside. A function also called outside the roots keeps all its time (cProfile does
    not split it by caller path), so a share may overstate a little."""
    callees: dict[Key, list[Key]] = {}
    for key, value in stats.items():
        for caller in value[4]:
            callees.setdefault(caller, []).append(key)
    seen, todo = set(roots), list(roots)
    while todo:
        for callee in callees.get(todo.pop(), ()):
            # not through the import machinery: `exec` is one node for every module ever run, so
            # everything imported at start-up would look called from the loop
            if callee not in seen and not _importing(callee):
                seen.add(callee)
                todo.append(callee)
    return seen


def _importing(key: Key) -> bool:
    return "importlib" in key[0] or key[2] in ("<built-in method builtins.exec>", "<module>")


def summarise(stats: dict, n: int = 25, roots: tuple[tuple[str, str], ...] = LOOPS) -> Summary:
    """stats: pstats' dict {key: (primitive calls, calls, own s, cumulative s, callers)}; shares
    are of the cumulative time of `roots` ((file name, function): the work measured)."""
    found = [k for k in stats if (PurePath(k[0]).name, k[2]) in roots]
    base = max(stats[k][3] for k in found) if found else sum(v[2] for v in stats.values())
    inside = {k: stats[k] for k in reachable(stats, found)} if found else stats
    lines = [Line(label(k), v[2], v[3], v[1]) for k, v in inside.items()]
    areas: dict[str, float] = {}
    for k, v in inside.items():
        areas[area(k)] = areas.get(area(k), 0.0) + v[2]
    return Summary(base, sorted(lines, key=lambda x: -x.own)[:n], sorted(lines, key=lambda x: -x.total)[:n],
                   sorted(areas.items(), key=lambda x: -x[1]))


def load(path: str, roots: tuple[tuple[str, str], ...] = LOOPS) -> Summary:
    return summarise(pstats.Stats(path).stats, roots=roots)  # type: ignore[attr-defined]


def table(summary: Summary) -> str:
    """The profile for a person: own time and cumulative time, as shares of the loop."""
    out = [f"time in the loop: {summary.base:.1f} s", "", "by own time:",
           f"{'own %':>7} {'cum %':>7} {'calls':>10}  function"]
    out += [f"{summary.share(x.own):>7.1%} {summary.share(x.total):>7.1%} {x.calls:>10,}  {x.label}"
            for x in summary.top_own]
    out += ["", "by cumulative time:", f"{'cum %':>7} {'own %':>7} {'calls':>10}  function"]
    out += [f"{summary.share(x.total):>7.1%} {summary.share(x.own):>7.1%} {x.calls:>10,}  {x.label}"
            for x in summary.top_total]
    out += ["", "own time by part:"] + [f"{summary.share(s):>7.1%}  {a}" for a, s in summary.areas]
    return "\n".join(out)

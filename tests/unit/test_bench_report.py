"""The bench's pure parts: statistics, target verdicts, profile summaries, the rendered report.
Nothing here is timed."""
import math

from bench import figures, findings, profiling, tables
from bench.e2e import latency_rates
from bench.report import Row, Section, Target, median, percentile, render


def test_median_and_nearest_rank_percentile():
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([1.0, 2.0, 3.0, 10.0]) == 2.5
    assert math.isnan(median([]))
    values = [float(i) for i in range(1, 201)]  # 1..200
    assert percentile(values, 50) == 100.0
    assert percentile(values, 99) == 198.0      # a measured value, not an interpolation
    assert percentile([5.0], 99) == 5.0
    assert percentile([2.0, 1.0], 100) == 2.0
    assert math.isnan(percentile([], 50))


def test_targets_judge_both_directions_and_never_pass_a_missing_figure():
    at_least, below = Target("≥ 5,000/s", 5000), Target("< 2 s", 2.0, at_least=False)
    assert at_least.met(5000) and not at_least.met(4999.9)
    assert below.met(1.99) and not below.met(2.0)
    assert not at_least.met(math.nan) and not below.met(math.nan)
    assert at_least.verdict(6000) == "≥ 5,000/s: **met**"
    assert below.verdict(3.0, "extrapolated") == "< 2 s: **NOT met** (extrapolated)"


def test_latency_runs_at_half_the_sustained_rate_and_at_the_targets_rate_when_reachable():
    assert latency_rates(1000, 2500) == [500]            # 2,500/s is out of reach
    assert latency_rates(4000, 2500) == [2000, 2500]     # reachable, above half
    assert latency_rates(6000, 2500) == [3000]           # half the rate is already above it


def test_render_has_a_table_per_section_a_target_column_only_where_needed_and_findings():
    text = render("t", ["Machine: m.", "", "warning"], [
        Section("A", [Row("x | y", "1/s", "note")]),
        Section("B", [Row("z", "2/s", "", "≥ 1/s: **met**")], ["a note"]),
    ], ["**z** is slow"])
    assert "| measurement | figure | ratio / note |\n|---|---:|---|\n| x \\| y | 1/s | note |" in text
    assert "| measurement | figure | ratio / note | target |" in text
    assert "| z | 2/s |  | ≥ 1/s: **met** |" in text
    assert "a note" in text and "- **z** is slow" in text
    assert text.startswith("# t\n\nMachine: m.") and text.endswith("\n")


def _figures() -> figures.Figures:
    f = figures.Figures(records=1000, repeat=3)
    f.passthrough = {s: figures.Passthrough(4000, 1000, 1, 500) for s in figures.STAGES[:3]}
    f.raw_sink, f.copy, f.rows_per_event = 1000.0, 2000.0, 30.0
    f.stages = {"ingest": 2000.0, "pseudonymizer": 800.0, "reconciler": 1000.0, "registry-store": 600.0}
    return f


def test_stage_verdicts_are_against_each_stages_own_baseline():
    rows = {r.measurement: r for r in tables.stage_rows(_figures()).rows}
    assert rows["ingest"].note.startswith("50% of passthrough")
    assert "**met**" in rows["ingest"].target
    assert "NOT met" in rows["pseudonymizer"].target                # 20 %
    assert rows["registry-store"].note.startswith("60% of raw sink")  # its baseline is the raw sink
    lines = findings.findings(_figures())
    assert len(lines) == 1 and lines[0].startswith("**pseudonymizer** at 20%")


def test_a_stage_without_its_baseline_is_not_judged():
    f = _figures()
    f.passthrough = {}
    row = next(r for r in tables.stage_rows(f).rows if r.measurement == "ingest")
    assert row.target == "not judged: baseline not run"
    assert not any("ingest" in line for line in findings.findings(f))


def test_replay_is_extrapolated_to_the_national_size_unless_run_at_it():
    services = {"registry-store": figures.Rebuild(100.0, 1000, 1, {"read_s": 60.0, "write_s": 40.0, "rows": 1}),
                "reconciler": figures.Rebuild(20.0, 500, 1, {"records": 1})}
    seconds, how = figures.replay_time(figures.Replay(200_000, 1, 1, services, 1))
    assert seconds == 120.0 * 8 and how.startswith("extrapolated ×8")
    assert figures.replay_time(figures.Replay(1_600_000, 1, 1, services, 1)) == (120.0, "")
    f = _figures()
    f.stages, f.replay = {}, figures.Replay(200_000, 1, 1, services, 1)
    assert "NOT met" in tables.replay_rows(f).rows[-1].target      # 16 min
    assert findings.findings(f)[0].startswith("**replay** 16.0 min")


def test_latency_beyond_the_sustained_rate_is_a_miss_said_so():
    f = _figures()
    f.e2e = figures.E2E(400.0, 10_000, 0.95, {"reconciler": 1.0, "ingest": 0.5, "machine (all processes)": 4.0},
                       [figures.LatencyFigures(200, 200, 0.5, 1.0, 4000, 0)])
    row = tables.e2e_rows(f).rows[-1]
    assert "NOT met" in row.target and "beyond the sustained" in row.target
    lines = findings.findings(f)
    sustained = next(line for line in lines if line.startswith("**end to end** 400/s"))
    assert "95% busy (CPU-bound)" in sustained and "**reconciler**" in sustained
    # the pipeline's own CPU (the machine's total left out): 1.5 s per 1,000 on 2 cores → ~1,333/s at most
    assert "spent 1.50 CPU s per 1,000 submissions, so 2 cores carry at most ~1,333/s" in sustained
    assert "needs ≤ 0.40 s per 1,000" in sustained
    assert any(line.startswith("**latency at 2,500/s**: not reachable") for line in lines)


def test_profile_summary_shares_are_of_the_loop_and_leave_start_up_out():
    loop = ("/x/rarelog_kit/kafka_loop.py", 10, "run")
    process = ("/x/rarelog_ingest/entrypoint.py", 20, "process")
    decide = ("/x/rarelog_ingest/domain.py", 30, "decide")
    consume = ("~", 0, "<method 'consume' of 'cimpl.Consumer' objects>")
    startup = ("/x/rarelog_kit/serde.py", 40, "__init__")
    stats = {  # (primitive calls, calls, own, cumulative, callers)
        loop: (1, 1, 0.5, 10.0, {}),
        process: (100, 100, 0.5, 7.0, {loop: ()}),
        decide: (100, 100, 6.5, 6.5, {process: ()}),
        consume: (5, 5, 2.5, 2.5, {loop: ()}),
        startup: (1, 1, 30.0, 30.0, {}),
    }
    s = profiling.summarise(stats)
    assert s.base == 10.0
    assert "serde.py:__init__" not in [x.label for x in s.top_own]   # not called from the loop
    assert profiling.label(consume) == "method 'consume' of 'cimpl.Consumer'"
    assert dict(s.areas)["Kafka client (librdkafka)"] == 2.5
    line = s.one_line()
    assert line.startswith("70% in the stage's own processing (entrypoint.py:process)")
    assert "domain.py:decide 65%" in line and "25% own time in the Kafka client (librdkafka)" in line

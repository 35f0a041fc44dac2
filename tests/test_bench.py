"""The benchmark script runs end to end and reports every figure; timings are never asserted."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from addin.sources import fred, mof_jgb, mof_weekly, treasury
from bench import data, naive
from bench.report import Figure

ROOT = Path(__file__).resolve().parents[1]
FIGURES = (
    "first JPX backfill at",
    "first JPX flow in a fresh process",
    "warm lookup JP_VALUE(UST5Y)",
    "warm lookup JP_VALUE(JGB10Y)",
    "warm lookup JP_VALUE(SOFR)",
    "warm lookup JP_FLOW(MOF:Foreign:Equity)",
    "lookup computed afresh JP_VALUE(JGB10Y)",
    "1,000 Dashboard formula calls",
    "lookup in 100-row history",
    "lookup in 1,000-row history",
    "lookup in 10,000-row history",
    "lookup in 100,000-row history",
    "Dashboard recalculation after the recheck window",
    "persisted store for every source",
    "parse MOF JGB history",
    "cold start: import udfs + first JGB10Y lookup",
    "16 concurrent cold calls, one series",
    "16 concurrent cold calls, 16 series",
    "peer:",
)
LINE = re.compile(r"^(?P<name>.+?): \S+ .*\(baseline .+, ratio .+, target .+\) (PASS|MISS|INFO)")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One quick run on generated files (as on a machine without shared/realdata)."""
    output = tmp_path_factory.mktemp("bench") / "benchmarks.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--generated", "--output", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    return done, output


def test_bench_run__quick_mode_exits_cleanly(quick_run):
    done, _ = quick_run
    assert done.returncode == 0, done.stderr[-2000:]


def test_bench_run__prints_one_line_per_figure(quick_run):
    done, _ = quick_run
    lines = [line for line in done.stdout.splitlines() if LINE.match(line)]
    for name in FIGURES:
        assert any(line.startswith(name) for line in lines), f"no line for {name!r}"


def test_bench_run__every_figure_has_baseline_ratio_and_verdict(quick_run):
    done, _ = quick_run
    figure_lines = [line for line in done.stdout.splitlines()
                    if line.startswith(FIGURES)]
    assert len(figure_lines) == len(FIGURES)
    assert all(LINE.match(line) for line in figure_lines), figure_lines


def test_bench_run__writes_the_markdown_with_machine_and_figures(quick_run):
    _, output = quick_run
    page = output.read_text(encoding="utf-8")
    assert page.startswith("# Benchmarks")
    for fact in ("| CPU |", "| Cores |", "| Python |", "| pandas |", "| numpy |", "| OS |"):
        assert fact in page
    for name in FIGURES:
        assert f"| {name}" in page, name
    assert "quick run" in page


def test_figure_line__states_value_baseline_ratio_target_and_verdict():
    figure = Figure("warm lookup X", 6.5, "µs", 1650.0, "naive", 253.8, "× faster",
                    "≤ 20 µs", False)
    assert figure.line() == ("warm lookup X: 6.5 µs (baseline 1,650 µs, ratio 254× faster, "
                             "target ≤ 20 µs) MISS")


def test_figure_line__without_a_measurement_says_why():
    figure = Figure("peer", None, "ms", None, "", None, "", "n/a", None, "not installed")
    assert figure.line() == ("peer: n/a ms (baseline n/a, ratio n/a, target n/a) INFO "
                             "[not installed]")


def test_generated_fred__parses_with_the_engine_parser_and_keeps_holidays_blank():
    dates = pd.bdate_range("2025-01-01", periods=100)
    frame = fred.parse_series(data.fred_file("DGS5", dates, 4.0, 0.02), "DGS5")
    assert len(frame) == 100 and frame["DGS5"].isna().sum() == 3  # rows 0, 40, 80


def test_generated_jgb_history__has_realistic_size_and_late_tenors_missing():
    frame = mof_jgb.parse_file(data.jgb_history(), mof_jgb.HISTORY_FILE)
    assert len(frame) > 13_000 and list(frame.columns) == list(mof_jgb.COLUMNS)
    assert frame.loc["1990-01-05", "40Y"] != frame.loc["1990-01-05", "40Y"]  # NaN: not issued
    assert frame["40Y"].notna().sum() > 4_000


def test_generated_week_csv__passes_the_mof_identity_checks():
    frame = mof_weekly.parse(data.mof_week("2024-12-29", "2025-03-01"))
    assert len(frame) == 9 and frame.index[0] == pd.Timestamp("2025-01-04")


def test_generated_treasury_year__parses_newest_first_file():
    frame = treasury.parse(data.treasury_year(2025))
    assert frame.index.is_monotonic_increasing and frame.index[0] == pd.Timestamp("2025-01-02")


def test_naive_baseline__reads_the_same_value_as_the_parser(tmp_path):
    path = tmp_path / "jgb.csv"
    path.write_bytes(data.jgb_history("2025-01-01", "2025-03-31"))
    frame = mof_jgb.parse_file(path.read_bytes())
    assert naive.jgb_value(path, datetime(2025, 3, 16)) == frame.loc["2025-03-14", "10Y"]


def test_naive_flow__finds_the_week_containing_the_date(tmp_path):
    path = tmp_path / "week.csv"
    path.write_bytes(data.mof_week("2025-01-05", "2025-02-01"))
    frame = mof_weekly.parse(path.read_bytes())
    expected = frame.loc["2025-01-18", ("All", "Foreign:Equity", "net")]
    assert naive.mof_flow(path, datetime(2025, 1, 15)) == pytest.approx(expected)


def test_bench_run__reports_the_desk_server_or_why_not(quick_run):
    done, _ = quick_run
    lines = [line for line in done.stdout.splitlines() if line.startswith("desk server")]
    assert all(LINE.match(line) for line in lines), lines
    if len(lines) == 1:  # redis-server missing: the one line says so
        assert "INFO [" in lines[0], lines
        return
    names = [line.split(":")[0] + ":" + line.split(":")[1].split(" ")[1] for line in lines]
    assert names == ["desk server, 10 concurrent cold clients over 2 workers:upstream",
                     "desk server, 20 clients for 2 s:errors",
                     "desk server, 20 clients for 2 s:latency",
                     "desk server, 20 clients for 2 s:latency",
                     "desk server, 20 clients for 2 s:latency"], names
    assert lines[0].endswith("PASS") and lines[1].split(" [")[0].endswith("PASS"), lines[:2]

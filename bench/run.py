"""Run every benchmark of SPEC section 9 in one go and write ``docs/benchmarks.md``.

Usage: ``python -m bench.run [--quick] [--generated] [--output PATH]`` (``jpflows bench`` runs it
with no options). Every figure prints one line::

    name: value unit (baseline X, ratio Y, target Z) PASS|MISS

``--quick`` repeats everything only a few times (for the smoke test); its numbers are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import PROJECT, data, lookups, recalc, report, serving, sources, store, system
from bench.harness import engine_environment, fresh_engine, publisher

DEFAULT_OUTPUT = PROJECT / "docs" / "benchmarks.md"
METHODS = [
    "Every file is served by a local HTTP server at its publisher's URL (JPFLOWS_MIRROR) and "
    "cached in a temporary JPFLOWS_CACHE_DIR; real files from shared/realdata are used where "
    "present, the rest is generated at the real files' size (JPX: ten years of weekly "
    "workbooks written by the test fixtures, with the index and archive pages listing them).",
    "JPX backfill: the first JP_FLOW(\"JPX:Foreigners\") on an empty cache, every JPX answer "
    "delayed by the latency; the server records how many requests it answers at once. "
    "Baseline: the number of requests made times the time of one request, i.e. the same "
    "requests one after another.",
    "First JPX flow: a new interpreter imports udfs (not timed) and times its first "
    "JP_FLOW(\"JPX:Foreigners\"), from the persisted store; baseline: the same with the "
    "store folder removed, so every cached file is parsed.",
    "Warm lookup: the Excel function (udfs.JP_VALUE / udfs.JP_FLOW) called after a first call, "
    "each call timed with perf_counter_ns, median of many calls, interleaved with the baseline: "
    "bisect.bisect_right over the same column's Python list of day numbers, timed the same way. "
    "The naive per-call read_csv UDF is in the note. 'Computed afresh' drops every remembered "
    "answer before each call, so the lookup itself is timed.",
    "Dashboard: the JP_* formulas of workbook/layout.py's Dashboard, called as Excel calls them "
    "(Settings' defaults, As of blank, the year to date from January 1 of the data's last year). "
    "1,000 calls cycle through them; the recalculation after the recheck window moves the "
    "engine's monotonic clock past the window before each round (the files stay fresh).",
    "History length: FRED files of 100 to 100,000 daily rows; point lookups at random dates "
    "across each history, computed afresh each call.",
    "Cold start: wall time of a new interpreter running `import udfs` and one JP_VALUE from a "
    "warm disk cache, against one running `import xlwings, pandas`; median of interleaved runs.",
    "Store: bytes of the persisted store (cache dir/arrays) once every file set of every source "
    "is loaded, against the HTTP cache holding the same files.",
    "Parse: mof_jgb.parse_file on the whole jgbcme_all.csv against pandas.read_csv with default "
    "options on the same bytes.",
    "Concurrency: 16 threads released together by a barrier on a fresh cache and engine; the "
    "server counts the requests. Baseline: 16 threads calling requests.get directly.",
    "Peer: pandas-datareader's FredReader (pointed at the local server) against api.series, "
    "the same series 100 times each; jpflows starts from an empty cache.",
    "Desk server: `jpflows serve --workers 2` over a real redis-server (JPFLOWS_CACHE=redis://). "
    "Cold crowd: 50 clients released together by a barrier, one new connection each, ask one "
    "series no worker has seen; the local publisher answers it after 0.5 s, as a distant "
    "publisher would, and counts the requests. Baseline: the same "
    "crowd on 2 workers sharing only a SQLite file. Load: 200 keep-alive asyncio clients call "
    "the monitoring sheet's 23 formulas in rotation for 30 s, in the same process as the "
    "publisher; an answer that is not HTTP 200, is an #N/A text or differs from the first "
    "answer to that formula counts as an error. Latency is per request, measured by the client.",
]


@dataclass(frozen=True)
class Repeats:
    """How often each figure is measured, and how large the JPX backfill is."""

    scalar: int
    naive: int
    crowd: serving.Crowd
    mixed_rounds: int
    scale: int
    cold_runs: int
    parse: int
    peer: int
    jpx_years: int
    latency: float


FULL = Repeats(scalar=20_000, naive=15, crowd=serving.FULL, mixed_rounds=7, scale=5_000,
               cold_runs=7, parse=15, peer=100, jpx_years=10, latency=0.2)
QUICK = Repeats(scalar=50, naive=2, crowd=serving.QUICK, mixed_rounds=1, scale=64, cold_runs=1,
                parse=2, peer=3, jpx_years=1, latency=0.02)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    top.add_argument("--quick", action="store_true", help="few repetitions (smoke test)")
    top.add_argument("--generated", action="store_true",
                     help="generate every file even when shared/realdata is present")
    top.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                     help=f"markdown file to write (default {DEFAULT_OUTPUT})")
    return top


def main(argv: list[str] | None = None) -> int:
    """Measure, print one line per figure, write the markdown; 0 even when a target is missed."""
    args = parser().parse_args(argv)
    repeats = QUICK if args.quick else FULL
    with tempfile.TemporaryDirectory(prefix="jpflows-bench-") as folder:
        figures, notes = measure(Path(folder), repeats, use_real=not args.generated)
    notes.insert(0, "quick run: few repetitions, numbers are indicative only" if args.quick
                 else "full run")
    page = report.markdown(figures, report.machine(), notes, METHODS)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(page, encoding="utf-8")
    missed = sum(figure.passed is False for figure in figures)
    print(f"{len(figures)} figures, {missed} missed; written to {args.output}")
    return 0


def measure(work: Path, repeats: Repeats, use_real: bool) -> tuple[list[report.Figure], list[str]]:
    """Every figure, in an order where each starts from the state it needs."""
    dataset = sources.every_source(use_real, repeats.jpx_years)
    jpx = {url: body for url, body in dataset.bodies.items() if "jpx.co.jp" in url}
    bodies = {**dataset.bodies, **lookups.scale_bodies(), **system.concurrency_bodies()}
    notes = ["files: " + ", ".join(f"{name} {origin}" for name, origin in dataset.origin.items())]
    cache = work / "cache"
    figures = [_show(store.backfill(jpx, cache, repeats.latency))]
    with publisher(bodies) as server:
        environment = engine_environment(server, cache, dataset.environ)
        figures.append(_show(store.first_flow(environment, cache, repeats.cold_runs, work)))
        with fresh_engine(environment):
            figures += _warm(work, bodies, repeats)
            figures.append(_show(recalc.after_recheck(repeats.mixed_rounds * 3)))
        figures.append(_show(store.store_size(environment, cache, sources.every_key())))
        figures.append(_show(system.parse_history(dataset.bodies[data.JGB_HISTORY],
                                                  repeats.parse)))
        figures.append(_show(system.cold_start(environment, repeats.cold_runs, work)))
        figures += [_show(f) for f in system.concurrency(server, work, dataset.environ)]
        figures.append(_show(system.peer(server, work, repeats.peer)))
        figures += [_show(f) for f in serving.figures(server, work, dataset.environ,
                                                       repeats.crowd)]
    notes.append(f"history lengths {', '.join(map(str, lookups.SCALE_ROWS))} rows: a daily series "
                 "of 1,000,000 dates would span 2,700 years, beyond what pandas' nanosecond "
                 "timestamps (1677-2262) hold, so 100 rows is the base and 100,000 the 1,000× "
                 "case")
    return figures, notes


def _warm(work: Path, bodies: dict[str, bytes], repeats: Repeats) -> list[report.Figure]:
    """Warm scalar lookups, the Dashboard's mix, and history length, on one warm engine."""
    paths = lookups.files_on_disk(bodies, work / "files")
    found = lookups.scalar_lookups(paths)
    slow = [lookups.naive_us(lookup, repeats.naive) for lookup in found]
    figures = [_show(lookups.warm_scalar(lookup, repeats.scalar, naive))
               for lookup, naive in zip(found, slow)]
    figures.append(_show(lookups.unremembered(found[1], repeats.scale)))
    figures.append(_show(recalc.mixed_calls(1_000, repeats.mixed_rounds, statistics.mean(slow))))
    return figures + [_show(f) for f in lookups.scale_figures(repeats.scale)]


def _show(figure: report.Figure) -> report.Figure:
    print(figure.line(), flush=True)
    return figure


if __name__ == "__main__":
    sys.exit(main())

"""What a JPX file may expand to: hostile files are refused before they expand, in bounded memory.

Each hostile file (``tests/fixtures/jpx_bombs.py``) is parsed in a fresh Python process, so that
its peak resident memory is its own, under a 3 GB address-space cap, so that a regression fails
here instead of exhausting the machine. The refusal must be a ``LayoutChanged`` naming the limit,
and the parse may use at most 256 MB: both what Python allocates during it (``tracemalloc`` peak,
a second run) and how far the process's resident size rises above where it was (Linux's
high-water mark, reset before the parse; it also sees C allocations: zlib, expat, xlrd). The
time each took is printed (run with ``-s``, or ``python -m tests.test_jpx_limits``); speed itself
is not asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from addin.errors import LayoutChanged
from addin.sources import jpx_bounded
from tests.fixtures import jpx_bombs as bombs
from tests.fixtures.jpx_asserts import NEW_WEEK, WEEK_2

ROOT = Path(__file__).resolve().parents[1]
MEMORY_BUDGET_MB = 256
ADDRESS_SPACE_CAP = 3 << 30
GUARD_SECONDS = 300  # a hang fails the test; the time taken is reported, not asserted

PARSE_ONE = """
import json, resource, sys, time, tracemalloc
cap = int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from addin.sources import jpx

def status(field):  # kB; where /proc is missing, the high-water mark since start
    try:
        with open("/proc/self/status") as lines:
            return next(int(line.split()[1]) for line in lines if line.startswith(field))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

def parse():
    try:
        jpx.parse_file(sys.argv[2], body)
        return "parsed"
    except Exception as error:
        return f"{type(error).__name__}: {error}"

body = open(sys.argv[1], "rb").read()
before = status("VmRSS:")
try:
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # resets the high-water mark to the current size
except OSError:
    before = status("VmHWM:")
start = time.perf_counter()
outcome = parse()
seconds = time.perf_counter() - start
rss = (status("VmHWM:") - before) / 1024
tracemalloc.start()  # a second run, traced: slower, so not the one timed
parse()
traced = tracemalloc.get_traced_memory()[1] / 2 ** 20
print(json.dumps({"outcome": outcome, "seconds": seconds, "rss_mb": rss, "traced_mb": traced,
                  "bytes": len(body)}))
"""


@dataclass(frozen=True)
class Case:
    """A hostile file, the name it is served under, and what the refusal must say."""

    build: Callable[[], bytes]
    name: str
    refusal: str  # "" when the file must parse


CASES = {
    "xlsx 200,000 rows, a value in XFD each": Case(
        bombs.far_column, NEW_WEEK, "a part unzips to 9.5 MB, over 4.0 MB"),
    "xlsx 50,000 rows in XFD, declared": Case(
        lambda: bombs.far_column(50_000), NEW_WEEK, "sheet declares row 50099, over 2000"),
    "xlsx 50,000 rows in XFD, declared A1:XFD15": Case(
        lambda: bombs.far_column(50_000, dimension="A1:XFD15"), NEW_WEEK,
        "sheet declares column XFD, over IV"),
    "xlsx 50,000 rows in XFD, undeclared": Case(
        lambda: bombs.far_column(50_000, dimension=None), NEW_WEEK, "sheet has column XFD"),
    "xlsx 50,000 rows in column A": Case(
        lambda: bombs.tall_sheet(50_000), NEW_WEEK, "sheet has row 2001, over 2000"),
    "xlsx sheet inflating to 600 MB": Case(
        bombs.inflating_sheet, NEW_WEEK, "a part unzips to 600 MB, over 4.0 MB"),
    "xlsx sheet size understated": Case(
        bombs.understated_sheet, NEW_WEEK, "sheet XML is damaged"),
    "xlsx 150,000 shared strings": Case(
        bombs.many_strings, NEW_WEEK, "over 100000 shared strings"),
    "xlsx 6 parts of 3 MB": Case(bombs.many_parts, NEW_WEEK, "parts unzip to over 16.0 MB"),
    "xlsx 10,000 zip entries": Case(bombs.many_entries, NEW_WEEK, "10010 zip entries, over 64"),
    "xlsx nested entities": Case(bombs.entity_sheet, NEW_WEEK, "declares a DTD"),
    "xlsx 9 MB download": Case(bombs.oversized_file, NEW_WEEK, "9.0 MB, over 8.0 MB"),
    "xls 4 sheets, a cell at row 65,536 col IV": Case(
        bombs.far_xls_cell, WEEK_2, "sheet 1 has 65536 rows, over 2000"),
    "xls 4 sheets x 50,000 rows, a cell in IV": Case(
        lambda: bombs.far_xls_cell(50_000), WEEK_2, "sheet 1 has 65536 rows, over 2000"),
    "xlsx 50,000 empty styled cells in XFD": Case(
        lambda: bombs.far_column(50_000, dimension=None, value=False), NEW_WEEK, ""),
}


def measure(case: Case, folder: Path, root: Path = ROOT) -> dict:
    """Parse ``case`` in a fresh process of the code at ``root``; outcome, seconds, added MB."""
    path = folder / f"{abs(hash(case.build))}.bin"
    path.write_bytes(case.build())
    done = subprocess.run([sys.executable, "-c", PARSE_ONE, str(path), case.name,
                           str(ADDRESS_SPACE_CAP)], cwd=root, capture_output=True, text=True,
                          timeout=GUARD_SECONDS, env={"PYTHONPATH": str(root), "PATH": ""})
    if done.returncode:
        return {"outcome": f"crashed: {done.stderr.strip()[-200:]}", "seconds": 0.0,
                "rss_mb": 0.0, "traced_mb": 0.0, "bytes": path.stat().st_size}
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_all(folder: Path, root: Path = ROOT) -> dict[str, dict]:
    with ThreadPoolExecutor(2) as pool:  # two at a time: each process is small, the box shared
        results = pool.map(lambda case: measure(case, folder, root), CASES.values())
        return dict(zip(CASES, results))


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> dict[str, dict]:
    results = measure_all(tmp_path_factory.mktemp("jpx-bombs"))
    for label, result in results.items():
        print(f"\n{_line(label, result)}", end="")
    return results


@pytest.mark.parametrize("label", CASES)
def test_hostile_file__refused_before_it_expands(measured, label):
    result, case = measured[label], CASES[label]
    if case.refusal:
        assert result["outcome"].startswith("LayoutChanged: ")
        assert case.refusal in result["outcome"]
        assert len(result["outcome"]) - len("LayoutChanged: ") <= 75  # fits an Excel cell
    else:
        assert result["outcome"] == "parsed"
    assert result["traced_mb"] < MEMORY_BUDGET_MB
    assert result["rss_mb"] < MEMORY_BUDGET_MB


def _line(label: str, result: dict) -> str:
    outcome = result["outcome"].replace("LayoutChanged: JPX ", "")
    return (f"{label:42s} | {result['bytes'] / 1e6:6.2f} MB | {result['seconds']:6.2f} s | "
            f"py {result['traced_mb']:7.1f} MB | rss +{result['rss_mb']:7.1f} MB | {outcome[:80]}")


def test_reader__counts_what_it_inflates():
    class Endless:  # a member stream that would go on past what its directory declared
        def read(self, size: int) -> bytes:
            return b" " * size

    parser = jpx_bounded.expat.ParserCreate()
    with pytest.raises(LayoutChanged, match="a part unzips to over 1.0 MB"):
        jpx_bounded._feed(NEW_WEEK, Endless(), parser, 1 << 20)


if __name__ == "__main__":  # python -m tests.test_jpx_limits [code root]: print the figures
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        code = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
        for label, result in measure_all(Path(scratch), code).items():
            print(_line(label, result))

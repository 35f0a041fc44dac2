"""Every parser, fed mutated publisher bytes, fails only with an ``AddinError``.

Seeds are the fixture generators' bytes (and the head of each real file when ``shared/realdata``
is present); hypothesis then truncates them, flips and inserts bytes, drops, repeats and swaps
lines, turns numbers into text, changes the encoding, line endings and delimiter. A ``KeyError``
or ``UnicodeDecodeError`` escaping a parser would reach a user as a crash instead of a message.

Runs are derandomized so the suite is repeatable; ``JPFLOWS_FUZZ_EXAMPLES=5000`` explores more.
"""

from __future__ import annotations

import importlib
import io
import os
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from addin.errors import AddinError

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
EXAMPLES = int(os.environ.get("JPFLOWS_FUZZ_EXAMPLES", "120"))
HEAD_LINES = 80
NUMBER = re.compile(rb"-?\d+(?:\.\d+)?")
NOT_NUMBERS = [b"abc", b"N/A", b"", b"-", b"1e999", b"nan", "\uff11\uff12".encode(), b"0x1F",
               b"1,234", b"--", b"\xff\xfe", b"\x00", b"\"", b"9" * 40]
ENCODINGS = ["utf-16", "utf-16-le", "cp932", "latin-1", "utf-8-sig", "euc-jp", "utf-32"]


def _fixture(module: str):
    return importlib.import_module(f"tests.fixtures.{module}")


def _real(*parts: str) -> list[bytes]:
    """The head of a real publisher file (line endings kept), or nothing when absent."""
    path = REALDATA.joinpath(*parts)
    if not path.is_file():
        return []
    return [b"".join(path.read_bytes().splitlines(keepends=True)[:HEAD_LINES])]


def _jgb_seeds() -> list[bytes]:
    files = _fixture("mof_jgb")
    return [files.english_history(), files.english_current(), files.japanese_current(),
            files.japanese_eras(), *_real("mof_jgb", "jgbcme_all.csv")]


def _boj_seeds() -> list[bytes]:
    files = _fixture("boj")
    return [files.tona_csv(), *files.tona_pages(), files.usdjpy_monthly_json(),
            files.no_data_json(), files.unknown_code_json()]


def _jpx_legacy_seeds() -> list[bytes]:
    return [_fixture("jpx").legacy_xls(date(2026, 9, 7), date(2026, 9, 11), 2)]


def _user_csv_seeds() -> list[bytes]:
    return [b"date,value\n2025-01-06,2700.5\n2025-01-07,2712.25\n",
            *_real("equity_index", "derived", "topix_jpx_official_closes.csv"),
            *_real("equity_index", "derived", "nikkei225_ohlcv_sakudiff.csv")]


@dataclass(frozen=True)
class Target:
    """A parser entry point and the bytes its mutations start from."""

    module: str
    call: Callable[[object, bytes], object]
    seeds: Callable[[], list[bytes]]


TARGETS = {
    "mof_jgb.parse_file": Target("mof_jgb", lambda m, raw: m.parse_file(raw, "jgbcme.csv"),
                                 _jgb_seeds),
    "mof_jgb.parse": Target(
        "mof_jgb", lambda m, raw: m.parse((_fixture("mof_jgb").english_history(), raw)),
        lambda: [_fixture("mof_jgb").english_current()]),
    "treasury.parse": Target("treasury", lambda m, raw: m.parse(raw), lambda: [
        _fixture("treasury").year_2025(), _fixture("treasury").year_2021(),
        *_real("treasury", "daily-treasury-rates_2025.csv")]),
    "fred.parse": Target("fred", lambda m, raw: m.parse(raw), lambda: [
        _fixture("fred").current_layout(), _fixture("fred").old_layout(),
        *_real("fred", "SOFR.csv"), *_real("fred", "DEXJPUS.csv")]),
    "fred.parse_series": Target("fred", lambda m, raw: m.parse_series(raw, "DGS5"),
                                lambda: [_fixture("fred").current_layout()]),
    "boj.parse": Target("boj", lambda m, raw: m.parse(raw), _boj_seeds),
    "boj.parse_pages": Target("boj", lambda m, raw: m.parse((_fixture("boj").tona_pages()[0], raw)),
                              lambda: [_fixture("boj").tona_pages()[1]]),
    "boj.parse_legacy": Target("boj", lambda m, raw: m.parse_legacy(raw), lambda: [
        _fixture("boj").legacy_csv([("2025/01/06", "0.227"), ("2025/01/07", "NA")])]),
    "stooq.parse": Target("stooq", lambda m, raw: m.parse(raw), lambda: [
        _fixture("stooq").topix_csv(), _fixture("stooq").topix_csv(volume=False),
        _fixture("stooq").hit_limit(), _fixture("stooq").no_data()]),
    "user_csv.parse": Target("user_csv", lambda m, raw: m.parse(raw), _user_csv_seeds),
    "nikkei.parse": Target("nikkei", lambda m, raw: m.parse(raw), lambda: [
        _fixture("nikkei").daily_csv(), _fixture("nikkei").daily_csv(japanese=True)]),
    "jquants.parse_topix": Target("jquants", lambda m, raw: m.parse(("topix", (raw,))), lambda: [
        _fixture("jquants").page(_fixture("jquants").topix_rows())]),
    "jquants.parse_investor_types": Target(
        "jquants", lambda m, raw: m.parse(("investor-types", (raw,))), lambda: [
            _fixture("jquants").page([_fixture("jquants").week(
                "TSEPrime", "2026-09-07", "2026-09-11", "2026-09-17", (1, 2))])]),
    "nyfed.parse": Target("nyfed", lambda m, raw: m.parse(raw),
                          lambda: [_fixture("nyfed").search_json()]),
    "mof_weekly.parse": Target("mof_weekly", lambda m, raw: m.parse(raw),
                               lambda: [_fixture("mof_weekly").week_csv()]),
    "mof_bop.parse": Target("mof_bop", lambda m, raw: m.parse(raw), lambda: [
        _fixture("mof_bop").summary_csv(), _fixture("mof_bop").investor_csv(),
        *_real("mof_bop_portfolio_monthly", "6pi-1.csv"),
        *_real("mof_bop_portfolio_monthly", "6pi-2.csv")]),
    "jpx.parse_file_legacy": Target(
        "jpx", lambda m, raw: m.parse_file("stock_val_1_260902.xls", raw), _jpx_legacy_seeds),
    "jpx.parse_file_new": Target(
        "jpx", lambda m, raw: m.parse_file("stock_1_w_20260907_20260911.xlsx", raw),
        lambda: [_fixture("jpx").new_weekly_xlsx()]),
}

# Parsers known to let a raw exception escape (none now), with the minimal input found.
KNOWN_ESCAPES: dict[str, str] = {}


# -- mutations -----------------------------------------------------------------------------

def _truncate(draw, raw: bytes) -> bytes:
    return raw[: draw(st.integers(0, len(raw)))]


def _flip(draw, raw: bytes) -> bytes:
    if not raw:
        return raw
    at, mask = draw(st.integers(0, len(raw) - 1)), draw(st.integers(1, 255))
    return raw[:at] + bytes([raw[at] ^ mask]) + raw[at + 1:]


def _insert(draw, raw: bytes) -> bytes:
    at = draw(st.integers(0, len(raw)))
    return raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]


def _drop_line(draw, raw: bytes) -> bytes:
    lines = raw.splitlines(keepends=True)
    if lines:
        del lines[draw(st.integers(0, len(lines) - 1))]
    return b"".join(lines)


def _repeat_line(draw, raw: bytes) -> bytes:
    lines = raw.splitlines(keepends=True)
    if lines:
        at = draw(st.integers(0, len(lines) - 1))
        lines.insert(at, lines[at])
    return b"".join(lines)


def _swap_lines(draw, raw: bytes) -> bytes:
    lines = raw.splitlines(keepends=True)
    if len(lines) > 1:
        a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        lines[a], lines[b] = lines[b], lines[a]
    return b"".join(lines)


def _number_to_text(draw, raw: bytes) -> bytes:
    found = list(NUMBER.finditer(raw))
    if not found:
        return raw
    match = found[draw(st.integers(0, len(found) - 1))]
    return raw[: match.start()] + draw(st.sampled_from(NOT_NUMBERS)) + raw[match.end():]


def _reencode(draw, raw: bytes) -> bytes:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp932", errors="replace")
    return text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")


def _line_endings(draw, raw: bytes) -> bytes:
    old, new = draw(st.sampled_from([(b"\r\n", b"\n"), (b"\n", b"\r"), (b"\n", b"\r\n\r\n")]))
    return raw.replace(old, new)


def _delimiter(draw, raw: bytes) -> bytes:
    return raw.replace(b",", draw(st.sampled_from([b";", b"\t", b",,", b'","'])))


MUTATIONS = [_truncate, _flip, _insert, _drop_line, _repeat_line, _swap_lines, _number_to_text,
             _reencode, _line_endings, _delimiter]


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    raw = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 3))):
        raw = draw(st.sampled_from(MUTATIONS))(draw, raw)
    return raw


# -- tests ---------------------------------------------------------------------------------

def _load(target: Target):
    try:
        module = importlib.import_module(f"addin.sources.{target.module}")
        seeds = target.seeds()
    except (ImportError, AttributeError) as exc:
        pytest.skip(f"{target.module}: parser or its fixtures not available yet ({exc})")
    return module, seeds


def _params():
    for name in TARGETS:
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_ESCAPES[name])] \
            if name in KNOWN_ESCAPES else []
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", list(_params()))
def test_parse__mutated_bytes_raise_only_addin_errors(name):
    module, seeds = _load(TARGETS[name])

    def parse_or_refuse(raw: bytes) -> None:
        try:
            TARGETS[name].call(module, raw)
        except AddinError:
            pass

    # Inputs that once escaped are always tried first, whatever the number of examples.
    for raw in _found_before(name):
        parse_or_refuse = example(raw)(parse_or_refuse)
    settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])(
        given(mutated(seeds))(parse_or_refuse))()


def _found_before(name: str) -> list[bytes]:
    if name.startswith("boj."):
        return [b"A\rB"]
    if name == "jpx.parse_file_new":
        return [_xlsx_with_broken_sheet()]
    return []


@pytest.mark.parametrize("name", TARGETS)
def test_parse__unmutated_seeds_parse(name):
    module, seeds = _load(TARGETS[name])
    parsed = 0
    for raw in seeds:
        try:
            TARGETS[name].call(module, raw)
            parsed += 1
        except AddinError:
            pass  # some seeds are the publisher's own error answers
    assert parsed > 0


# -- minimal inputs of the known escapes ---------------------------------------------------

def _xlsx_with_broken_sheet() -> bytes:
    """The new JPX workbook with its sheet XML cut after ``<sheetData>``; the zip is sound."""
    source = zipfile.ZipFile(io.BytesIO(_fixture("jpx").new_weekly_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: data.index(b"<sheetData>") + len(b"<sheetData>")]
            target.writestr(item, data)
    return out.getvalue()


def test_boj_parse__bare_carriage_return_is_a_layout_change():
    module, _ = _load(TARGETS["boj.parse"])
    with pytest.raises(AddinError):
        module.parse(b"A\rB")


def test_jpx_parse_file__broken_sheet_xml_is_a_layout_change():
    module, _ = _load(TARGETS["jpx.parse_file_new"])
    with pytest.raises(AddinError):
        module.parse_file("stock_1_w_20260907_20260911.xlsx", _xlsx_with_broken_sheet())

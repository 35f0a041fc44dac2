"""JPX through the engine: each file parsed once and kept, a recheck asking only for the index page
and the newest file, a polite parallel backfill, and limits on what an index page can make us fetch.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from addin import api
from addin.clock import FixedClock
from addin.config import Config
from addin.engine import Engine
from addin.errors import LayoutChanged, SourceUnavailable
from addin.sources import jpx, jpx_pages
from tests.fixtures import jpx as fx
from tests.fixtures.server import Reply

NOW = datetime(2026, 9, 19, 9, 0, tzinfo=timezone.utc)
PAGE_DIR = fx.SITE + fx.PAGE_DIR
INDEX = PAGE_DIR + "index.html"
NEWEST = fx.SITE + fx.ATT + "stock_1_w_20260914_20260918.xlsx"


@pytest.fixture
def site(engine_env):
    for url, body in fx.sample_site().items():
        engine_env.serve(url, body)
    return engine_env


@pytest.fixture
def parsed(monkeypatch):
    """The names of the value files parsed, one entry per parse."""
    names = []
    original = jpx.file_values
    monkeypatch.setattr(jpx, "file_values", lambda name, body: names.append(name) or
                        original(name, body))
    return names


@pytest.fixture(autouse=True)
def _default_engine_after():
    yield
    api.use(None)


def new_engine(clock: FixedClock) -> Engine:
    engine = Engine(replace(Config.from_env(), recheck_seconds=0), clock=clock)
    api.use(engine)
    return engine


def requested(server) -> list[str]:
    return sorted(path.rsplit("/", 1)[-1] for path, count in server.hits.items() for _ in
                  range(count))


def test_backfill__every_file_parsed_once_and_kept(site, parsed):
    new_engine(FixedClock(NOW))
    assert api.flow("JPX:Foreigners")[1] == pytest.approx(-300.0)
    assert sorted(parsed) == sorted(set(parsed)) and len(parsed) == 5  # the check's parse kept
    assert api.flows("JPX:Foreigners").index[0] == datetime(2025, 12, 30)
    assert len(parsed) == 5


def test_recheck__asks_only_for_the_index_page_and_the_newest_file(site, parsed):
    clock = FixedClock(NOW)
    new_engine(clock)
    api.flow("JPX:Foreigners")
    site.hits.clear()
    clock.advance(7 * 3600)  # the index page (6 h) and the newest file (6 h) have expired
    new_engine(clock)
    assert api.flow("JPX:Foreigners")[1] == pytest.approx(-300.0)
    assert requested(site) == ["index.html", NEWEST.rsplit("/", 1)[-1]]
    assert len(parsed) == 5  # the newest file came back with the same bytes: nothing to parse
    assert api.info("JPX:Foreigners")["url"] == NEWEST


def test_recheck__a_revised_newest_file_is_parsed_again(site, parsed):
    clock = FixedClock(NOW)
    new_engine(clock)
    api.flow("JPX:Foreigners")
    site.serve(NEWEST, fx.new_weekly_xlsx("2026093", notes=True))  # new bytes, same week
    clock.advance(7 * 3600)
    new_engine(clock)
    assert api.flow("JPX:Foreigners")[1] == pytest.approx(-300.0)
    assert parsed[5:] == [NEWEST.rsplit("/", 1)[-1]]


def test_recheck__within_the_index_page_lifetime_asks_nothing(site, parsed):
    clock = FixedClock(NOW)
    new_engine(clock)
    api.flow("JPX:Foreigners")
    site.hits.clear()
    clock.advance(3600)
    engine = new_engine(clock)
    assert api.flow("JPX:Foreigners")[1] == pytest.approx(-300.0)
    assert site.hits == {} and engine.fetcher_if_built() is None and len(parsed) == 5


def test_recheck__a_new_week_parses_only_the_new_file(site, parsed):
    clock = FixedClock(NOW)
    new_engine(clock)
    api.flow("JPX:Foreigners")
    week_4 = fx.SITE + fx.ATT + "stock_1_w_20260921_20260925.xlsx"
    site.serve(week_4, fx.new_weekly_xlsx("2026094"))
    site.serve(INDEX, fx.page([fx.new_row("20260921", "20260925", "第4週"),
                               fx.new_row("20260914", "20260918", "第3週")], archives=(0, 1)))
    site.hits.clear()
    clock.advance(7 * 3600)
    new_engine(clock)
    assert api.flow("JPX:Foreigners")[0] == datetime(2026, 9, 25)
    assert requested(site) == ["index.html", "stock_1_w_20260914_20260918.xlsx",
                               "stock_1_w_20260921_20260925.xlsx"]
    assert parsed[5:] == ["stock_1_w_20260921_20260925.xlsx"]
    assert len(api.flows("JPX:Foreigners")) == 6  # the whole history, from the kept parts


def test_recheck__a_gap_since_the_last_run_walks_back_only_to_what_is_held(site, parsed):
    clock = FixedClock(NOW)
    new_engine(clock)
    api.flow("JPX:Foreigners")
    later = fx.SITE + fx.ATT + "stock_1_w_20261012_20261016.xlsx"
    gap = fx.SITE + fx.ATT + "stock_1_w_20260928_20261002.xlsx"
    site.serve(later, fx.new_weekly_xlsx("2026103"))
    site.serve(gap, fx.new_weekly_xlsx("2026101"))
    site.serve(INDEX, fx.page([fx.new_row("20261012", "20261016", "10月第3週")], archives=(0, 1)))
    site.serve(PAGE_DIR + "00-00-archives-00.html", fx.page([
        fx.new_row("20261012", "20261016", "10月第3週"), fx.new_row("20260928", "20261002", "第1週"),
        fx.new_row("20260914", "20260918", "9月第3週"), fx.legacy_row("260902", "9月第2週")]))
    site.hits.clear()
    clock.advance(25 * 3600)  # the archive pages are kept for a day
    new_engine(clock)
    assert api.flow("JPX:Foreigners")[0] == datetime(2026, 10, 16)
    assert "00-00-archives-01.html" not in requested(site)
    assert "00-00-archives-00.html" in requested(site)
    assert len(api.flows("JPX:Foreigners")) == 7


def test_refresh__walks_the_archives_but_never_downloads_a_final_file_again(site, parsed):
    new_engine(FixedClock(NOW))
    api.flow("JPX:Foreigners")
    site.hits.clear()
    api.refresh()
    asked = requested(site)
    assert "00-00-archives-01.html" in asked and "index.html" in asked
    assert not any(name.startswith("stock_val_1_") for name in asked)  # final: never again


def test_backfill__a_bad_old_file_is_neither_cached_nor_kept(site, parsed):
    bad = fx.SITE + fx.ATT + "stock_val_1_260805.xls"
    site.serve(bad, b"<html>maintenance</html>")
    clock = FixedClock(NOW)
    engine = new_engine(clock)
    assert len(api.flows("JPX:Foreigners")) == 4
    assert bad not in engine.fetcher.records or engine.fetcher.records[bad].fetched_at is None
    assert bad not in engine.keeper.parts("jpx", "")
    site.serve(bad, fx.sample_site()[bad])
    site.hits.clear()
    api.refresh()  # a Refresh asks again for the file skipped before
    assert "stock_val_1_260805.xls" in requested(site)
    assert len(api.flows("JPX:Foreigners")) == 5


# A polite parallel backfill -------------------------------------------------------------------

WEEKS = [(date(2026, 1, 5) + timedelta(weeks=n)) for n in range(16)]


def week_code(monday: date) -> str:
    friday = monday + timedelta(days=4)
    return f"{friday:%y%m}{(friday.day - 1) // 7 + 1:02d}"


@pytest.fixture
def slow_site(engine_env):
    """Sixteen weekly files, each answered after 50 ms; the most answered at once is recorded."""
    state = {"now": 0, "most": 0}
    lock = threading.Lock()

    def slow(body: bytes):
        def route() -> Reply:
            with lock:
                state["now"] += 1
                state["most"] = max(state["most"], state["now"])
            time.sleep(0.05)
            with lock:
                state["now"] -= 1
            return Reply(body)
        return route

    rows = []
    for monday in WEEKS:
        code = week_code(monday)
        engine_env.serve(fx.SITE + fx.ATT + f"stock_val_1_{code}.xls",
                         slow(fx.legacy_xls(monday, monday + timedelta(days=4), int(code[-2:]))))
        rows.append(fx.legacy_row(code, f"week {code}"))
    engine_env.serve(INDEX, fx.page(rows[::-1]))
    return engine_env, state


def test_backfill__at_most_four_requests_in_flight_and_progress_per_file(slow_site):
    server, state = slow_site
    engine = new_engine(FixedClock(datetime(2026, 4, 30, tzinfo=timezone.utc)))
    progress = []
    engine.fetcher.on_download = lambda source, url: progress.append(url)
    started = time.perf_counter()
    assert len(api.flows("JPX:Foreigners")) == 16
    elapsed = time.perf_counter() - started
    assert state["most"] == 4  # concurrent, and never more than JPX's four
    assert sum(url.endswith(".xls") for url in progress) == 16
    assert elapsed > 0  # timing is for the benchmarks; here only the concurrency is checked


# Limits on what an index page can make us fetch ----------------------------------------------

def test_discover__links_to_other_hosts_are_ignored():
    html = (b'<a href="https://evil.example/x-att/stock_val_1_260902.xls">x</a>'
            b'<a href="/markets/x-att/stock_val_1_260901.xls">y</a>'
            b'<a href="//evil.example/y-att/stock_val_1_260805.xls">z</a>')
    links = jpx.discover(html, INDEX)
    assert [link.name for link in links] == ["stock_val_1_260901.xls"]


def test_page_check__a_page_listing_too_many_files_is_refused():
    html = "".join(f'<a href="a{n}-att/stock_val_1_26{m:02d}0{w}.xls">'
                   for n in range(10) for m in range(1, 13) for w in range(1, 6)).encode()
    with pytest.raises(LayoutChanged, match="600 file links"):
        jpx_pages.page_checker(INDEX)(html)
    jpx_pages.page_checker(INDEX)(html[: len(html) // 2])  # 300 files: a page JPX could have


def test_discover__reads_only_the_first_links_of_a_huge_page():
    filler = b'<a href="/x.html">x</a>' * jpx_pages.MAX_HREFS
    html = filler + b'<a href="/x-att/stock_val_1_260902.xls">late</a>'
    assert jpx.discover(html, INDEX) == []


def test_download__fetches_at_most_the_yearly_allowance_of_files(monkeypatch):
    from tests.fixtures.fakes import FakeGet

    monkeypatch.setattr(jpx, "FILES_PER_YEAR", 2)
    monkeypatch.setattr(jpx, "BACKFILL_YEARS", 1)
    rows = [fx.legacy_row(week_code(monday), "w") for monday in WEEKS]
    bodies = {INDEX: fx.page(rows)}
    for monday in WEEKS:
        code = week_code(monday)
        bodies[fx.SITE + fx.ATT + f"stock_val_1_{code}.xls"] = b"x"
    get = FakeGet(bodies, run_check=False, missing=lambda url: SourceUnavailable("404"))
    raw = jpx.download("", get)
    assert len(raw) == 2 * 2  # two a year for the backfill's 1 + 1 years
    assert [name for name, _ in raw][-1] == f"stock_val_1_{week_code(WEEKS[-1])}.xls"


def test_parse__kept_rows_give_the_frame_the_files_give():
    from addin.sources.jpx_files import rows_frame

    files = [("stock_val_1_130401.xls", fx.legacy_xls(date(2013, 4, 1), date(2013, 4, 5), 1,
                                                      fx.default_sheets(fx.SHEETS_2013))),
             ("stock_val_1_260902.xls", fx.legacy_xls(date(2026, 9, 7), date(2026, 9, 11), 2)),
             ("stock_1_w_20260907_20260911.xlsx", fx.new_weekly_xlsx())]
    expected = rows_frame(dict(sorted(jpx.file_values(name, body) for name, body in files[:2]))
                          | dict([jpx.file_values(*files[2])]))
    checked = tuple((name, jpx._checker(name)(body)) for name, body in files)
    for frame in (jpx.parse(files), jpx.parse(checked)):
        assert frame.equals(expected) and list(frame.columns) == list(expected.columns)
        assert frame.index.equals(expected.index) and frame.index.dtype == expected.index.dtype

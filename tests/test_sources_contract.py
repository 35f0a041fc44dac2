"""One contract, every registered source: the same checks on download and parse."""

from __future__ import annotations

import pandas as pd
import pytest

from addin.errors import AddinError
from addin.sources import REGISTRY
from tests.fixtures import (boj, fred, jquants, mof_bop, mof_jgb, mof_weekly, nikkei, nyfed,
                            stooq, treasury)
from tests.fixtures.fakes import FakeGet

USER_CSV_URL = "https://data.example.org/desk/topix.csv"


def _jgb(url: str) -> bytes:
    return mof_jgb.english_history() if "historical" in url else mof_jgb.english_current()


SAMPLES = {
    "mof_jgb": ("", _jgb),
    "treasury": ("2025", lambda url: treasury.year_2025()),
    "fred": ("DGS5", lambda url: fred.current_layout()),
    "boj": ("FM01:STRDCLUCON", lambda url: boj.tona_csv()),
    "mof_weekly": ("", lambda url: mof_weekly.week_csv()),
    "mof_bop": ("6pi-1", lambda url: mof_bop.summary_csv()),
    "stooq": ("^tpx", lambda url: stooq.topix_csv()),
    "nikkei": ("", lambda url: nikkei.daily_csv()),
    "jquants": ("topix", lambda url: jquants.page(jquants.topix_rows())),
    "nyfed": ("2025", lambda url: nyfed.search_json()),
    "csv": (USER_CSV_URL, lambda url: b"date,value\n2025-04-04,2482.06\n2025-04-07,2288.66\n"),
}
try:
    from tests.fixtures import jpx

    SAMPLES["jpx"] = ("", jpx.serve_all)
except (ImportError, AttributeError):
    pass

GARBAGE = [b"", b"<!DOCTYPE html><html><body>Service unavailable</body></html>",
           b"\x00\x01\x02\xff\xfe", "日付,値\n".encode("cp932")]


def test_registry__every_source_has_a_sample():
    assert set(REGISTRY.ids()) == set(SAMPLES)


@pytest.fixture(params=sorted(SAMPLES))
def downloaded(request):
    source = REGISTRY[request.param]
    key, answer = SAMPLES[request.param]
    get = FakeGet(answer, run_check=False)
    return source, source.download(key, get), get


def test_source__has_a_user_facing_name(downloaded):
    source, _, _ = downloaded
    assert isinstance(source.name, str) and 0 < len(source.name) <= 20


def test_source__downloads_real_https_urls_with_a_check(downloaded):
    _, _, get = downloaded
    assert get.calls
    for call in get.calls:
        assert call.url.startswith("https://")
        assert callable(call.check), call.url


def test_source__parse_gives_a_clean_frame(downloaded):
    source, raw, _ = downloaded
    frame = source.parse(raw)
    assert isinstance(frame.index, pd.DatetimeIndex) and frame.index.name == "date"
    assert frame.index.is_monotonic_increasing and frame.index.is_unique
    assert len(frame) > 0 and len(frame.columns) > 0
    assert all(dtype == "float64" for dtype in frame.dtypes)
    assert frame.notna().any().any()


@pytest.mark.parametrize("garbage", GARBAGE, ids=["empty", "html", "binary", "wrong-header"])
def test_source__check_rejects_garbage_with_an_addin_error(downloaded, garbage):
    _, _, get = downloaded
    for call in get.calls:
        with pytest.raises(AddinError):
            call.check(garbage)


def test_source__error_messages_fit_a_cell(downloaded):
    _, _, get = downloaded
    for call in get.calls:
        try:
            call.check(GARBAGE[1])
        except AddinError as exc:
            assert len(str(exc)) <= 75, str(exc)

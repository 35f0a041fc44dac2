"""MOF balance-of-payments portfolio tables 6pi-1 / 6pi-2: layout, values, real files."""

from __future__ import annotations

import datetime
import math

import numpy as np
import pandas as pd
import pytest

from addin.errors import BadArgument, LayoutChanged, SourceUnavailable
from addin.sources import mof_bop, mof_bop_page
from tests.fixtures import mof_bop as fixture
from tests.fixtures.fakes import FakeGet
from tests.fixtures.flows import mof_columns

BOP_DIR = "mof_bop_portfolio_monthly"
PAGE = "https://www.mof.go.jp/policy/international_policy/reference/balance_of_payments/data.htm"


def value(frame, date, investor, measure="net"):
    return frame.loc[pd.Timestamp(date), ("All", investor, measure)]


def month_ends(start, end):
    """Last days of the months from ``start`` to ``end`` (``YYYY-MM``), both included."""
    return [p.end_time.normalize() for p in pd.period_range(start, end, freq="M")]


# --- 6pi-1 on generated files -------------------------------------------------------------


def test_parse__summary_columns():
    frame = mof_bop.parse(fixture.summary_csv())
    assert list(frame.columns) == mof_columns()
    assert list(frame.columns.names) == ["market", "investor", "measure"]
    assert (frame.dtypes == np.float64).all()


def test_parse__summary_values():
    frame = mof_bop.parse(fixture.summary_csv())
    assert value(frame, "2025-02-28", "Foreign:Equity") == pytest.approx(-2558.3)
    assert value(frame, "2025-02-28", "Foreign:Equity", "buy") == pytest.approx(78700.0)
    assert value(frame, "2025-02-28", "Foreign:Equity", "sell") == pytest.approx(81258.3)
    assert value(frame, "2025-02-28", "Foreign:Total") == pytest.approx(-2658.3)
    assert value(frame, "2025-02-28", "Resident:Total") == pytest.approx(2650.0)
    assert value(frame, "2025-02-28", "Resident:Equity", "sell") == pytest.approx(10550.0)
    assert value(frame, "2025-04-30", "Foreign:Equity") == pytest.approx(3778.4)
    assert value(frame, "2025-04-30", "Resident:ShortTermDebt", "buy") == pytest.approx(4300.0)
    assert value(frame, "2025-03-31", "Resident:ShortTermDebt") == 0.0


def test_parse__summary_not_available_is_nan():
    frame = mof_bop.parse(fixture.summary_csv())
    assert math.isnan(value(frame, "2024-12-31", "Resident:Equity", "buy"))
    assert math.isnan(value(frame, "2024-12-31", "Foreign:LongTermDebt", "sell"))
    assert value(frame, "2024-12-31", "Resident:Equity") == pytest.approx(-210.0)
    assert value(frame, "2024-12-31", "Foreign:LongTermDebt") == pytest.approx(-161.0)


def test_parse__monthly_section_with_year_carried():
    frame = mof_bop.parse(fixture.summary_csv())
    assert list(frame.index) == month_ends("2024-01", "2025-04")
    assert frame.index.name == "date"
    # the calendar-year row (2024C.Y., equity net 9,400) is not a month
    assert not (frame[("All", "Resident:Equity", "net")] == 940.0).any()


def test_preliminary_months__summary():
    assert mof_bop.preliminary_months(fixture.summary_csv()) == [
        pd.Timestamp("2025-03-31"),
        pd.Timestamp("2025-04-30"),
    ]


def test_preliminary_months__none_marked():
    months = [(y, m, False, a, b) for y, m, _, a, b in fixture.SUMMARY_MONTHS]
    assert mof_bop.preliminary_months(fixture.summary_csv(months)) == []


def test_parse__month_gap_raises():
    months = [row for row in fixture.SUMMARY_MONTHS if row[:2] != (2024, 7)]
    with pytest.raises(LayoutChanged, match="consecutive"):
        mof_bop.parse(fixture.summary_csv(months))


def test_parse__first_month_without_year_raises():
    with pytest.raises(LayoutChanged, match="consecutive"):
        mof_bop.parse(fixture.summary_csv(fixture.SUMMARY_MONTHS[1:]))


def test_parse__missing_unit_raises():
    with pytest.raises(LayoutChanged, match="100 million Yen"):
        mof_bop.parse(fixture.summary_csv(unit="(million Yen)"))


@pytest.mark.parametrize(
    "old, new, match",
    [
        (b"6pi-1", b"6pi-9", "title"),
        (b"(Monthly figures)", b"(Quarterly figures)", "Monthly figures"),
        (b",Feb,", b",Fbr,", "Fbr"),
        (b'"-25,583"', b'"-25,58x"', "-25,58x"),
        (b"Long-term debt securities", b"Long-term bonds", "equity/LT/ST"),
        (b"2.Portfolio Investment Liabilities", b"2.Liabilities", "Liabilities"),
        (b"Acquisition", b"Purchases", "Acquisition"),
    ],
    ids=["title", "section", "month", "number", "asset header", "side header", "measures"],
)
def test_parse__summary_layout_change_raises(old, new, match):
    body = fixture.summary_csv()
    assert old in body
    with pytest.raises(LayoutChanged, match=match) as error:
        mof_bop.parse(body.replace(old, new))
    assert str(error.value).startswith("MOF 6pi")
    assert len("#N/A " + str(error.value)) <= 80


@pytest.mark.parametrize(
    "body, match",
    [(b"<html><body>error</body></html>", "HTML"), (b"\x81\x7f\xff,,\r\n", "CP932")],
    ids=["html", "not cp932"],
)
def test_parse__not_a_6pi_file_raises(body, match):
    with pytest.raises(LayoutChanged, match=match):
        mof_bop.parse(body)


# --- 6pi-2 on generated files -------------------------------------------------------------

INVESTOR_TYPES = (
    "Total", "CentralBank", "DepositTakingCorporations", "BanksBankingAccounts",
    "TrustBanksBankingAccounts", "GeneralGovernment", "OtherSectors",
    "OtherFinancialCorporations", "BanksTrustAccounts", "TrustBanksTrustAccounts",
    "FinancialInstrumentsFirms", "LifeInsuranceCompanies", "NonLifeInsuranceCompanies",
    "InvestmentTrustManagementCompanies", "Others",
)


def test_parse__investor_columns():
    frame = mof_bop.parse(fixture.investor_csv())
    measures = ("buy", "sell", "net")
    expected = [("All", f"Resident:{kind}:Total", m) for kind in INVESTOR_TYPES for m in measures]
    assert list(frame.columns) == expected
    assert (frame.dtypes == np.float64).all()


def test_parse__investor_values():
    frame = mof_bop.parse(fixture.investor_csv())
    assert list(frame.index) == month_ends("2026-01", "2026-03")
    life = "Resident:LifeInsuranceCompanies:Total"
    assert value(frame, "2026-01-31", life, "buy") == pytest.approx(3375.5)
    assert value(frame, "2026-01-31", life, "sell") == pytest.approx(3266.9)
    assert value(frame, "2026-01-31", life) == pytest.approx(108.6)
    assert value(frame, "2026-03-31", "Resident:Total:Total") == pytest.approx(-3600.0)
    assert value(frame, "2026-02-28", "Resident:Others:Total") == pytest.approx(-190.0)
    assert frame[("All", "Resident:CentralBank:Total", "buy")].isna().all()


def test_parse__investor_asset_from_title():
    title = (
        "6pi-2  Portfolio Investment Assets by Types of Investors"
        " - Equity and investment fund shares"
    )
    frame = mof_bop.parse(fixture.investor_csv(title=title))
    assert ("All", "Resident:LifeInsuranceCompanies:Equity", "net") in frame.columns


def test_parse__investor_title_without_asset_raises():
    body = fixture.investor_csv(title="6pi-2  Portfolio Investment Assets by Types of Investors")
    with pytest.raises(LayoutChanged, match="title"):
        mof_bop.parse(body)


def test_preliminary_months__investor():
    assert mof_bop.preliminary_months(fixture.investor_csv()) == [pd.Timestamp("2026-03-31")]


def test_parse__investor_header_missing_raises():
    body = fixture.investor_csv().replace(b"Life insurance companies", b"\x90\xb6\x96\xbd")
    with pytest.raises(LayoutChanged, match="investor header"):
        mof_bop.parse(body)


# --- download -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, body, width",
    [("6pi-1", fixture.summary_csv(), 20), ("6pi-2", fixture.investor_csv(), 45)],
)
def test_download__fetches_the_table_checked(key, body, width):
    url = (
        "https://www.mof.go.jp/policy/international_policy/reference/balance_of_payments/"
        f"bpport/{key}.csv"
    )
    # MOF's page cannot be read here, so the file is asked at the folder known so far.
    get = FakeGet({PAGE: SourceUnavailable("MOF unreachable"), url: body})
    assert mof_bop.download(key, get) == body
    assert [(call.url, call.expire) for call in get.calls] == [
        (PAGE, datetime.timedelta(days=1)), (url, datetime.timedelta(days=1))]
    assert all(call.check is not None for call in get.calls)
    assert get.checked.shape[1] == width


def _page(*hrefs: str) -> bytes:
    links = "".join(f'<li><a href="{href}">CSV</a></li>' for href in hrefs)
    return (f'<html><head><meta charset="Shift_JIS"><title>国際収支の推移</title></head>'
            f'<body><ul>{links}<li><a href="/index.htm">top</a></li></ul></body></html>'
            ).encode("cp932")


def test_download__the_file_is_found_where_mofs_page_links_it():
    moved = "https://www.mof.go.jp/policy/international_policy/reference/balance_of_payments/" \
            "bp_trend/bpport/pi/6pi-1.csv"
    get = FakeGet({PAGE: _page("bp_trend/bpport/pi/6pi-1.csv", "bp_trend/bpport/pi/6pi-2.csv"),
                   moved: fixture.summary_csv()})
    assert mof_bop.download("6pi-1", get) == fixture.summary_csv()
    assert get.urls == [PAGE, moved]


def test_file_links__absolute_relative_and_other_files():
    html = _page("../x/6pi-2.csv", "https://www.mof.go.jp/a/6PI-1.CSV", "6pi-10.csv", "6s-1-4.csv")
    assert mof_bop_page.file_links(html, PAGE) == {
        "6pi-2": "https://www.mof.go.jp/policy/international_policy/reference/x/6pi-2.csv",
        "6pi-1": "https://www.mof.go.jp/a/6PI-1.CSV"}


def test_download__a_page_without_the_files_is_not_kept():
    get = FakeGet({PAGE: _page("6s-1-4.csv"), mof_bop.URLS["6pi-1"]: fixture.summary_csv()})
    mof_bop.download("6pi-1", get)
    with pytest.raises(LayoutChanged, match="no 6pi-1.csv"):
        get.call_for(PAGE).check(_page("6s-1-4.csv"))


def test_download__not_found_anywhere_names_the_setting():
    missing = SourceUnavailable("MOF BoP portfolio answered HTTP 404, nothing cached",
                                "MOF BoP portfolio", "HTTP 404")
    get = FakeGet({PAGE: _page("6s-1-4.csv"), mof_bop.URLS["6pi-1"]: missing}, run_check=False)
    with pytest.raises(SourceUnavailable, match="6pi-1.csv not found; set JPFLOWS_MOF_BOP_URL"):
        mof_bop.download("6pi-1", get)


@pytest.mark.parametrize("setting, asked", [
    ("https://mirror.example.org/bop/", "https://mirror.example.org/bop/6pi-2.csv"),
    ("https://mirror.example.org/bop/6pi-1.csv", "https://mirror.example.org/bop/6pi-2.csv"),
])
def test_download__the_setting_names_a_folder_or_a_file(setting, asked):
    get = FakeGet({asked: fixture.investor_csv()})
    mof_bop.download("6pi-2", get, setting=setting)
    assert get.urls == [asked]


def test_download__the_setting_may_name_the_page_to_read():
    page = "https://www.mof.go.jp/english/policy/bop/data.html"
    get = FakeGet({page: _page("files/6pi-1.csv"),
                   "https://www.mof.go.jp/english/policy/bop/files/6pi-1.csv": fixture.summary_csv()})
    mof_bop.download("6pi-1", get, setting=page)
    assert get.urls[0] == page


def test_engine__jp_info_shows_the_url_actually_fetched(engine_env, realdata):
    from addin import api

    moved = "https://www.mof.go.jp/policy/international_policy/reference/balance_of_payments/" \
            "bp_trend/bpport/6pi-1.csv"
    engine_env.serve(PAGE, _page("bp_trend/bpport/6pi-1.csv"))
    engine_env.serve(moved, (realdata / "mof_bop_portfolio_monthly" / "6pi-1.csv").read_bytes())
    api.use(None)
    try:
        assert api.flow("BOP:Foreign:Equity", "2025-09-15")[1] == -3497.8
        assert api.info("BOP:Foreign:Equity")["url"] == moved
    finally:
        api.use(None)


def test_download__check_rejects_bad_file():
    get = FakeGet(fixture.summary_csv(unit=""))
    with pytest.raises(LayoutChanged):
        mof_bop.download("6pi-1", get)
    assert all(call.check is not None for call in get.calls)


def test_download__unknown_key_raises():
    get = FakeGet(b"")
    with pytest.raises(BadArgument, match="6pi-1"):
        mof_bop.download("6pi-3", get)
    assert all(call.check is not None for call in get.calls)


# --- real MOF files ---------------------------------------------------------------------------


def test_real_6pi1__foreign_equity_2025(realdata):
    frame = mof_bop.parse((realdata / BOP_DIR / "6pi-1.csv").read_bytes())
    net = frame[("All", "Foreign:Equity", "net")]["2025"]
    expected = [707.8, -2558.3, -3230.7, 3778.4, 2551.1, 1096.9,
                2341.0, 427.0, -3497.8, 6238.2, 1006.5, -416.7]
    assert list(net.index) == month_ends("2025-01", "2025-12")
    assert net.to_numpy() == pytest.approx(expected)
    assert net.sum() == pytest.approx(8443.4)


def test_real_6pi1__coverage_and_preliminary(realdata):
    body = (realdata / BOP_DIR / "6pi-1.csv").read_bytes()
    frame = mof_bop.parse(body)
    assert list(frame.index) == month_ends("1996-01", "2026-05")
    assert mof_bop.preliminary_months(body) == [
        pd.Timestamp("2026-04-30"),
        pd.Timestamp("2026-05-31"),
    ]
    assert math.isnan(value(frame, "1996-01-31", "Foreign:Equity", "buy"))
    assert value(frame, "1996-01-31", "Resident:Equity") == pytest.approx(-166.8)
    assert value(frame, "2026-05-31", "Foreign:Equity", "buy") == pytest.approx(172857.4)


def test_real_6pi2__investor_types(realdata):
    body = (realdata / BOP_DIR / "6pi-2.csv").read_bytes()
    frame = mof_bop.parse(body)
    investors = list(frame.columns.get_level_values("investor").unique())
    assert investors == [f"Resident:{kind}:Total" for kind in INVESTOR_TYPES]
    assert list(frame.index) == month_ends("2014-01", "2026-05")
    assert mof_bop.preliminary_months(body)[-1] == pd.Timestamp("2026-05-31")
    life = "Resident:LifeInsuranceCompanies:Total"
    assert value(frame, "2025-12-31", life, "buy") == pytest.approx(3375.5)


def test_real_6pi2__total_matches_6pi1_resident_total(realdata):
    summary = mof_bop.parse((realdata / BOP_DIR / "6pi-1.csv").read_bytes())
    investors = mof_bop.parse((realdata / BOP_DIR / "6pi-2.csv").read_bytes())
    by_type = investors[("All", "Resident:Total:Total", "net")]
    overall = summary[("All", "Resident:Total", "net")].reindex(by_type.index)
    assert (by_type - overall).abs().max() <= 0.1


def test_engine__the_users_setting_reaches_the_download(engine_env, realdata, monkeypatch):
    from addin import api

    folder = "https://www.mof.go.jp/somewhere/new"
    monkeypatch.setenv("JPFLOWS_MOF_BOP_URL", folder)
    engine_env.serve(folder + "/6pi-1.csv",
                     (realdata / "mof_bop_portfolio_monthly" / "6pi-1.csv").read_bytes())
    api.use(None)
    try:
        assert api.flow("BOP:Foreign:Equity", "2025-09-15")[1] == -3497.8
    finally:
        api.use(None)
    assert engine_env.count(PAGE) == 0

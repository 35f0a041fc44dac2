"""MOF weekly ``week.csv``: parsing the publisher's bytes, identities, download wiring."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from addin.errors import LayoutChanged
from addin.sources import mof_weekly
from tests.fixtures import mof_weekly as fixture
from tests.fixtures.fakes import FakeGet
from tests.fixtures.flows import mof_columns

INVESTORS = (
    "Resident:Equity", "Resident:LongTermDebt", "Resident:ShortTermDebt",
    "Foreign:Equity", "Foreign:LongTermDebt", "Foreign:ShortTermDebt",
)


def value(frame, date, investor, measure="net"):
    return frame.loc[pd.Timestamp(date), ("All", investor, measure)]


def replace_week(label, values):
    """The default weeks with one week's numbers replaced."""
    return [(lab, values if lab == label else vals) for lab, vals in fixture.WEEKS]


def test_parse__first_week_of_2005():
    frame = mof_weekly.parse(fixture.week_csv())
    assert frame.index[0] == pd.Timestamp("2005-01-08")
    assert value(frame, "2005-01-08", "Foreign:Equity") == pytest.approx(227.8)
    assert value(frame, "2005-01-08", "Foreign:Equity", "buy") == pytest.approx(1785.3)
    assert value(frame, "2005-01-08", "Foreign:Equity", "sell") == pytest.approx(1557.5)
    assert value(frame, "2005-01-08", "Resident:Total") == pytest.approx(981.1)
    assert value(frame, "2005-01-08", "Resident:Equity", "buy") == pytest.approx(168.9)
    assert value(frame, "2005-01-08", "Resident:LongTermDebt") == pytest.approx(887.8)
    assert value(frame, "2005-01-08", "Resident:ShortTermDebt", "sell") == pytest.approx(100.1)
    assert value(frame, "2005-01-08", "Foreign:ShortTermDebt") == pytest.approx(389.4)
    assert value(frame, "2005-01-08", "Foreign:Total") == pytest.approx(1036.3)


def test_parse__known_weeks():
    frame = mof_weekly.parse(fixture.week_csv())
    assert value(frame, "2025-10-04", "Foreign:Equity") == pytest.approx(2476.1)
    assert value(frame, "2026-09-12", "Foreign:Equity") == pytest.approx(-1522.8)
    assert value(frame, "2026-09-12", "Foreign:Total") == pytest.approx(-499.5)
    assert value(frame, "2026-09-12", "Resident:Total") == pytest.approx(1402.9)
    assert value(frame, "2026-09-12", "Foreign:LongTermDebt", "sell") == pytest.approx(3826.7)


def test_parse__unquoted_negative():
    frame = mof_weekly.parse(fixture.week_csv())
    assert value(frame, "2005-01-15", "Resident:Equity") == pytest.approx(-51.5)
    assert value(frame, "2005-01-15", "Resident:ShortTermDebt") == pytest.approx(-20.0)


def test_parse__columns_and_index():
    frame = mof_weekly.parse(fixture.week_csv())
    assert list(frame.columns) == mof_columns()
    assert list(frame.columns.names) == ["market", "investor", "measure"]
    assert (frame.dtypes == np.float64).all()
    assert frame.index.name == "date"
    assert frame.index.is_monotonic_increasing
    assert len(frame) == 8
    assert (frame.index.day_of_week == 5).all()  # Saturdays


def test_parse__year_crossing_weeks():
    frame = mof_weekly.parse(fixture.week_csv())
    assert pd.Timestamp("2021-01-02") in frame.index  # 2020．12．27～1．2, year rolled
    assert pd.Timestamp("2026-01-03") in frame.index  # 2025．12．28～2026．1．3, year printed
    assert value(frame, "2021-01-02", "Foreign:Total") == pytest.approx(-110.0)
    assert value(frame, "2026-01-03", "Foreign:Equity") == pytest.approx(123.5)


def test_parse__rounding_within_tolerance():
    # 2005-01-08 already has ±1 gaps; a subtotal off by 2 is still rounding
    values = list(fixture.OCTOBER_2025[1])
    values[6] += 2  # outward subtotal 8,739 vs 2,511 + 6,226
    values[10] += 2  # keep the total consistent with the subtotal
    frame = mof_weekly.parse(fixture.week_csv(replace_week(fixture.OCTOBER_2025[0], values)))
    assert value(frame, "2025-10-04", "Resident:Total") == pytest.approx(839.4)


@pytest.mark.parametrize(
    "field, change",
    [(14, 10), (3, -3), (18, 5), (22, 3), (7, 9)],
    ids=["inward equity net", "outward equity net", "inward subtotal", "inward total",
         "outward subtotal"],
)
def test_parse__identity_violation_raises(field, change):
    values = list(fixture.OCTOBER_2025[1])
    values[field - 1] += change
    body = fixture.week_csv(replace_week(fixture.OCTOBER_2025[0], values))
    with pytest.raises(LayoutChanged, match="2025．9．28～10．4"):
        mof_weekly.parse(body)


def test_parse__missing_unit_raises():
    body = fixture.week_csv(unit="Unit: 1 million Yen")
    with pytest.raises(LayoutChanged, match="Unit: 100 million Yen"):
        mof_weekly.parse(body)


def test_week_ends__wave_dash_variants():
    labels = [
        "2025．9．28～10．4",  # U+FF5E, what cp932 decodes 0x8160 to
        "2025．9．28〜10．4",  # U+301C, what Shift_JIS decoders give
        "2025.9.28~10.4",
        "2025 . 9 . 28 ～ 2025 . 10 . 4",
        "２０２５．９．２８～１０．４",
    ]
    assert list(mof_weekly.week_ends(labels)) == [pd.Timestamp("2025-10-04")] * 5


def test_week_ends__spaces_and_year_roll():
    ends = mof_weekly.week_ends(["2005．1．2～ 1．8", "2020．12．27～1．2", "2025．12．28～2026．1．3"])
    assert list(ends) == [pd.Timestamp(d) for d in ("2005-01-08", "2021-01-02", "2026-01-03")]
    assert ends.name == "date"


@pytest.mark.parametrize("label", ["2025．9．29～10．5", "2025．9．28～10．5", "2025．9．28～10．3"])
def test_week_ends__not_sunday_to_saturday_raises(label):
    with pytest.raises(LayoutChanged, match="week"):
        mof_weekly.week_ends([label])


def test_parse__ascii_period_labels():
    weeks = [("2005.1.2~1.8", fixture.FIRST_2005[1])]
    frame = mof_weekly.parse(fixture.week_csv(weeks))
    assert list(frame.index) == [pd.Timestamp("2005-01-08")]


def test_parse__not_a_week_raises():
    weeks = [fixture.FIRST_2005, ("2005．1．10～1．16", fixture.SECOND_2005[1])]
    with pytest.raises(LayoutChanged, match="2005．1．10～1．16"):
        mof_weekly.parse(fixture.week_csv(weeks))


def test_parse__footnotes_with_fullwidth_minus():
    body = fixture.week_csv()
    trailer = body[body.index("Note 1".encode()) - 400 :]
    assert b"\x81\x7c" in trailer  # the full-width minus as MOF's CP932 encodes it
    assert body.endswith(b"\r\n")
    frame = mof_weekly.parse(body)
    assert frame.index[-1] == pd.Timestamp("2026-09-12")


def test_parse__without_trailer():
    frame = mof_weekly.parse(fixture.week_csv(trailer=False))
    assert len(frame) == 8


def test_parse__first_week_found_by_content():
    records = fixture.header_records()
    records.insert(13, ["追加の注記\nExtra note"] + [""] * 22)
    records += [fixture.week_record(*week) for week in fixture.WEEKS[:2]]
    frame = mof_weekly.parse(fixture.write(records))
    assert list(frame.index) == [pd.Timestamp("2005-01-08"), pd.Timestamp("2005-01-15")]


def test_parse__text_after_weeks_raises():
    records = fixture.header_records() + [fixture.week_record(*fixture.FIRST_2005)]
    records.append(["合計 Total"] + [fixture.number(1)] * 22)
    with pytest.raises(LayoutChanged, match="after week"):
        mof_weekly.parse(fixture.write(records))


def test_parse__weeks_after_blank_record_raise():
    records = fixture.header_records() + [fixture.week_record(*fixture.FIRST_2005)]
    records += [[""] * 23, fixture.week_record(*fixture.SECOND_2005)]
    with pytest.raises(LayoutChanged, match="trailer"):
        mof_weekly.parse(fixture.write(records))


def test_parse__wrong_field_count_raises():
    records = fixture.header_records() + [fixture.week_record(*fixture.FIRST_2005)[:-1]]
    with pytest.raises(LayoutChanged, match="23 fields"):
        mof_weekly.parse(fixture.write(records))


def test_parse__non_numeric_cell_raises():
    records = fixture.header_records() + [fixture.week_record(*fixture.FIRST_2005)]
    records[-1][5] = "n.a. "
    with pytest.raises(LayoutChanged, match="n.a."):
        mof_weekly.parse(fixture.write(records))


@pytest.mark.parametrize(
    "body, match",
    [
        (b"<!DOCTYPE html><html>Not Found</html>", "HTML"),
        (b"\x81\x7f\xff\xfe,,,\r\n", "CP932"),
        (fixture.write(fixture.header_records()), "no week"),
    ],
    ids=["html", "not cp932", "no weeks"],
)
def test_parse__not_the_file_raises(body, match):
    with pytest.raises(LayoutChanged, match=match) as error:
        mof_weekly.parse(body)
    assert str(error.value).startswith("MOF week.csv")


def test_parse__error_messages_fit_a_cell():
    values = list(fixture.NEW_YEAR_2026[1])
    values[13] += 5
    body = fixture.week_csv(replace_week(fixture.NEW_YEAR_2026[0], values))
    with pytest.raises(LayoutChanged) as error:
        mof_weekly.parse(body)
    assert len("#N/A " + str(error.value)) <= 80


def test_final_update__header_note():
    assert mof_weekly.final_update(fixture.week_csv()) == "Final Update September 17 , 2026"


def test_final_update__absent():
    assert mof_weekly.final_update(fixture.week_csv(final_update="")) is None


def test_download__fetches_week_csv_checked():
    get = FakeGet(fixture.week_csv())
    raw = mof_weekly.download("", get)
    assert raw == get.answers
    assert [(call.url, call.expire) for call in get.calls] == [
        (
            "https://www.mof.go.jp/policy/international_policy/reference/"
            "itn_transactions_in_securities/week.csv",
            datetime.timedelta(hours=6),
        )
    ]
    assert all(call.check is not None for call in get.calls)
    assert len(get.checked) == 8
    assert len(mof_weekly.parse(raw)) == 8


def test_download__check_rejects_bad_file():
    get = FakeGet(fixture.week_csv(unit=""))
    with pytest.raises(LayoutChanged):
        mof_weekly.download("", get)
    assert all(call.check is not None for call in get.calls)


def test_module__contract_names():
    assert mof_weekly.NAME == "MOF weekly"
    assert mof_weekly.URL.startswith("https://www.mof.go.jp/")


# Real publisher bytes -----------------------------------------------------------------------

EXCERPT = ("mof_weekly", "excerpt", "week_excerpt_2026-09-17.csv")


@pytest.fixture(scope="module")
def excerpt(realdata) -> bytes:
    return realdata.joinpath(*EXCERPT).read_bytes()


def test_real_excerpt__known_weeks(excerpt):
    frame = mof_weekly.parse(excerpt)
    # realdata/README.md §10, in 100 million yen: the frame holds JPY billions (/10).
    assert value(frame, "2026-09-12", "Foreign:Equity") == pytest.approx(-1522.8)
    assert value(frame, "2026-09-12", "Foreign:Total") == pytest.approx(-499.5)
    assert value(frame, "2026-09-12", "Resident:Total") == pytest.approx(1402.9)
    assert value(frame, "2026-01-03", "Resident:Total") == pytest.approx(28.4)
    assert value(frame, "2005-01-08", "Foreign:Equity") == pytest.approx(227.8)


def test_real_excerpt__weeks_header_and_trailer(excerpt):
    frame = mof_weekly.parse(excerpt)
    # Three weeks of 2005 and seven of 2025-26 are kept; each ends on a Saturday.
    assert len(frame) == 10 and (frame.index.day_of_week == 5).all()
    assert frame.index[0] == pd.Timestamp("2005-01-08")
    assert frame.index[-1] == pd.Timestamp("2026-09-12")
    assert mof_weekly.final_update(excerpt).startswith("Final Update")


def test_real_excerpt__lf_endings_read_the_same(excerpt):
    pd.testing.assert_frame_equal(mof_weekly.parse(excerpt.replace(b"\r\n", b"\n")),
                                  mof_weekly.parse(excerpt))

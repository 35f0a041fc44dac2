"""Article-check's verdicts, and the template's guards, evaluated on the real publisher files."""

from __future__ import annotations

import pytest

from workbook import claims, evaluate, layout, model

EXCEL_ERRORS = ("#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!")


@pytest.fixture(scope="module")
def values(real_engine):
    """Every value of the template, computed on the real files served locally."""
    return evaluate.evaluate()[0]


def row(text: str) -> int:
    return 4 + next(i for i, claim in enumerate(claims.CLAIMS) if text in claim.text)


def cell(values, column: str, text: str):
    return values[("Article-check", f"{column}{row(text)}")]


def test_verdict__the_balance_of_payments_sum_was_no_decade_high_on_the_notes_date(values):
    rank = cell(values, "C", "balance of payments")
    assert isinstance(rank, int) and rank > 1  # 29th of 120 twelve-month sums in the files
    assert cell(values, "G", "balance of payments") == "fails"


def test_verdict__claims_that_hold_and_fail_then_and_now(values):
    assert cell(values, "G", "34.2%") == "holds"  # 34.2% on the note's date
    assert cell(values, "H", "34.2%") == "fails"  # TOPIX has gone far past it since
    assert cell(values, "G", "at a record") == "holds"
    assert cell(values, "G", "140-160") == "holds"  # low 140.66
    assert cell(values, "G", "highest USDJPY") == "fails"  # high 161.73 in July 2024
    assert cell(values, "G", "BOJ has hiked") == "holds"


def test_verdict__a_failed_source_cannot_be_checked_and_says_why(values):
    assert cell(values, "C", "retail investors").startswith("#N/A JPX")
    verdict = cell(values, "G", "retail investors")
    assert verdict.startswith("cannot check: JPX") and "JPFLOWS_MIRROR" not in verdict
    assert cell(values, "G", "net international investment") == "cannot check: no series"


def test_verdict__arithmetic_on_a_failure_keeps_the_failure_text(values):
    assert cell(values, "C", "Companies bought more").startswith("#N/A JPX")
    assert cell(values, "H", "Companies bought more").startswith("cannot check: JPX")


def test_template__no_excel_error_anywhere_on_real_files(values):
    errors = {key: value for key, value in values.items()
              if isinstance(value, str) and value.startswith(EXCEL_ERRORS)}
    assert errors == {}


def test_dashboard__lists_each_reason_once_below_the_headlines(values):
    reasons = [values.get(("Dashboard", f"A{r}")) for r in range(25, 25 + 12)]
    listed = [text for text in reasons if text]
    assert values[("Dashboard", "A24")].startswith("Shown as #N/A")
    assert len(listed) == len(set(listed)) >= 2  # JPX and MOF weekly: no real files served
    assert all(text.startswith("#N/A ") for text in listed)


def test_dashboard__chart_titles_say_unit_and_months(values):
    title = values[("Dashboard", layout.title_cell("topix"))]
    assert title.startswith("TOPIX, points") and title.endswith(" 2026") and "Jan 2024 to " in title


def test_every_claim_with_a_series_states_its_test():
    for claim in claims.CLAIMS:
        assert (claim.then is None) == (claim.low is None and claim.high is None), claim.text


@pytest.mark.parametrize("value, low, high, expected", [
    (1, 1, 1, "holds"), (29, 1, 1, "fails"), (True, 1, 1, "holds"), (False, 1, 1, "fails"),
    (0.342, 0.33, 0.35, "holds"), (0.36, 0.33, 0.35, "fails"), (5.0, 0, "", "holds"),
    (-1.0, "", 0, "holds"), (161.73, "", 160, "fails"),
    ("#N/A FRED timed out; check network", 1, 1, "cannot check: FRED timed out"),
    ("no series", "", "", "cannot check: no series"),
])
def test_verdict__formula(value, low, high, expected):
    cells = (model.Cell("A1", value), model.Cell("B1", low), model.Cell("C1", high),
             model.Cell("D1", claims.verdict("A1", "B1", "C1")))
    computed, _ = evaluate.evaluate([model.Sheet("S", cells)])
    assert computed[("S", "D1")] == expected

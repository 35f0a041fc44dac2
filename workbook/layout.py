"""What the template holds, as plain data: sheets, cells, formulas, charts, buttons, names.

The builder writes this with XlsxWriter, the snapshot re-uses it for charts, and the tests evaluate
its formulas. A formula is a text starting with ``=``; a cell with ``spill=True`` holds a table
that spills (a dynamic array). Dates are ISO texts, written as real dates by the builder.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbook.claims import article_check
from workbook.model import (Cell, Chart, Series, Sheet, block, column_letters,  # noqa: F401
                            why_missing)
from workbook.sheets import TENORS, flows, hedging, rally  # noqa: F401  (layout.TENORS)

ENTRY_MODULE = "jpflows_template"
# Button caption -> the VBA macro it runs (workbook/jpflows.bas) -> the entry module's function.
BUTTONS = {"Refresh": ("JpflowsRefresh", "refresh_button"),
           "Snapshot": ("JpflowsSnapshot", "snapshot_button")}
CHART_ROWS = 420  # rows reserved under each charted table: 8 years of weeks, 35 of months


@dataclass(frozen=True)
class Button:
    ref: str
    caption: str

    @property
    def macro(self) -> str:
        return BUTTONS[self.caption][0]


# A value cell holding a failure text prints "#N/A" (the text section of its number format), so
# an 80-character reason never runs over its neighbours; each sheet lists the reasons below.
FAILED = '"#N/A"'


def _number(pattern: str) -> dict:
    """A number format for values: positive; negative; zero; and a failure text as #N/A."""
    padded = f"{pattern}_)"  # a space's width before the next column's text
    return {"num_format": f"{padded};-{padded};{padded};{FAILED}_)", "align": "right",
            "valign": "top"}


STYLES = {
    "title": {"bold": True, "font_size": 14},
    "head": {"bold": True, "bottom": 1},
    "note": {"italic": True, "font_color": "#595959"},
    "date": {"num_format": "yyyy-mm-dd", "align": "left", "indent": 1},
    "table": {"num_format": "yyyy-mm-dd", "align": "left", "text_wrap": True, "valign": "top"},
    "url": {"font_size": 8, "text_wrap": True, "valign": "top"},
    "input": {"bg_color": "#FFF2CC", "border": 1},
    "input_date": {"bg_color": "#FFF2CC", "border": 1, "num_format": "yyyy-mm-dd",
                   "align": "left"},
    "num": _number("#,##0.0"),
    "num2": _number("#,##0.00"),
    "num3": _number("0.000"),
    "pct": _number("0.0%"),
    "int": _number("0"),
    "bool": {**_number("0"), "num_format": f'"TRUE"_);"TRUE"_);"FALSE"_);{FAILED}_)'},
    "unit": {"italic": True, "font_color": "#595959", "indent": 1},
    "wrap": {"text_wrap": True, "valign": "top"},
    "formula_text": {"font_name": "Consolas", "font_size": 9, "text_wrap": True, "valign": "top"},
    "reason": {"font_color": "#C00000", "font_size": 9},
    "note_wrap": {"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"},
    "head_wrap": {"bold": True, "bottom": 1, "text_wrap": True, "valign": "bottom"},
    "verdict": {"text_wrap": True, "valign": "top", "bold": True, "indent": 1},
}

# Workbook-level names for the Settings inputs; every formula refers to these.
NAMES = {
    "NoteDate": "=Settings!$B$4",
    "NoteYearStart": "=Settings!$B$5",
    "AsOf": "=Settings!$B$6",
    "EndDate": "=Settings!$B$7",
    "YearStart": "=Settings!$B$8",
    "HedgeDays": "=Settings!$B$9",
    "BasisBp": "=Settings!$B$10",
    "ChartStart": "=Settings!$B$11",
}


def _settings() -> Sheet:
    rows = [
        ("Note date", "2025-08-26", "The seed note's date: Article-check's middle column"),
        ("Note year start", "=DATE(YEAR(NoteDate),1,1)", "Start of the note's year (year to date)"),
        ("As of", None, "Blank = latest available; or type a date"),
        ("End date", "=IF(ISBLANK(AsOf),TODAY(),AsOf)", "As of, or today when As of is blank"),
        ("Year start", "=DATE(YEAR(EndDate),1,1)", "Start of the year to date"),
        ("Hedge days", 90, "FX hedge tenor in days, rolled"),
        ("Basis (bp)", 0, "USDJPY cross-currency basis added to the yen leg (no public series)"),
        ("Chart start", "2024-01-01", "First date of the Dashboard charts"),
    ]
    styles = [("input_date" if i in (0, 2, 7) else "date" if i in (1, 3, 4) else "input")
              for i in range(len(rows))]
    cells = [Cell("A1", "Settings", "title"),
             Cell("A2", "Yellow cells are inputs; formulas refer to them by name "
                        "(NoteDate, AsOf, YearStart, HedgeDays, BasisBp ...).", "note"),
             Cell("A3", "Setting", "head"), Cell("B3", "Value", "head"), Cell("C3", "Meaning", "head"),
             Cell("D3", "Name", "head")]
    for i, (label, value, meaning) in enumerate(rows):
        r = 4 + i
        cells += [Cell(f"A{r}", label), Cell(f"C{r}", meaning, "note"),
                  Cell(f"D{r}", list(NAMES)[i], "note")]
        cells.append(Cell(f"B{r}", value if value is not None else "", styles[i]))
    return Sheet("Settings", tuple(cells), {"A": 16, "B": 14, "C": 70, "D": 14})


HEADLINES = [
    ("Foreigners' net buying of Japanese stocks, year to date (JPX)",
     '=JP_FLOW_SUM("JPX:Foreigners",YearStart,AsOf)', "JPY bn", "num"),
    ("Foreigners: 52-week sum, rank in 10 years (1 = highest)",
     '=JP_FLOW_RANK("JPX:Foreigners",AsOf)', "rank", "int"),
    ("Non-residents' equity buying, year to date (MOF weekly)",
     '=JP_FLOW_SUM("MOF:Foreign:Equity",YearStart,AsOf)', "JPY bn", "num"),
    ("Non-residents: 52-week sum, rank in 10 years (1 = highest)",
     '=JP_FLOW_RANK("MOF:Foreign:Equity",AsOf)', "rank", "int"),
    ("Individuals' net buying, year to date (JPX, in dollars)",
     '=JP_FLOW_SUM("JPX:Individuals",YearStart,AsOf,"","USD")', "USD bn", "num"),
    ("TOPIX", '=JP_VALUE("TOPIX",AsOf)', "points", "num"),
    ("TOPIX rally from its 1-year low", '=JP_RALLY("TOPIX","","",AsOf)', "", "pct"),
    ("Nikkei 225 rally from its 1-year low", '=JP_RALLY("NIKKEI225","","",AsOf)', "", "pct"),
    ("JGB 30Y yield", '=JP_VALUE("JGB30Y",AsOf)', "%", "num3"),
    ("JGB 30Y at a record high", '=JP_IS_RECORD("JGB30Y",AsOf)', "TRUE/FALSE", "bool"),
    ("UST 5Y yield", '=JP_VALUE("UST5Y",AsOf)', "%", "num3"),
    ("JGB 5Y yield", '=JP_VALUE("JGB5Y",AsOf)', "%", "num3"),
    ("SOFR", '=JP_VALUE("SOFR",AsOf)', "%", "num3"),
    ("TONA", '=JP_VALUE("TONA",AsOf)', "%", "num3"),
    ("JGB 5Y hedged into dollars", "=JP_HEDGED_YIELD(B16,B18,B17,HedgeDays,BasisBp)", "%", "num3"),
    ("Hedged JGB 5Y minus UST 5Y", '=JP_HEDGED_SPREAD("JGB5Y","UST5Y",AsOf,HedgeDays,BasisBp)',
     "pp", "num3"),
    ("USDJPY", '=JP_VALUE("USDJPY",AsOf)', "yen", "num2"),
]


# Tables behind the Dashboard charts, right of the charts: name -> (formula, value style).
# Each spills two columns (date, value) and is followed by one spare column.
TABLE_START = 23  # column W
DASHBOARD_TABLES = {
    "flows": ('=JP_FLOWS("BOP:Foreign:Equity",ChartStart,AsOf)', "num"),
    "topix": ('=JP_SERIES("TOPIX",ChartStart,AsOf,1)', "num2"),
    "jgb30": ('=JP_SERIES("JGB30Y","1999-09-01",AsOf,2)', "num3"),
    "ust5": ('=JP_SERIES("UST5Y",ChartStart,AsOf,2)', "num3"),
    "jgb5": ('=JP_SERIES("JGB5Y",ChartStart,AsOf,2)', "num3"),
    "hedged": ('=JP_HEDGED_SERIES("JGB5Y","USD",ChartStart,AsOf,2,HedgeDays,BasisBp)', "num3"),
}
# name -> (date column, value column); "cumulative" is a helper column.
COLUMNS = {name: (column_letters(TABLE_START + 3 * i), column_letters(TABLE_START + 3 * i + 1))
           for i, name in enumerate(DASHBOARD_TABLES)}
CUMULATIVE = column_letters(TABLE_START + 2)  # the spare column beside the flows table


def _span(column: str, first: int = 6) -> str:
    return f"{column}{first}:{column}{first + CHART_ROWS - 1}"


def _chart_tables() -> list[Cell]:
    cells = []
    for name, (formula, _) in DASHBOARD_TABLES.items():
        cells.append(Cell(f"{COLUMNS[name][0]}5", formula, "date", spill=True))
    value, total = COLUMNS["flows"][1], CUMULATIVE
    cells += [Cell(f"{total}5", "Cumulative", "head"),
              Cell(f"{total}6", f"=IF(ISNUMBER({value}6),{value}6,NA())", "num")]
    cells += [Cell(f"{total}{r}", f"=IF(ISNUMBER({value}{r}),{total}{r - 1}+{value}{r},NA())", "num")
              for r in range(7, 6 + CHART_ROWS)]
    return cells


# Chart titles: name of the table whose dates the title gives -> the words before the dates.
CHART_TITLES = {
    "flows": "Non-residents' net buying of Japanese equities, cumulative, JPY bn "
             "(MOF balance of payments, monthly)",
    "ust5": "UST 5Y vs JGB 5Y hedged into dollars, % (monthly)",
    "topix": "TOPIX, points (weekly closes)",
    "jgb30": "JGB 30Y yield, % (monthly)",
}


def title_cell(table: str) -> str:
    """The cell holding a chart's title: above its table, so the title can say its dates."""
    return f"{COLUMNS[table][0]}3"


def _titles() -> list[Cell]:
    """Each chart's title with the first and last month its table holds."""
    cells = []
    for table, words in CHART_TITLES.items():
        dates = _span(COLUMNS[table][0])
        period = (f'IF(COUNT({dates})=0,"no data",TEXT(MIN({dates}),"mmm yyyy")&" to "'
                  f'&TEXT(MAX({dates}),"mmm yyyy"))')
        cells.append(Cell(title_cell(table), f'="{words}, "&{period}', "note"))
    return cells


def _charts() -> tuple[Chart, ...]:
    def line(name: str, table: str, values: str | None = None) -> Series:
        dates, own = COLUMNS[table]
        return Series(name, _span(dates), _span(values or own))

    def chart(anchor: str, table: str, unit: str, lines: tuple, y_format: str = "0.0") -> Chart:
        return Chart(anchor, CHART_TITLES[table], unit, lines, y_format, title_cell(table))

    return (
        chart("E4", "flows", "JPY bn", (line("Cumulative", "flows", CUMULATIVE),), "#,##0"),
        chart("M4", "ust5", "%", (line("UST 5Y", "ust5"), line("JGB 5Y hedged into USD", "hedged"),
                                  line("JGB 5Y", "jgb5"))),
        chart("E21", "topix", "points", (line("TOPIX", "topix"),), "#,##0"),
        chart("M21", "jgb30", "%", (line("JGB 30Y", "jgb30"),)),
    )


def _dashboard() -> Sheet:
    cells = [Cell("A1", "Japan's cross-border money", "title"),
             Cell("A2", "As of"),
             Cell("B2", '=IF(ISBLANK(AsOf),"latest, computed "&TEXT(EndDate,"yyyy-mm-dd"),AsOf)',
                  "date"),
             Cell("A4", "Headline", "head"), Cell("B4", "Value", "head"), Cell("C4", "Unit", "head")]
    for r, (label, formula, unit, style) in enumerate(HEADLINES, start=5):
        cells += [Cell(f"A{r}", label), Cell(f"B{r}", formula, style),
                  Cell(f"C{r}", unit, "unit")]
    cells.append(Cell("A22", f"Tables behind the charts start in column {COLUMNS['flows'][0]} "
                             "(spilled arrays).", "note"))
    cells += why_missing("A24", f"B5:B{4 + len(HEADLINES)}", 12) + _chart_tables() + _titles()
    widths = {"A": 50, "B": 11, "C": 10, **{dates: 11 for dates, _ in COLUMNS.values()}}
    formats = {**{dates: "date" for dates, _ in COLUMNS.values()},
               **{COLUMNS[name][1]: style for name, (_, style) in DASHBOARD_TABLES.items()},
               CUMULATIVE: "num"}
    return Sheet("Dashboard", tuple(cells), widths, _charts(),
                 (Button("E1", "Refresh"), Button("G1", "Snapshot")), formats,
                 f"A1:{column_letters(TABLE_START - 2)}38")


def conf_rows(module: str = ENTRY_MODULE,
              interpreter: tuple[str, str] | None = None) -> list[tuple[str, object]]:
    """The workbook's xlwings settings (key, value).

    Args:
        module: The entry module ("UDF Modules").
        interpreter: (``Interpreter_Win`` or ``Interpreter_Mac``, path) for a workbook made on
            one machine; the template names none, so xlwings falls back to the user's conf.
    """
    rows = [("UDF Modules", module), ("Debug UDFs", False), ("Use UDF Server", False),
            ("Show Console", False)]
    return rows + [interpreter] if interpreter else rows


def _conf(module: str, interpreter: tuple[str, str] | None) -> Sheet:
    return Sheet("xlwings.conf", tuple(block(1, conf_rows(module, interpreter), "AB")),
                 {"A": 16, "B": 48})


def sheets(module: str = ENTRY_MODULE,
           interpreter: tuple[str, str] | None = None) -> tuple[Sheet, ...]:
    """Every sheet in workbook order; ``module`` is the entry module named after the workbook."""
    return (_dashboard(), flows(), rally(), hedging(), article_check(), _settings(),
            _conf(module, interpreter))

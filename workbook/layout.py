"""What the template holds, as plain data: sheets, cells, formulas, charts, buttons, names.

The builder writes this with XlsxWriter, the snapshot re-uses it for charts, and the tests evaluate
its formulas. A formula is a text starting with ``=``; a cell with ``spill=True`` holds a table
that spills (a dynamic array). Dates are ISO texts, written as real dates by the builder.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ENTRY_MODULE = "jpflows_template"
# Button caption -> the VBA macro it runs (workbook/jpflows.bas) -> the entry module's function.
BUTTONS = {"Refresh": ("JpflowsRefresh", "refresh_button"),
           "Snapshot": ("JpflowsSnapshot", "snapshot_button")}
CHART_ROWS = 420  # rows reserved under each charted table: 8 years of weeks, 35 of months


@dataclass(frozen=True)
class Cell:
    ref: str
    content: object
    style: str | None = None
    spill: bool = False


@dataclass(frozen=True)
class Series:
    name: str
    x: str
    y: str


@dataclass(frozen=True)
class Chart:
    anchor: str
    title: str
    y_title: str
    series: tuple[Series, ...]
    y_format: str = "0.0"


@dataclass(frozen=True)
class Button:
    ref: str
    caption: str

    @property
    def macro(self) -> str:
        return BUTTONS[self.caption][0]


@dataclass(frozen=True)
class Sheet:
    name: str
    cells: tuple[Cell, ...]
    widths: dict[str, float] = field(default_factory=dict)
    charts: tuple[Chart, ...] = ()
    buttons: tuple[Button, ...] = ()
    formats: dict[str, str] = field(default_factory=dict)  # column -> style, for spilled cells
    print_area: str = ""  # what one printed (or rendered) page shows


STYLES = {
    "title": {"bold": True, "font_size": 14},
    "head": {"bold": True, "bottom": 1},
    "note": {"italic": True, "font_color": "#595959"},
    "date": {"num_format": "yyyy-mm-dd", "align": "left"},
    "input": {"bg_color": "#FFF2CC", "border": 1},
    "input_date": {"bg_color": "#FFF2CC", "border": 1, "num_format": "yyyy-mm-dd",
                   "align": "left"},
    "num": {"num_format": "#,##0.0"},
    "num3": {"num_format": "0.000"},
    "pct": {"num_format": "0.0%"},
    "int": {"num_format": "0"},
    "bool": {"num_format": '"TRUE";"TRUE";"FALSE"', "align": "right"},
    "wrap": {"text_wrap": True, "valign": "top"},
    "formula_text": {"font_name": "Consolas", "font_size": 9, "text_wrap": True, "valign": "top"},
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


def block(first_row: int, rows: list[tuple], columns: str, styles: tuple = ()) -> list[Cell]:
    """Cells for a block of rows; ``None`` leaves a cell empty."""
    cells = []
    for r, row in enumerate(rows, start=first_row):
        for c, content in enumerate(row):
            if content is not None:
                style = styles[c] if c < len(styles) else None
                cells.append(Cell(f"{columns[c]}{r}", content, style))
    return cells


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
    ("USDJPY", '=JP_VALUE("USDJPY",AsOf)', "yen", "num"),
]

def column_letters(number: int) -> str:
    """Excel column letters of a 1-based column number (1 -> A, 27 -> AA)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# Tables behind the Dashboard charts, right of the charts: name -> (formula, value style).
# Each spills two columns (date, value) and is followed by one spare column.
TABLE_START = 23  # column W
DASHBOARD_TABLES = {
    "flows": ('=JP_FLOWS("BOP:Foreign:Equity",ChartStart,AsOf)', "num"),
    "topix": ('=JP_SERIES("TOPIX",ChartStart,AsOf,1)', "num"),
    "jgb30": ('=JP_SERIES("JGB30Y","1999-09-01",AsOf,2)', "num3"),
    "ust5": ('=JP_SERIES("UST5Y",ChartStart,AsOf,2)', "num3"),
    "jgb5": ('=JP_SERIES("JGB5Y",ChartStart,AsOf,2)', "num3"),
    "sofr": ('=JP_SERIES("SOFR",ChartStart,AsOf,2)', "num3"),
    "tona": ('=JP_SERIES("TONA",ChartStart,AsOf,2)', "num3"),
}
# name -> (date column, value column); "cumulative" and "hedged" are helper columns.
COLUMNS = {name: (column_letters(TABLE_START + 3 * i), column_letters(TABLE_START + 3 * i + 1))
           for i, name in enumerate(DASHBOARD_TABLES)}
CUMULATIVE = column_letters(TABLE_START + 2)  # the spare column beside the flows table
HEDGED = column_letters(TABLE_START + 3 * len(DASHBOARD_TABLES))


def _span(column: str, first: int = 6) -> str:
    return f"{column}{first}:{column}{first + CHART_ROWS - 1}"


def _hedged_row(r: int) -> str:
    """USD-hedged JGB 5Y for one month: JGB + ((1 + SOFR d/360) / (1 + (TONA + b) d/365) - 1) 360/d."""
    (jd, jv), (sd, sv), (_, tv) = COLUMNS["jgb5"], COLUMNS["sofr"], COLUMNS["tona"]
    same_month = f"YEAR({jd}{r})*12+MONTH({jd}{r})=YEAR({sd}{r})*12+MONTH({sd}{r})"
    pickup = (f"((1+{sv}{r}/100*HedgeDays/360)/(1+({tv}{r}+BasisBp/100)/100*HedgeDays/365)-1)"
              f"*360/HedgeDays*100")
    return (f"=IF(AND(ISNUMBER({jv}{r}),ISNUMBER({sv}{r}),ISNUMBER({tv}{r}),{same_month}),"
            f"{jv}{r}+{pickup},NA())")


def _chart_tables() -> list[Cell]:
    cells = []
    for name, (formula, _) in DASHBOARD_TABLES.items():
        cells.append(Cell(f"{COLUMNS[name][0]}5", formula, "date", spill=True))
    value, total = COLUMNS["flows"][1], CUMULATIVE
    cells += [Cell(f"{total}5", "Cumulative", "head"),
              Cell(f"{total}6", f"=IF(ISNUMBER({value}6),{value}6,NA())", "num"),
              Cell(f"{HEDGED}5", "JGB5Y hedged", "head")]
    cells += [Cell(f"{total}{r}", f"=IF(ISNUMBER({value}{r}),{total}{r - 1}+{value}{r},NA())", "num")
              for r in range(7, 6 + CHART_ROWS)]
    cells += [Cell(f"{HEDGED}{r}", _hedged_row(r), "num3") for r in range(6, 6 + CHART_ROWS)]
    return cells


def _charts() -> tuple[Chart, ...]:
    def line(name: str, table: str, values: str | None = None) -> Series:
        dates, own = COLUMNS[table]
        return Series(name, _span(dates), _span(values or own))

    return (
        Chart("E4", "Foreigners' cumulative net buying of Japanese equities (MOF, monthly)", "JPY bn",
              (line("Cumulative", "flows", CUMULATIVE),), "#,##0"),
        Chart("M4", "UST 5Y vs JGB 5Y hedged into dollars (monthly)", "%",
              (line("UST 5Y", "ust5"), line("JGB 5Y hedged into USD", "jgb5", HEDGED),
               line("JGB 5Y", "jgb5"))),
        Chart("E21", "TOPIX (weekly)", "points", (line("TOPIX", "topix"),), "#,##0"),
        Chart("M21", "JGB 30Y yield (monthly)", "%", (line("JGB 30Y", "jgb30"),)),
    )


def _dashboard() -> Sheet:
    cells = [Cell("A1", "Japan's cross-border money", "title"),
             Cell("A2", "As of"), Cell("B2", '=IF(ISBLANK(AsOf),"latest",AsOf)', "date"),
             Cell("A4", "Headline", "head"), Cell("B4", "Value", "head"), Cell("C4", "Unit", "head")]
    for r, (label, formula, unit, style) in enumerate(HEADLINES, start=5):
        cells += [Cell(f"A{r}", label), Cell(f"B{r}", formula, style),
                  Cell(f"C{r}", unit, "note")]
    cells.append(Cell("A23", f"Tables behind the charts start in column {COLUMNS['flows'][0]} "
                             "(spilled arrays).", "note"))
    cells += _chart_tables()
    widths = {"A": 50, "B": 11, "C": 10, **{dates: 11 for dates, _ in COLUMNS.values()}}
    formats = {**{dates: "date" for dates, _ in COLUMNS.values()},
               **{COLUMNS[name][1]: style for name, (_, style) in DASHBOARD_TABLES.items()},
               CUMULATIVE: "num", HEDGED: "num3"}
    return Sheet("Dashboard", tuple(cells), widths, _charts(),
                 (Button("E1", "Refresh"), Button("G1", "Snapshot")), formats,
                 f"A1:{column_letters(TABLE_START - 2)}38")


FLOW_IDS = ("JPX:Foreigners", "JPX:Individuals", "JPX:BusinessCos", "JPX:TrustBanks",
            "MOF:Foreign:Equity", "MOF:Foreign:LongTermDebt", "MOF:Resident:Equity",
            "BOP:Foreign:Equity")


def _flows() -> Sheet:
    cells = [Cell("A1", "Flows: who bought and sold (billions of yen; + = net buying)", "title"),
             *block(3, [("Investor", "Latest period", "Year to date", "Rank in 10 years")],
                    "ABCD", ("head",) * 4)]
    for r, flow_id in enumerate(FLOW_IDS, start=4):
        cells += block(r, [(flow_id, f'=JP_FLOW("{flow_id}",AsOf)',
                            f'=JP_FLOW_SUM("{flow_id}",YearStart,AsOf)',
                            f'=JP_FLOW_RANK("{flow_id}",AsOf)')], "ABCD", (None, "num", "num", "int"))
    cells.append(Cell("A14", "Weekly tables since the start of the year (spilled arrays)", "head"))
    for column, flow_id in zip(("A", "D", "G"), FLOW_IDS[:2] + ("MOF:Foreign:Equity",)):
        cells.append(Cell(f"{column}15", f'=JP_FLOWS("{flow_id}",YearStart,AsOf)', "date", spill=True))
    return Sheet("Flows", tuple(cells), {"A": 26, "B": 13, "C": 13, "D": 16, "E": 13, "G": 13, "H": 13},
                 formats={"A": "date", "D": "date", "G": "date", "B": "num", "E": "num", "H": "num"})


RALLY_IDS = ("TOPIX", "NIKKEI225", "JGB30Y", "UST10Y")


def _rally() -> Sheet:
    head = ("Series", "Level", "1-year low: date", "1-year low", "Rally from low",
            "Drawdown from 1-year high", "At a record")
    cells = [Cell("A1", "Rally from the low, drawdown and records", "title"),
             *block(3, [head], "ABCDEFG", ("head",) * 7)]
    for r, sid in enumerate(RALLY_IDS, start=4):
        cells += [Cell(f"A{r}", sid), Cell(f"B{r}", f'=JP_VALUE("{sid}",AsOf)', "num"),
                  Cell(f"C{r}", f'=JP_LOW("{sid}",EDATE(EndDate,-12),EndDate)', "date", spill=True),
                  Cell(f"E{r}", f'=JP_RALLY("{sid}","","",AsOf)', "pct"),
                  Cell(f"F{r}", f'=JP_DRAWDOWN("{sid}",EDATE(EndDate,-12),AsOf)', "pct"),
                  Cell(f"G{r}", f'=JP_IS_RECORD("{sid}",AsOf)', "bool")]
    cells += block(9, [("TOPIX rally from its April 2025 low",
                        '=JP_RALLY("TOPIX","2025-04-01","2025-04-30",AsOf)'),
                       ("TOPIX against Nikkei 225 since 2025-04-07",
                        '=JP_RELATIVE("TOPIX","NIKKEI225","2025-04-07",AsOf)')], "AB", (None, "pct"))
    cells.append(Cell("D9", "Rates: a rally is a ratio; use JP_CHANGE for points", "note"))
    return Sheet("Rally", tuple(cells), {"A": 38, "B": 12, "C": 16, "D": 12, "E": 14, "F": 24, "G": 11},
                 formats={"C": "date", "D": "num"})


TENORS = ("2Y", "5Y", "10Y", "30Y")


def _hedging() -> Sheet:
    cells = [Cell("A1", "FX-hedged yields (covered interest parity; SOFR and TONA legs)", "title"),
             *block(3, [("Hedge cost for a yen investor (USD assets), %",
                         '=JP_HEDGE_COST("JPY",AsOf,HedgeDays,BasisBp)'),
                        ("Hedge cost for a dollar investor (JPY assets), % (negative = pickup)",
                         '=JP_HEDGE_COST("USD",AsOf,HedgeDays,BasisBp)')], "AB", (None, "num3")),
             *block(6, [("Tenor", "UST", "JGB", "JGB hedged to USD minus UST",
                         "UST hedged to JPY minus JGB")], "ABCDE", ("head",) * 5)]
    for r, tenor in enumerate(TENORS, start=7):
        cells += block(r, [(tenor, f'=JP_VALUE("UST{tenor}",AsOf)', f'=JP_VALUE("JGB{tenor}",AsOf)',
                            f'=JP_HEDGED_SPREAD("JGB{tenor}","UST{tenor}",AsOf,HedgeDays,BasisBp)',
                            f'=JP_HEDGED_SPREAD("UST{tenor}","JGB{tenor}",AsOf,HedgeDays,BasisBp)')],
                       "ABCDE", (None, "num3", "num3", "num3", "num3"))
    cells += block(12, [("Worked example: JGB 1.13% hedged into USD with SOFR 4.30, TONA 0.48",
                         "=JP_HEDGED_YIELD(1.13,0.48,4.30,90,0)")], "AB", (None, "num3"))
    cells.append(Cell("A13", "Hedge days and basis come from Settings; the basis has no public "
                             "series, so it is an input.", "note"))
    return Sheet("Hedging", tuple(cells), {"A": 62, "B": 12, "C": 12, "D": 28, "E": 28})


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
    from workbook.claims import article_check

    return (_dashboard(), _flows(), _rally(), _hedging(), article_check(), _settings(),
            _conf(module, interpreter))

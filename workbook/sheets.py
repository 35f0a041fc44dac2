"""The Flows, Rally and Hedging sheets of the template, as plain data (see :mod:`workbook.layout`)."""

from __future__ import annotations

from workbook.model import Cell, Sheet, block, why_missing

FLOW_IDS = ("JPX:Foreigners", "JPX:Individuals", "JPX:BusinessCos", "JPX:TrustBanks",
            "MOF:Foreign:Equity", "MOF:Foreign:LongTermDebt", "MOF:Resident:Equity",
            "BOP:Foreign:Equity")
WEEKLY_ROW = 24  # the weekly tables spill from here; the reasons for #N/A sit above them


def flows() -> Sheet:
    """Latest period, year to date and 10-year rank per investor, then weekly tables."""
    cells = [Cell("A1", "Flows: who bought and sold (billions of yen; + = net buying)", "title"),
             *block(3, [("Investor", "Latest period, JPY bn", "Year to date, JPY bn",
                         "Rank in 10 years")], "ABCD", ("head",) * 4)]
    for r, flow_id in enumerate(FLOW_IDS, start=4):
        cells += block(r, [(flow_id, f'=JP_FLOW("{flow_id}",AsOf)',
                            f'=JP_FLOW_SUM("{flow_id}",YearStart,AsOf)',
                            f'=JP_FLOW_RANK("{flow_id}",AsOf)')], "ABCD", (None, "num", "num", "int"))
    cells += why_missing("A13", f"B4:B{3 + len(FLOW_IDS)}", len(FLOW_IDS))
    cells.append(Cell(f"A{WEEKLY_ROW - 1}", "Weekly tables since the start of the year, JPY bn "
                                            "(spilled arrays)", "head"))
    for column, flow_id in zip(("A", "D", "G"), FLOW_IDS[:2] + ("MOF:Foreign:Equity",)):
        # "table" wraps a failure text inside the anchor instead of running over the next table
        cells.append(Cell(f"{column}{WEEKLY_ROW}", f'=JP_FLOWS("{flow_id}",YearStart,AsOf)', "table",
                          spill=True))
    return Sheet("Flows", tuple(cells),
                 {"A": 26, "B": 20, "C": 20, "D": 16, "E": 13, "G": 13, "H": 13},
                 formats={"A": "date", "D": "date", "G": "date", "B": "num", "E": "num", "H": "num"},
                 portrait=True)


RALLY_IDS = {"TOPIX": "num2", "NIKKEI225": "num2", "JGB30Y": "num3", "UST10Y": "num3"}


def rally() -> Sheet:
    """Level, 1-year low, rally, drawdown and record flag per series."""
    head = ("Series", "Level (points or %)", "1-year low: date", "1-year low", "Rally from low",
            "Drawdown from 1-year high", "At a record")
    cells = [Cell("A1", "Rally from the low, drawdown and records", "title"),
             *block(3, [head], "ABCDEFG", ("head",) * 7)]
    for r, (sid, style) in enumerate(RALLY_IDS.items(), start=4):
        cells += [Cell(f"A{r}", sid), Cell(f"B{r}", f'=JP_VALUE("{sid}",AsOf)', style),
                  Cell(f"C{r}", f'=JP_LOW("{sid}",EDATE(EndDate,-12),EndDate)', "date", spill=True),
                  Cell(f"D{r}", "", style),  # the low spills here and keeps the series' format
                  Cell(f"E{r}", f'=JP_RALLY("{sid}","","",AsOf)', "pct"),
                  Cell(f"F{r}", f'=JP_DRAWDOWN("{sid}",EDATE(EndDate,-12),AsOf)', "pct"),
                  Cell(f"G{r}", f'=JP_IS_RECORD("{sid}",AsOf)', "bool")]
    cells += block(9, [("TOPIX rally from its April 2025 low",
                        '=JP_RALLY("TOPIX","2025-04-01","2025-04-30",AsOf)'),
                       ("TOPIX against Nikkei 225 since 2025-04-07",
                        '=JP_RELATIVE("TOPIX","NIKKEI225","2025-04-07",AsOf)')], "AB", (None, "pct"))
    cells.append(Cell("D9", "Rates: a rally is a ratio; use JP_CHANGE for points", "note"))
    cells += why_missing("A12", f"B4:B{3 + len(RALLY_IDS)}")
    return Sheet("Rally", tuple(cells), {"A": 38, "B": 19, "C": 16, "D": 12, "E": 14, "F": 26, "G": 12},
                 formats={"C": "date"})


TENORS = ("2Y", "5Y", "10Y", "30Y")


def hedging() -> Sheet:
    """Hedge costs both ways and hedged spreads along the curve."""
    cells = [Cell("A1", "FX-hedged yields (covered interest parity; SOFR and TONA legs)", "title"),
             *block(3, [("Hedge cost for a yen investor (USD assets), %",
                         '=JP_HEDGE_COST("JPY",AsOf,HedgeDays,BasisBp)'),
                        ("Hedge cost for a dollar investor (JPY assets), % (negative = pickup)",
                         '=JP_HEDGE_COST("USD",AsOf,HedgeDays,BasisBp)')], "AB", (None, "num3")),
             *block(6, [("Tenor", "UST, %", "JGB, %", "JGB hedged to USD minus UST, pp",
                         "UST hedged to JPY minus JGB, pp")], "ABCDE", ("head",) * 5)]
    for r, tenor in enumerate(TENORS, start=7):
        cells += block(r, [(tenor, f'=JP_VALUE("UST{tenor}",AsOf)', f'=JP_VALUE("JGB{tenor}",AsOf)',
                            f'=JP_HEDGED_SPREAD("JGB{tenor}","UST{tenor}",AsOf,HedgeDays,BasisBp)',
                            f'=JP_HEDGED_SPREAD("UST{tenor}","JGB{tenor}",AsOf,HedgeDays,BasisBp)')],
                       "ABCDE", (None, "num3", "num3", "num3", "num3"))
    cells += block(12, [("Worked example: JGB 1.13% hedged into USD with SOFR 4.30, TONA 0.48, %",
                         "=JP_HEDGED_YIELD(1.13,0.48,4.30,90,0)")], "AB", (None, "num3"))
    cells.append(Cell("A13", "Hedge days and basis come from Settings; the basis has no public "
                             "series, so it is an input.", "note"))
    cells += why_missing("A15", f"D7:D{6 + len(TENORS)}")
    return Sheet("Hedging", tuple(cells), {"A": 66, "B": 12, "C": 12, "D": 30, "E": 30})

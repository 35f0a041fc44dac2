"""The seed note's claims, each with the formula that checks it on the note's date and today.

A claim no public series covers is listed with no formula, not faked.
"""

from __future__ import annotations

from workbook.model import Cell, Sheet, block


def _two_years(end: str) -> str:
    return f"EDATE({end},-24),{end}"


# (claim, formula on the note's date, formula today, comment); None formulas: no public series.
CLAIMS = [
    ("Foreign inflows into Japanese stocks at a decade high: JPX foreigners, 52-week sum, "
     "rank in 10 years", '=JP_FLOW_RANK("JPX:Foreigners",NoteDate)',
     '=JP_FLOW_RANK("JPX:Foreigners",AsOf)', "1 = the largest in ten years"),
    ("... the same for MOF weekly non-residents' equity purchases",
     '=JP_FLOW_RANK("MOF:Foreign:Equity",NoteDate)', '=JP_FLOW_RANK("MOF:Foreign:Equity",AsOf)',
     "1 = the largest in ten years"),
    ("... and for the monthly balance of payments (12-month sum)",
     '=JP_FLOW_RANK("BOP:Foreign:Equity",NoteDate)', '=JP_FLOW_RANK("BOP:Foreign:Equity",AsOf)',
     "1 = the largest in ten years"),
    ("Japanese retail investors withdrew about $23bn this year (USD bn)",
     '=JP_FLOW_SUM("JPX:Individuals",NoteYearStart,NoteDate,"","USD")',
     '=JP_FLOW_SUM("JPX:Individuals",YearStart,AsOf,"","USD")', "JPX individuals, net"),
    ("TOPIX has rallied 34.2% from its April low",
     '=JP_RALLY("TOPIX","2025-04-01","2025-04-30",NoteDate)',
     '=JP_RALLY("TOPIX","2025-04-01","2025-04-30",AsOf)', "Low 2,288.66 on 2025-04-07"),
    ("Companies bought more Japanese stock than foreigners this year (JPY bn, companies minus "
     "foreigners)",
     '=JP_FLOW_SUM("JPX:BusinessCos",NoteYearStart,NoteDate)'
     '-JP_FLOW_SUM("JPX:Foreigners",NoteYearStart,NoteDate)',
     '=JP_FLOW_SUM("JPX:BusinessCos",YearStart,AsOf)-JP_FLOW_SUM("JPX:Foreigners",YearStart,AsOf)',
     "Positive = companies bought more"),
    ("The 30-year JGB yield is at a record", '=JP_IS_RECORD("JGB30Y","2025-09-03")',
     '=JP_IS_RECORD("JGB30Y",AsOf)', "Note's week; the record close came on 2025-09-03"),
    ("Foreigners are selling JGBs (non-residents' long-term debt, year to date, JPY bn)",
     '=JP_FLOW_SUM("MOF:Foreign:LongTermDebt",NoteYearStart,NoteDate)',
     '=JP_FLOW_SUM("MOF:Foreign:LongTermDebt",YearStart,AsOf)', "Negative = net selling"),
    ("The yen has stayed within 140-160 for two years: lowest USDJPY",
     f'=INDEX(JP_LOW("USDJPY",{_two_years("NoteDate")}),1,2)',
     f'=INDEX(JP_LOW("USDJPY",{_two_years("EndDate")}),1,2)', "Yen per dollar"),
    ("... highest USDJPY", f'=INDEX(JP_HIGH("USDJPY",{_two_years("NoteDate")}),1,2)',
     f'=INDEX(JP_HIGH("USDJPY",{_two_years("EndDate")}),1,2)', "Yen per dollar"),
    ("The BOJ has hiked: change in TONA this year (% points)",
     '=JP_CHANGE("TONA",NoteYearStart,NoteDate)', '=JP_CHANGE("TONA",YearStart,AsOf)',
     "January 2025: 0.25% to 0.5%"),
    ("Short end favoured over the long end: JGB 30Y minus 2Y (% points)",
     '=JP_SPREAD("JGB30Y","JGB2Y",NoteDate)', '=JP_SPREAD("JGB30Y","JGB2Y",AsOf)', "Curve steepness"),
    ("... 30Y change minus 2Y change this year (% points)",
     '=JP_CHANGE("JGB30Y",NoteYearStart,NoteDate)-JP_CHANGE("JGB2Y",NoteYearStart,NoteDate)',
     '=JP_CHANGE("JGB30Y",YearStart,AsOf)-JP_CHANGE("JGB2Y",YearStart,AsOf)', "Positive = steeper"),
    ("The 5-year Treasury yields 3.86%", '=JP_VALUE("UST5Y",NoteDate)', '=JP_VALUE("UST5Y",AsOf)', "%"),
    ("A 5-year JGB hedged into dollars yields about 5%",
     '=JP_HEDGED_YIELD(JP_VALUE("JGB5Y",NoteDate),JP_VALUE("TONA",NoteDate),'
     'JP_VALUE("SOFR",NoteDate),HedgeDays,BasisBp)',
     '=JP_HEDGED_YIELD(JP_VALUE("JGB5Y",AsOf),JP_VALUE("TONA",AsOf),JP_VALUE("SOFR",AsOf),'
     'HedgeDays,BasisBp)', "%, 3-month hedge rolled, SOFR/TONA legs"),
    ("... so a dollar investor earns more in hedged 5Y JGBs than in 5Y Treasuries (% points)",
     '=JP_HEDGED_SPREAD("JGB5Y","UST5Y",NoteDate,HedgeDays,BasisBp)',
     '=JP_HEDGED_SPREAD("JGB5Y","UST5Y",AsOf,HedgeDays,BasisBp)', "Hedged JGB minus UST"),
    ("A yen investor hedging 5Y Treasuries keeps close to nothing (% yield in yen)",
     '=JP_HEDGED_YIELD(JP_VALUE("UST5Y",NoteDate),JP_VALUE("SOFR",NoteDate),'
     'JP_VALUE("TONA",NoteDate),HedgeDays,BasisBp,"JPY")',
     '=JP_HEDGED_YIELD(JP_VALUE("UST5Y",AsOf),JP_VALUE("SOFR",AsOf),JP_VALUE("TONA",AsOf),'
     'HedgeDays,BasisBp,"JPY")', "UST5Y less the yen hedge cost"),
    ("Japan's net international investment position", None, None,
     "No public series covers it here (MOF publishes it yearly as a table)"),
    ("USDJPY cross-currency basis", None, None,
     "No public series; type it into Settings as Basis (bp)"),
]
CLAIM_STYLES = {0: "int", 1: "int", 2: "int", 3: "num", 4: "pct", 5: "num", 6: "bool", 7: "num",
                8: "num", 9: "num", 10: "num3", 11: "num3", 12: "num3", 13: "num3", 14: "num3",
                15: "num3", 16: "num3"}
NO_SERIES = "no public series"


def article_check() -> Sheet:
    """The Article-check sheet: one row per claim, its formula, then and now."""
    head = ("Claim in the note", "Formula (note's date)", "On the note's date", "Today", "Comment")
    cells = [Cell("A1", "Article check: the seed note's figures, then and now", "title"),
             Cell("A2", "Note date from Settings (NoteDate); Today uses AsOf (blank = latest).",
                  "note"), *block(3, [head], "ABCDE", ("head",) * 5)]
    for i, (claim, then, now, comment) in enumerate(CLAIMS):
        r, style = 4 + i, CLAIM_STYLES.get(i)
        cells += [Cell(f"A{r}", claim, "wrap"), Cell(f"E{r}", comment, "note"),
                  Cell(f"B{r}", then[1:] if then else "(none)", "formula_text"),
                  Cell(f"C{r}", then or NO_SERIES, style), Cell(f"D{r}", now or NO_SERIES, style)]
    return Sheet("Article-check", tuple(cells), {"A": 60, "B": 60, "C": 16, "D": 16, "E": 40})

"""The seed note's claims: the formula that measures each, its test, and a verdict then and now.

Each claim states its test in two cells, the lowest and the highest value at which it holds (a
blank bound is open; a rank of 1 is ``1``..``1``; TRUE is ``1``..``1``). A formula beside each
value says whether the claim holds, fails, or cannot be checked, and why. A claim no public
series covers is listed with no formula, not faked.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbook.model import Cell, Sheet, block, wrapped_lines


@dataclass(frozen=True)
class Claim:
    text: str
    then: str | None  # formula on the note's date; None: no public series
    now: str | None  # the same formula today
    comment: str
    low: float | None = None  # the claim holds when low <= value <= high
    high: float | None = None
    style: str | None = None

    def __getitem__(self, index: int):
        return (self.text, self.then, self.now, self.comment)[index]


def _two_years(end: str) -> str:
    return f"EDATE({end},-24),{end}"


def _minus(a: str, b: str) -> str:
    """a - b, or the failure text of whichever failed (arithmetic on a text is #VALUE!)."""
    return f"=IFERROR({a}-{b},IF(ISTEXT({a}),{a},{b}))"


def _second(table: str) -> str:
    """The value of a 1x2 (date, value) answer, or its failure text."""
    return f"=IFERROR(INDEX({table},1,2),{table})"


def _rank(flow_id: str) -> tuple[str, str]:
    """JP_FLOW_RANK on the note's date and today."""
    return f'=JP_FLOW_RANK("{flow_id}",NoteDate)', f'=JP_FLOW_RANK("{flow_id}",AsOf)'


def _claims() -> list[Claim]:
    decade = "Holds if ranked 1st: the largest in ten years"
    low = 'JP_LOW("USDJPY",{})'
    high = 'JP_HIGH("USDJPY",{})'
    return [
        Claim("Foreign inflows into Japanese stocks at a decade high: JPX foreigners, 52-week "
              "sum, rank in 10 years", *_rank("JPX:Foreigners"), decade, 1, 1, "int"),
        Claim("... the same for MOF weekly non-residents' equity purchases",
              *_rank("MOF:Foreign:Equity"), decade, 1, 1, "int"),
        Claim("... and for the monthly balance of payments (12-month sum)",
              *_rank("BOP:Foreign:Equity"), decade, 1, 1, "int"),
        Claim("Japanese retail investors withdrew about $23bn this year (USD bn)",
              '=JP_FLOW_SUM("JPX:Individuals",NoteYearStart,NoteDate,"","USD")',
              '=JP_FLOW_SUM("JPX:Individuals",YearStart,AsOf,"","USD")',
              "JPX individuals, net; about -23 taken as -25 to -21", -25, -21, "num"),
        Claim("TOPIX has rallied 34.2% from its April low",
              '=JP_RALLY("TOPIX","2025-04-01","2025-04-30",NoteDate)',
              '=JP_RALLY("TOPIX","2025-04-01","2025-04-30",AsOf)', "Low 2,288.66 on 2025-04-07",
              0.33, 0.35, "pct"),
        Claim("Companies bought more Japanese stock than foreigners this year (JPY bn, companies "
              "minus foreigners)",
              _minus('JP_FLOW_SUM("JPX:BusinessCos",NoteYearStart,NoteDate)',
                     'JP_FLOW_SUM("JPX:Foreigners",NoteYearStart,NoteDate)'),
              _minus('JP_FLOW_SUM("JPX:BusinessCos",YearStart,AsOf)',
                     'JP_FLOW_SUM("JPX:Foreigners",YearStart,AsOf)'),
              "Positive = companies bought more", 0, None, "num"),
        Claim("The 30-year JGB yield is at a record", '=JP_IS_RECORD("JGB30Y","2025-09-03")',
              '=JP_IS_RECORD("JGB30Y",AsOf)', "Note's week; the record close came on 2025-09-03",
              1, 1, "bool"),
        Claim("Foreigners are selling JGBs (non-residents' long-term debt, year to date, JPY bn)",
              '=JP_FLOW_SUM("MOF:Foreign:LongTermDebt",NoteYearStart,NoteDate)',
              '=JP_FLOW_SUM("MOF:Foreign:LongTermDebt",YearStart,AsOf)', "Negative = net selling",
              None, 0, "num"),
        Claim("The yen has stayed within 140-160 for two years: lowest USDJPY",
              _second(low.format(_two_years("NoteDate"))), _second(low.format(_two_years("EndDate"))),
              "Yen per dollar, two years to the date", 140, None, "num2"),
        Claim("... highest USDJPY", _second(high.format(_two_years("NoteDate"))),
              _second(high.format(_two_years("EndDate"))), "Yen per dollar, two years to the date",
              None, 160, "num2"),
        Claim("The BOJ has hiked: change in TONA this year (% points)",
              '=JP_CHANGE("TONA",NoteYearStart,NoteDate)', '=JP_CHANGE("TONA",YearStart,AsOf)',
              "January 2025: 0.25% to 0.5%", 0.1, None, "num3"),
        Claim("Short end favoured over the long end: JGB 30Y minus 2Y (% points)",
              '=JP_SPREAD("JGB30Y","JGB2Y",NoteDate)', '=JP_SPREAD("JGB30Y","JGB2Y",AsOf)',
              "Curve steepness; holds if the curve slopes up", 0, None, "num3"),
        Claim("... 30Y change minus 2Y change this year (% points)",
              _minus('JP_CHANGE("JGB30Y",NoteYearStart,NoteDate)',
                     'JP_CHANGE("JGB2Y",NoteYearStart,NoteDate)'),
              _minus('JP_CHANGE("JGB30Y",YearStart,AsOf)', 'JP_CHANGE("JGB2Y",YearStart,AsOf)'),
              "Positive = steeper", 0, None, "num3"),
        Claim("The 5-year Treasury yields 3.86%", '=JP_VALUE("UST5Y",NoteDate)',
              '=JP_VALUE("UST5Y",AsOf)', "%; within 5 bp of 3.86", 3.81, 3.91, "num3"),
        Claim("A 5-year JGB hedged into dollars yields about 5%",
              '=JP_HEDGED_YIELD(JP_VALUE("JGB5Y",NoteDate),JP_VALUE("TONA",NoteDate),'
              'JP_VALUE("SOFR",NoteDate),HedgeDays,BasisBp)',
              '=JP_HEDGED_YIELD(JP_VALUE("JGB5Y",AsOf),JP_VALUE("TONA",AsOf),JP_VALUE("SOFR",AsOf),'
              'HedgeDays,BasisBp)', "%, 3-month hedge rolled, SOFR/TONA legs", 4.75, 5.25, "num3"),
        Claim("... so a dollar investor earns more in hedged 5Y JGBs than in 5Y Treasuries "
              "(% points)", '=JP_HEDGED_SPREAD("JGB5Y","UST5Y",NoteDate,HedgeDays,BasisBp)',
              '=JP_HEDGED_SPREAD("JGB5Y","UST5Y",AsOf,HedgeDays,BasisBp)', "Hedged JGB minus UST",
              0, None, "num3"),
        Claim("A yen investor hedging 5Y Treasuries keeps close to nothing (% yield in yen)",
              '=JP_HEDGED_YIELD(JP_VALUE("UST5Y",NoteDate),JP_VALUE("SOFR",NoteDate),'
              'JP_VALUE("TONA",NoteDate),HedgeDays,BasisBp,"JPY")',
              '=JP_HEDGED_YIELD(JP_VALUE("UST5Y",AsOf),JP_VALUE("SOFR",AsOf),JP_VALUE("TONA",AsOf),'
              'HedgeDays,BasisBp,"JPY")', "UST5Y less the yen hedge cost; near = within 0.5",
              -0.5, 0.5, "num3"),
        Claim("Japan's net international investment position", None, None,
              "MOF publishes it yearly as a table, not as a series"),
        Claim("USDJPY cross-currency basis", None, None,
              "No public series; type it into Settings as Basis (bp)"),
    ]


CLAIMS = _claims()
NO_SERIES = "no series"
# Columns: claim, formula, then, today, at least, at most, verdict then, verdict today, comment.
COLUMNS = "ABCDEFGHI"
WIDTHS = {"A": 44, "B": 46, "C": 12, "D": 12, "E": 9, "F": 9, "G": 26, "H": 26, "I": 30}


def verdict(value: str, low: str, high: str) -> str:
    """Formula: "holds", "fails", or "cannot check: <why>" for the value in cell ``value``.

    TRUE counts as 1, so a claim that something is true is tested as 1 <= value <= 1. The
    reason is the failure text up to its advice (after ";"), which the Dashboard lists.
    """
    reason = f'IF(LEFT({value},5)="#N/A ",MID({value},6,200),{value})'
    why = f'"cannot check: "&IFERROR(LEFT({reason},FIND(";",{reason})-1),{reason})'
    inside = f"AND(OR(ISBLANK({low}),{value}*1>={low}),OR(ISBLANK({high}),{value}*1<={high}))"
    return (f'=IF(ISERROR({value}),"cannot check: no value",IF(ISTEXT({value}),{why},'
            f'IF({inside},"holds","fails")))')


def _row(r: int, claim: Claim) -> list[Cell]:
    bound = claim.style or "num"
    return [Cell(f"A{r}", claim.text, "wrap"), Cell(f"I{r}", claim.comment, "note_wrap"),
            Cell(f"B{r}", claim.then[1:] if claim.then else "(none)", "formula_text"),
            Cell(f"C{r}", claim.then or NO_SERIES, claim.style or "num"),
            Cell(f"D{r}", claim.now or NO_SERIES, claim.style or "num"),
            Cell(f"E{r}", "" if claim.low is None else claim.low, bound),
            Cell(f"F{r}", "" if claim.high is None else claim.high, bound),
            Cell(f"G{r}", verdict(f"C{r}", f"E{r}", f"F{r}"), "verdict"),
            Cell(f"H{r}", verdict(f"D{r}", f"E{r}", f"F{r}"), "verdict")]


def article_check() -> Sheet:
    """The Article-check sheet: one row per claim, its formula, test, values and verdicts."""
    head = ("Claim in the note", "Formula (note's date)", "On the note's date", "Today",
            "Holds if at least", "... and at most", "Verdict on the note's date", "Verdict today",
            "Comment")
    cells = [Cell("A1", "Article check: the seed note's figures, then and now", "title"),
             Cell("A2", "Note date from Settings (NoteDate); Today uses AsOf (blank = latest). "
                        "A claim holds when its value lies within its bounds (blank = open).",
                  "note"), *block(3, [head], COLUMNS, ("head_wrap",) * len(COLUMNS))]
    heights = {3: 30.0}
    for i, claim in enumerate(CLAIMS):
        cells += _row(4 + i, claim)
        heights[4 + i] = row_height(claim)
    return Sheet("Article-check", tuple(cells), dict(WIDTHS), heights=heights)


def row_height(claim: Claim) -> float:
    """Points for a claim's row: its longest wrapped text, at least two lines for a reason."""
    lines = max(wrapped_lines(claim.text, WIDTHS["A"]), wrapped_lines(claim.comment, WIDTHS["I"]),
                wrapped_lines(claim.then or "", WIDTHS["B"], 9, mono=True), 2)
    return 15.0 * lines

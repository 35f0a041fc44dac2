"""``JP_INFO``, ``JP_STATUS``, ``JP_SEARCH`` and ``JP_ERROR``: where numbers come from, which ids
exist, and why a cell failed."""

from __future__ import annotations

from addin import api
from addin.errors import BadArgument
from udfs import failures
from udfs.coerce import to_text
from udfs.decorator import udf

INFO_FIELDS = ("id", "description", "source", "origin", "url", "unit", "frequency", "first",
               "last", "age_days", "last_fetch", "stale", "error", "note", "attribution")


def _cell(value):
    return "" if value is None else value


@udf(series='Series or flow id, e.g. "JGB10Y" or "JPX:Foreigners"',
     field='One of: ' + ", ".join(INFO_FIELDS) + " (blank: all, as a table)")
def JP_INFO(series, field=None):
    """Provenance of a series: source and origin used, URL, unit, first/last date, fetch, stale.

    For the latest value it names the origin that answered and the date of its last observation;
    stale is TRUE when that copy could not be refreshed or the observation is overdue.

    Example: =JP_INFO("UST5Y", "last_fetch")
    """
    details = api.info(to_text(series, "series", ""))
    wanted = to_text(field, "field")
    if wanted is None:
        return [[name, _cell(details.get(name))] for name in INFO_FIELDS]
    if wanted.lower() not in INFO_FIELDS:
        raise BadArgument(f'field "{wanted[:12]}" unknown; try "source", "last", "stale"')
    return _cell(details.get(wanted.lower()))


@udf()
def JP_STATUS():
    """Table of every data source: last fetch, age in hours, OK/stale/error, cache location.

    Example: =JP_STATUS()
    """
    header = ["Source", "Last fetch", "Age (h)", "State", "Detail", "Cache"]
    rows = [[_cell(r[k]) for k in ("source", "last_fetch", "age_hours", "state", "detail", "cache")]
            for r in api.status()]
    return [header] + rows


@udf(query='Words to look for, e.g. "JGB", "foreign equity", "JPX"')
def JP_SEARCH(query):
    """Table of matching series and flow ids with descriptions (all words must match).

    Example: =JP_SEARCH("foreign")
    """
    rows = api.search(to_text(query, "query", ""))
    if not rows:
        raise BadArgument(f'nothing matches "{str(query)[:20]}"; try "JGB", "UST" or "JPX"')
    return [["Id", "Kind", "Description"]] + [list(row) for row in rows]


@udf(("cell",), cell="A cell holding a JP_* formula, e.g. B5")
def JP_ERROR(cell):
    """Why a JP_* cell failed: the reason behind its #N/A ("OK" when it holds no error).

    With JPFLOWS_ERRORS=errors the cell holds Excel's #N/A, so IFERROR/ISNA catch it; this tells why.
    Example: =JP_ERROR(B5), or =IFERROR(B5, JP_ERROR(B5)) in place of B5
    """
    return failures.reason(cell)

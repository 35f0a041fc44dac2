"""``jpflows show`` and ``jpflows info``: one id, a series or a flow, as the engine answers it."""

from __future__ import annotations

from addin.cli_text import figure, said
from addin.errors import BadArgument, UnknownSeries

FLOW_OPTIONS = ("measure", "market", "currency")


def cmd_show(args) -> int:
    """Print ``date,value`` lines under a header naming the id and its unit."""
    label, unit, data = _table(args)
    print(said(f"date,{label} ({unit})"))
    for when, value in data.items():
        print(f"{when:%Y-%m-%d},{value:.15g}")  # every digit published, no float noise
    return 0


def _table(args):
    """(label, unit, values by date) of the id: a series when one is declared, else a flow."""
    from addin import api

    try:
        found = api.spec(args.id)
    except UnknownSeries as unknown:
        try:
            flow = api.flow_spec(args.id)
        except UnknownSeries:
            raise unknown from None  # its suggestion is the series search
        return _flow_table(api, flow, args)
    given = [f"--{name}" for name in FLOW_OPTIONS if getattr(args, name, None) is not None]
    if given:
        raise BadArgument(f"{', '.join(given)} apply to flow ids; {found.id} is a series")
    return found.id, found.unit, api.series(found.id, args.start, args.end)


def _flow_table(api, flow, args):
    measure, currency = args.measure or "net", args.currency or "JPY"
    data = api.flows(flow.id, args.start, args.end, measure, args.market, currency)
    label = flow.id if measure == "net" else f"{flow.id} {measure}"
    return label, f"{currency} bn", data


def cmd_info(args) -> int:
    """Print the provenance of a series or flow, one ``field: value`` line each."""
    from addin import api

    for field, value in api.info(args.id).items():
        if value is not None and value != "":
            print(said(f"{field + ':':<12} {figure(value)}"))
    return 0


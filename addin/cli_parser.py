"""The ``jpflows`` argument parser: every command with what it does, an example, and its options.

Each command's defaults carry ``run`` (the handler) and ``writes`` (the files it will write, read
from its arguments), so that a path that cannot be written is refused before the work begins.
"""

from __future__ import annotations

import argparse
import textwrap

from addin.dates import day_number
from addin.errors import BadArgument

SUMMARY = "The jpflows command line: the same engine as the Excel functions, in a terminal."
MEASURES = ("net", "buy", "sell", "gross")
CURRENCIES = ("JPY", "USD")


def cli_date(text: str) -> str:
    """An argument type: the date text, read by the same grammar as cells and Python."""
    try:
        day_number(text)
    except BadArgument as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _nothing(args) -> list:
    return []


def _command(sub, name: str, summary: str, details: str, example: str, run, writes=_nothing):
    """A subcommand whose ``--help`` says what it does and shows an example."""
    described = textwrap.fill(f"{summary[0].upper()}{summary[1:]}. {details}", 78)
    found = sub.add_parser(name, help=summary, description=described,
                           epilog=f"example:\n  {example}",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    found.set_defaults(run=run, writes=writes)
    return found


def parser(handlers: dict) -> argparse.ArgumentParser:
    """The whole parser; ``handlers`` maps each command name to the function that runs it."""
    top = argparse.ArgumentParser(prog="jpflows", description=SUMMARY,
                                  epilog="jpflows COMMAND --help describes each command.")
    top.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_report, _show, _info, _status, _search, _refresh, _doctor, _addin, _workbook,
                _serve, _bench):
        add(sub, handlers)
    return top


def _report(sub, handlers) -> None:
    rep = _command(sub, "report", "print the monitor (the main job)",
                   "Foreigners' and individuals' flows, the TOPIX and Nikkei rallies, the 30-year "
                   "JGB record check, the yen's range and UST 5Y against a hedged JGB 5Y, each "
                   "section with the date it is for.",
                   "jpflows report --as-of 2025-09-30 --xlsx monitor.xlsx", handlers["report"],
                   writes=lambda args: [args.xlsx])
    rep.add_argument("--as-of", type=cli_date, metavar="DATE",
                     help="what was published for this date, YYYY-MM-DD (default: each "
                          "section's latest published period or observation)")
    rep.add_argument("--xlsx", metavar="PATH",
                     help="also write the monitor as a values-only workbook with charts")


def _show(sub, handlers) -> None:
    show = _command(sub, "show", "print a series or a flow as date,value lines",
                    "The first line names the id and its unit; a flow is dated by the last day "
                    "of each period. Flow options do not apply to series.",
                    "jpflows show MOF:Foreign:Equity --start 2025-01-01", handlers["show"])
    show.add_argument("id", help="a series id (JGB10Y) or a flow id (JPX:Foreigners); "
                                 "jpflows search lists them")
    show.add_argument("--start", type=cli_date, metavar="DATE", help="first date, YYYY-MM-DD")
    show.add_argument("--end", type=cli_date, metavar="DATE", help="last date, YYYY-MM-DD")
    show.add_argument("--measure", choices=MEASURES,
                      help="flows only: which figure of each period (default net)")
    show.add_argument("--market", help="flows only: the market of a JPX flow (default its first)")
    show.add_argument("--currency", choices=CURRENCIES,
                      help="flows only: JPY billions as published (default) or USD billions")


def _info(sub, handlers) -> None:
    info = _command(sub, "info", "where a series or flow comes from, and how fresh it is",
                    "Source, URL, unit, dates covered, last fetch and whether the copy in use "
                    "is stale (what JP_INFO shows in Excel).", "jpflows info JGB10Y",
                    handlers["info"])
    info.add_argument("id", help="a series id (USDJPY) or a flow id (BOP:Foreign:Equity)")


def _status(sub, handlers) -> None:
    _command(sub, "status", "freshness of every source",
             "One line per publisher: last fetch, age, OK / stale / error and why, and where the "
             "cache lives.", "jpflows status", handlers["status"])


def _search(sub, handlers) -> None:
    search = _command(sub, "search", "find series and flow ids",
                      "Lists every id whose id or description holds all the words; with no "
                      "words, all of them.", "jpflows search JGB", handlers["search"])
    search.add_argument("text", nargs="*", default=[""], metavar="WORD",
                        help="words to look for, any case (none: list everything)")


def _refresh(sub, handlers) -> None:
    _command(sub, "refresh", "revalidate every source",
             "Asks each publisher whether the files in use (or the monitor's files) changed, "
             "with a progress bar; prints OK, stale (and why) or failed per file and exits "
             "non-zero when one did not refresh.", "jpflows refresh", handlers["refresh"])


def _doctor(sub, handlers) -> None:
    doc = _command(sub, "doctor", "check the installation and each source",
                   "Checks Python, xlwings, Excel, the cache and each publisher; --live "
                   "downloads and parses each one. Exits non-zero when a headline source fails.",
                   "jpflows doctor --live --json doctor.json", handlers["doctor"],
                   writes=lambda args: [args.json])
    doc.add_argument("--live", action="store_true",
                     help="download each source's file and run its parser (proof of layout)")
    doc.add_argument("--json", metavar="FILE", help="with --live: write the results as JSON")


def _addin(sub, handlers) -> None:
    addin = _command(sub, "addin", "Excel add-in management",
                     "Installs the add-in and its functions module for the current user.",
                     "jpflows addin install", handlers["addin"])
    addin.add_argument("action", choices=["install"], help="install: set the add-in up")


def _workbook(sub, handlers) -> None:
    book = _command(sub, "workbook", "workbooks from the template",
                    "Creates NAME.xlsm and its Python module NAME.py in the current folder.",
                    "jpflows workbook new monitor", handlers["workbook"],
                    writes=_workbook_files)
    book.add_argument("action", choices=["new"], help="new: create a workbook")
    book.add_argument("name", help="the workbook's name, a Python module name (letters, "
                                   "digits, _)")


def _workbook_files(args) -> list[str]:
    stem = args.name[:-5] if args.name.lower().endswith(".xlsm") else args.name
    return [f"{stem}.xlsm", f"{stem}.py"] if stem.isidentifier() else []


def _serve(sub, handlers) -> None:
    serve = _command(sub, "serve", "the functions over HTTP for Excel without Python",
                     "Runs the desk server (FastAPI on uvicorn); needs the [server] extra.",
                     "jpflows serve --port 8765 --workers 2", handlers["serve"])
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes; share a JPFLOWS_CACHE=redis://... cache")


def _bench(sub, handlers) -> None:
    _command(sub, "bench", "run the performance benchmarks (from a checkout)",
             "Options such as --quick and --output FILE pass through to python -m bench.run.",
             "jpflows bench --quick --output /tmp/benchmarks.md", handlers["bench"])

"""The ``jpflows`` command line: the same engine as the Excel functions, in a terminal.

Everything shown that may hold a publisher's text goes through :func:`shown` (rich markup escaped,
control characters made visible); log records through :class:`~addin.text.CappedFormatter`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date

from addin.dates import day_number
from addin.errors import AddinError, BadArgument
from addin.text import CappedFormatter, clean


def cli_date(text: str) -> str:
    """An argument type: the date text, read by the same grammar as cells and Python."""
    try:
        day_number(text)
    except BadArgument as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _console():
    from rich.console import Console

    return Console()


def shown(text, limit: int | None = None) -> str:
    """External text for a rich console: markup escaped, control characters made visible."""
    from rich.markup import escape

    return escape(clean(text, limit))


def _fmt(value, unit: str = "") -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if unit == "ratio":
            return f"{value:+.1%}"
        return f"{value:,.3f}" if unit in ("%", "pp") else f"{value:,.2f}"
    return "" if value is None else str(value)


def cmd_report(args) -> int:
    from addin import report

    sections = _computed_sections(args.as_of)
    heading = (f"jpflows monitor as of {args.as_of}" if args.as_of else
               f"jpflows monitor: latest published figures (run {date.today().isoformat()})")
    credits = report.credits()
    if args.xlsx:  # written before anything is printed: a terminal problem must not cost the file
        from addin.report_xlsx import write

        write(sections, args.as_of or "the latest published figures", args.xlsx, credits)
    console = _console()
    console.print(f"[bold]{shown(heading)}[/bold]")
    for section in sections:
        console.print(_section_table(section))
    if credits:
        console.print(clean("; ".join(credits)), markup=False)
    if args.xlsx:
        console.print(f"Wrote {shown(args.xlsx)}")
    return 0 if any(s.lines for s in sections) else 1


def _computed_sections(as_of):
    """Every section of the monitor, with a progress bar naming each download."""
    from rich.progress import Progress

    from addin import api, report

    fetcher = api.engine().fetcher
    with Progress(transient=True, console=_console()) as progress:
        task = progress.add_task("Fetching", total=len(report.SECTIONS))
        fetcher.on_download = lambda source, url: progress.update(
            task, description=shown(f"{source}: {url.rsplit('/', 1)[-1]}", 40))
        try:
            return report.build(as_of, lambda i, n, title: progress.update(
                task, completed=i, description=shown(title, 40)))
        finally:
            fetcher.on_download = None


def _section_table(section):
    from rich.table import Table
    from rich.text import Text

    title = f"{section.title} (as of {section.as_of})" if section.as_of else section.title
    table = Table(title=shown(title), title_justify="left", show_header=False, min_width=60)
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("unit")
    if section.error:
        table.add_row(Text(clean(f"unavailable: {section.error}"), style="red"), "", "")
    for line in section.lines:
        table.add_row(shown(line.label), shown(_fmt(line.value, line.unit)),
                      "" if line.unit == "ratio" else shown(line.unit))
    return table


def cmd_show(args) -> int:
    from addin import api

    data = api.series(args.series, args.start, args.end)
    for when, value in data.items():
        print(f"{when:%Y-%m-%d},{value:g}")
    return 0


def cmd_status(args) -> int:
    from rich.table import Table

    from addin import api

    table = Table("source", "last fetch", "age (h)", "state", "detail")
    for row in api.status():
        table.add_row(shown(row["source"]), _fmt(row["last_fetch"]), _fmt(row["age_hours"]),
                      shown(row["state"]), shown(row["detail"], 60))
    console = _console()
    console.print(table)
    console.print(f"cache: {shown(api.engine().config.cache_label)}")
    return 0


def cmd_search(args) -> int:
    from addin import api

    for series_id, kind, description in api.search(" ".join(args.text)):
        print(clean(f"{series_id:<24} {kind:<7} {description}"))
    return 0


def cmd_refresh(args) -> int:
    from rich.progress import Progress

    from addin import api

    with Progress(console=_console()) as progress:
        task = progress.add_task("Refreshing", total=None)
        outcome = api.refresh(lambda i, n, name: progress.update(
            task, total=n, completed=i, description=shown(name, 40)))
    for name, result in outcome.items():
        print(clean(f"{name:<24} {result}"))
    return 0 if all(r == "OK" for r in outcome.values()) else 1


def cmd_doctor(args) -> int:
    if args.json and not args.live:
        print("jpflows: --json FILE goes with --live", file=sys.stderr)
        return 2
    if not args.live:
        from addin.doctor import run

        return run(_console())
    if args.json and not _writable(args.json):
        print(f"jpflows: cannot write {args.json}: its folder is missing or read-only",
              file=sys.stderr)
        return 2
    from addin.doctor_live import run as run_live

    return run_live(_console(), json_path=args.json)


def _writable(path: str) -> bool:
    import os
    from pathlib import Path

    folder = Path(path).expanduser().resolve().parent
    return folder.is_dir() and os.access(folder, os.W_OK)


def cmd_addin(args) -> int:
    from workbook.install import install

    return install(_console())


def cmd_workbook(args) -> int:
    from workbook.build import new_workbook

    path = new_workbook(args.name)
    print(f"Created {path}")
    return 0


def cmd_bench(args) -> int:
    from pathlib import Path

    checkout = Path(__file__).resolve().parents[1]
    if not (checkout / "bench" / "run.py").is_file():
        print("jpflows bench runs from a source checkout: python -m bench.run", file=sys.stderr)
        return 2
    sys.path.insert(0, str(checkout))  # the benchmarks reuse the test fixtures of the checkout
    from bench.run import main as bench_main

    return bench_main(args.bench_args)


def cmd_serve(args) -> int:
    try:
        from addin import server
    except ImportError as exc:  # FastAPI and uvicorn are the optional extra [server]
        print(f"jpflows serve needs FastAPI and uvicorn ({exc.name} is missing): "
              "pip install 'jpflows[server]'", file=sys.stderr)
        return 2
    if args.workers < 1 or not 0 < args.port < 65536:
        print("jpflows serve: --workers must be 1 or more and --port 1..65535", file=sys.stderr)
        return 2
    return server.run(args.host, args.port, args.workers)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="jpflows", description=__doc__)
    top.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = top.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="print the monitor (the main job)")
    rep.add_argument("--as-of", type=cli_date,
                     help="what was published for this date, YYYY-MM-DD (default: each "
                          "section's latest published period or observation)")
    rep.add_argument("--xlsx", help="also write the monitor as a values-only workbook")
    rep.set_defaults(run=cmd_report)
    show = sub.add_parser("show", help="print a series as date,value")
    show.add_argument("series")
    show.add_argument("--start", type=cli_date, help="first date, YYYY-MM-DD")
    show.add_argument("--end", type=cli_date, help="last date, YYYY-MM-DD")
    show.set_defaults(run=cmd_show)
    sub.add_parser("status", help="freshness of every source").set_defaults(run=cmd_status)
    search = sub.add_parser("search", help="find series and flow ids")
    search.add_argument("text", nargs="*", default=[""])
    search.set_defaults(run=cmd_search)
    sub.add_parser("refresh", help="revalidate every source").set_defaults(run=cmd_refresh)
    doc = sub.add_parser("doctor", help="check the installation and each source",
                         description="Check Python, xlwings, Excel, the cache and each "
                                     "publisher; --live downloads and parses each one.")
    doc.add_argument("--live", action="store_true",
                     help="download each source's file and run its parser (proof of layout)")
    doc.add_argument("--json", metavar="FILE", help="with --live: write the results as JSON")
    doc.set_defaults(run=cmd_doctor)
    addin = sub.add_parser("addin", help="Excel add-in management")
    addin.add_argument("action", choices=["install"])
    addin.set_defaults(run=cmd_addin)
    book = sub.add_parser("workbook", help="workbooks from the template")
    book.add_argument("action", choices=["new"])
    book.add_argument("name")
    book.set_defaults(run=cmd_workbook)
    serve = sub.add_parser("serve", help="the functions over HTTP for Excel without Python")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes; share a JPFLOWS_CACHE=redis://... cache")
    serve.set_defaults(run=cmd_serve)
    sub.add_parser("bench", help="run the performance benchmarks (from a checkout); "
                   "options such as --quick pass through").set_defaults(run=cmd_bench)
    return top


def main(argv: list[str] | None = None) -> int:
    top = parser()
    args, extra = top.parse_known_args(argv)
    if extra and args.command != "bench":
        top.error("unrecognized arguments: " + " ".join(extra))
    args.bench_args = extra
    handler = logging.StreamHandler()
    handler.setFormatter(CappedFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, handlers=[handler])
    try:
        return args.run(args)
    except AddinError as exc:
        print(clean(f"jpflows: {exc}"), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

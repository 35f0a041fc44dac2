"""The ``jpflows`` command line: the same engine as the Excel functions, in a terminal.

Everything shown that may hold a publisher's or the engine's text goes through
:func:`~addin.cli_text.shown` or :func:`~addin.cli_text.said` (control characters made visible,
Excel functions named as the commands that do the same); log records through
:class:`~addin.text.CappedFormatter`. The parser lives in :mod:`addin.cli_parser`.
"""

from __future__ import annotations

import logging
import sys
from datetime import date

from addin.cli_paths import first_refusal
from addin.cli_progress import steps
from addin.cli_show import cmd_info, cmd_show
from addin.cli_text import figure as _fmt, said, shown
from addin.errors import AddinError
from addin.text import CappedFormatter


def _console():
    from rich.console import Console

    return Console()


def cmd_report(args) -> int:
    from addin import report

    sections = _computed_sections(args.as_of)
    heading = (f"jpflows monitor as of {args.as_of}" if args.as_of else
               f"jpflows monitor: latest published figures (run {date.today().isoformat()})")
    credits = report.credits()
    # Written before anything is printed: a terminal problem must not cost the file.
    if args.xlsx and not _wrote_xlsx(sections, args.as_of, args.xlsx, credits):
        return 2
    console = _console()
    console.print(f"[bold]{shown(heading)}[/bold]")
    for section in sections:
        console.print(_section_table(section))
    if credits:
        console.print(said("; ".join(credits)), markup=False)
    if args.xlsx:
        console.print(f"Wrote {shown(args.xlsx)}")
    return 0 if any(s.lines for s in sections) else 1


def _wrote_xlsx(sections, as_of, path, credits) -> bool:
    """Write the workbook; a folder that went away since the start is said, not a traceback."""
    from xlsxwriter.exceptions import XlsxWriterException

    from addin.report_xlsx import write

    try:
        write(sections, as_of or "the latest published figures", path, credits)
    except (OSError, XlsxWriterException) as exc:
        print(said(f"jpflows report: cannot write {path}: {exc}"), file=sys.stderr)
        return False
    return True


def _computed_sections(as_of):
    """Every section of the monitor, with a progress bar naming each download."""
    from addin import api, report

    fetcher = api.engine().fetcher
    with steps(_console(), "Fetching", transient=True) as bar:
        fetcher.on_download = lambda source, url: bar.describe(
            f"{source}: {url.rsplit('/', 1)[-1]}")
        try:
            return report.build(as_of, bar)
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
        table.add_row(Text(said(f"unavailable: {section.error}"), style="red"), "", "")
    for line in section.lines:
        table.add_row(shown(line.label), shown(_fmt(line.value, line.unit)),
                      "" if line.unit == "ratio" else shown(line.unit))
    return table


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
        print(said(f"{series_id:<24} {kind:<7} {description}"))
    return 0


def cmd_refresh(args) -> int:
    from addin import api

    with steps(_console(), "Refreshing") as bar:
        outcome = api.refresh(bar)
    for name, result in outcome.items():
        print(said(f"{name:<24} {result}"))
    return 0 if all(r == "OK" for r in outcome.values()) else 1


def cmd_doctor(args) -> int:
    if args.json and not args.live:
        print("jpflows: --json FILE goes with --live", file=sys.stderr)
        return 2
    if not args.live:
        from addin.doctor import run

        return run(_console())
    from addin.doctor_live import run as run_live

    return run_live(_console(), json_path=args.json)


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
    from bench.run import main as bench_main, parser as bench_parser

    refused = first_refusal([bench_parser().parse_args(args.bench_args).output])
    return _refuse(args.command, *refused) if refused else bench_main(args.bench_args)


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


def _refuse(command: str, path: str, reason: str) -> int:
    """A file that cannot be written, said on one line as a usage error (exit 2)."""
    print(said(f"jpflows {command}: error: cannot write {path}: {reason}"), file=sys.stderr)
    return 2


HANDLERS = {"report": cmd_report, "show": cmd_show, "info": cmd_info, "status": cmd_status,
            "search": cmd_search, "refresh": cmd_refresh, "doctor": cmd_doctor,
            "addin": cmd_addin, "workbook": cmd_workbook, "serve": cmd_serve, "bench": cmd_bench}


def parser():
    """The ``jpflows`` argument parser (see :mod:`addin.cli_parser`)."""
    from addin.cli_parser import parser as build

    return build(HANDLERS)


def main(argv: list[str] | None = None) -> int:
    top = parser()
    args, extra = top.parse_known_args(argv)
    if extra and args.command != "bench":
        top.error("unrecognized arguments: " + " ".join(extra))
    args.bench_args = extra
    refused = first_refusal(args.writes(args))  # before any download or computation
    if refused:
        return _refuse(args.command, *refused)
    handler = logging.StreamHandler()
    handler.setFormatter(CappedFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, handlers=[handler])
    try:
        return args.run(args)
    except AddinError as exc:
        print(said(f"jpflows: {exc}"), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""Make the README picture: the Dashboard of a snapshot computed from the real publisher files.

    python -m bench.dashboard [docs/dashboard.png]

serves ``../shared/realdata`` from a local publisher server (nothing touches the internet),
evaluates the template without Excel, writes its values-only snapshot and prints the Dashboard
with LibreOffice. A development tool: it needs a source checkout beside the shared files.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench.harness import engine_environment, fresh_engine, publisher
from tests.fixtures.published import serve_realdata
from workbook import render

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"


def snapshot_from_realdata(out: Path, realdata: Path = REALDATA) -> Path:
    """Evaluate the template on the real files (served locally) and write its snapshot."""
    from workbook import evaluate, layout, snapshot

    with publisher({}) as server, tempfile.TemporaryDirectory() as cache:
        extra = serve_realdata(server, realdata)
        with fresh_engine(engine_environment(server, Path(cache), extra)):
            sheets = layout.sheets()
            values, _ = evaluate.evaluate(sheets)
            rows = snapshot.provenance(snapshot.template_formulas(sheets))
            return snapshot.snapshot_values(sheets, values, rows, out)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else ROOT / "docs" / "dashboard.png")
    if not REALDATA.is_dir():
        print(f"the real publisher files are not at {REALDATA}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        book = snapshot_from_realdata(Path(folder) / "jpflows snapshot.xlsx")
        render.render(book, out, dpi=150)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

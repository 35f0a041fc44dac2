"""Render the Dashboard of a snapshot to a PNG (the README picture), with LibreOffice.

    python -m workbook.render docs/dashboard.png

computes a snapshot from the real publisher files in ``../shared/realdata`` (served by the test
suite's local publisher server, so nothing touches the internet), converts it to PDF with
LibreOffice (``soffice``) and the first page (the Dashboard) to PNG with ``pdftoppm``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
CSV_OVERRIDES = {
    "TOPIX": "equity_index/derived/topix_jpx_official_closes.csv",
    "NIKKEI225": "equity_index/derived/nikkei225_closes.csv",
    "TONA": "boj/derived/boj_call_rate_FM01_STRDCLUCON_daily.csv",
}
FRED_FILES = ("DGS2", "DGS5", "DGS10", "DGS30", "SOFR", "DEXJPUS")
TIMEOUT = 240


def office() -> str | None:
    """The LibreOffice command, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(workbook: Path, folder: Path) -> Path:
    """Convert a workbook to PDF (one page per printed sheet area) in ``folder``."""
    command = office()
    if command is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    profile = (folder / "lo-profile").as_uri()  # a private profile: no clash with a running office
    subprocess.run([command, "--headless", "--norestore", f"-env:UserInstallation={profile}",
                    "--convert-to", "pdf", "--outdir", str(folder), str(workbook)],
                   check=True, capture_output=True, timeout=TIMEOUT)
    return folder / f"{workbook.stem}.pdf"


def first_page_png(pdf: Path, out: Path, dpi: int = 110) -> Path:
    """The PDF's first page as a PNG at ``out``, cropped to what is printed on it.

    Needs ``pdftoppm`` and ``pdftotext`` (Debian's poppler-utils).
    """
    if shutil.which("pdftoppm") is None:
        raise RuntimeError("pdftoppm is not installed (apt-get install poppler-utils)")
    crop = [f"-{k}" if i % 2 == 0 else str(round(k)) for pair in _crop(pdf, dpi).items()
            for i, k in enumerate(pair)]
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile",
                    *crop, str(pdf), str(out.with_suffix(""))],
                   check=True, capture_output=True, timeout=TIMEOUT)
    return out


def _crop(pdf: Path, dpi: int, margin: float = 18.0) -> dict[str, float]:
    """Pixels around the page's words (chart titles and axis labels mark the charts' edges)."""
    if shutil.which("pdftotext") is None:
        return {}
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
                          check=True, capture_output=True, timeout=TIMEOUT).stdout.decode()
    boxes = [tuple(map(float, m)) for m in re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', html)]
    if not boxes:
        return {}
    scale = dpi / 72
    left, top = min(b[0] for b in boxes) - margin, min(b[1] for b in boxes) - margin
    right, bottom = max(b[2] for b in boxes) + margin, max(b[3] for b in boxes) + margin
    return {"x": max(left, 0) * scale, "y": max(top, 0) * scale,
            "W": (right - max(left, 0)) * scale, "H": (bottom - max(top, 0)) * scale}


def render(workbook: Path, out: Path, dpi: int = 110) -> Path:
    """The first printed page of ``workbook`` (the Dashboard) as ``out`` (PNG)."""
    with tempfile.TemporaryDirectory() as folder:
        return first_page_png(to_pdf(workbook, Path(folder)), out, dpi)


def serve_realdata(server, realdata: Path = REALDATA) -> dict[str, str]:
    """Register the real publisher files with a local server; the environment to use them."""
    from addin.sources import mof_bop, mof_jgb

    server.serve(mof_jgb.HISTORY_URL, (realdata / "mof_jgb" / "jgbcme_all.csv").read_bytes())
    server.serve(mof_bop.URLS["6pi-1"],
                 (realdata / "mof_bop_portfolio_monthly" / "6pi-1.csv").read_bytes())
    for series in FRED_FILES:
        server.serve(f"https://fred.stlouisfed.org/graph/fredgraph.csv?id={series}",
                     (realdata / "fred" / f"{series}.csv").read_bytes())
    return {f"JPFLOWS_CSV_{name}": str(realdata / path) for name, path in CSV_OVERRIDES.items()}


def snapshot_from_realdata(out: Path, realdata: Path = REALDATA) -> Path:
    """Evaluate the template on the real files (served locally) and write its snapshot."""
    from addin import api
    from tests.fixtures.server import PublisherServer
    from workbook import evaluate, layout, snapshot

    server = PublisherServer().start()
    saved = dict(os.environ)
    try:
        with tempfile.TemporaryDirectory() as cache:
            os.environ.update(serve_realdata(server, realdata), JPFLOWS_MIRROR=server.mirror(),
                              JPFLOWS_CACHE_DIR=cache, JPFLOWS_OFFLINE="0", JPFLOWS_TIMEOUT="5")
            api.use(None)
            sheets = layout.sheets()
            values, _ = evaluate.evaluate(sheets)
            rows = snapshot.provenance(snapshot.template_formulas(sheets))
            return snapshot.snapshot_values(sheets, values, rows, out)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        api.use(None)
        server.stop()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else ROOT / "docs" / "dashboard.png")
    with tempfile.TemporaryDirectory() as folder:
        book = snapshot_from_realdata(Path(folder) / "jpflows snapshot.xlsx")
        render(book, out, dpi=150)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

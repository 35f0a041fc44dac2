"""Print a workbook the way a spreadsheet program would: PDF with LibreOffice, PNG of a page.

    python -m workbook.render BOOK.xlsx [OUT.png]

converts ``BOOK`` to PDF with LibreOffice (``soffice``) and its first page (a snapshot's
Dashboard) to PNG with ``pdftoppm``. ``python -m bench.dashboard`` makes the README picture from
the real publisher files.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

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


def pages(pdf: Path) -> list[str]:
    """The text of each page of ``pdf``, in print layout (needs ``pdftotext``)."""
    if shutil.which("pdftotext") is None:
        raise RuntimeError("pdftotext is not installed (apt-get install poppler-utils)")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, timeout=TIMEOUT).stdout.decode("utf-8", "replace")
    return text.split("\f")[:-1]  # every page ends with a form feed


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m workbook.render BOOK.xlsx [OUT.png]", file=sys.stderr)
        return 2
    book = Path(args[0])
    out = Path(args[1]) if len(args) > 1 else book.with_suffix(".png")
    print(render(book, out, dpi=150))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Where MOF's balance-of-payments portfolio tables are: found on MOF's page, or set by the user.

What is known about where the files are:

* confirmed (real bytes): the files' layout and titles ("6pi-1", "6pi-2"), realdata/README §2;
* confirmed (public clients that fetch MOF's balance-of-payments CSVs): the 国際収支の推移
  time series are static, monthly-updated CSVs under .../balance_of_payments/bp_trend/
  (e.g. bp_trend/bpnet/sbp/s-a/6s-a-2.csv, bp_trend/bpfdi/fdi/6d-0-4.csv), and one client
  names PAGE_URL (data.htm) as the page they are published on;
* inferred, not confirmed: that data.htm also links 6pi-1.csv and 6pi-2.csv, and the folder
  of BASE_URL, used only when the page cannot be read or lists no such file.

So the file URL is discovered from the page on every refresh of the page, and a user can point
JPFLOWS_MOF_BOP_URL at the page, the folder or the file when MOF moves them.
"""

from __future__ import annotations

import datetime
import logging
import re
from urllib.parse import urljoin, urlsplit

from addin.errors import BadArgument, LayoutChanged, SourceUnavailable

NAME = "MOF BoP portfolio"
PAGE_URL = "https://www.mof.go.jp/policy/international_policy/reference/balance_of_payments/data.htm"
BASE_URL = (
    "https://www.mof.go.jp/policy/international_policy/reference/balance_of_payments/bpport/"
)
URLS = {"6pi-1": BASE_URL + "6pi-1.csv", "6pi-2": BASE_URL + "6pi-2.csv"}
SETTING = "JPFLOWS_MOF_BOP_URL"
EXPIRE = datetime.timedelta(days=1)
PAGE_EXPIRE = datetime.timedelta(days=1)

_HREF = re.compile(rb"""href\s*=\s*["']([^"'#]+)""", re.IGNORECASE)
_FILE = re.compile(r"(6pi-[12])\.csv")
log = logging.getLogger(__name__)


def fetch(key: str, get, check, setting: str | None = None) -> bytes:
    """Fetch one table, found on MOF's balance-of-payments page (or where ``setting`` says).

    Args:
        key: ``"6pi-1"`` (summary) or ``"6pi-2"`` (by investor type).
        get: The injected HTTP getter.
        check: The layout check the file must pass before it is cached.
        setting: ``JPFLOWS_MOF_BOP_URL``: a page listing the files, their folder, or one file.

    Returns:
        The file's bytes, which passed ``check`` before they were cached.
    """
    if key not in URLS:
        raise BadArgument(f"MOF BoP table {key!r} unknown; use '6pi-1' or '6pi-2'")
    place = (setting or PAGE_URL).strip()
    if not re.search(r"\.html?$", urlsplit(place).path):
        return get(_in_folder(place, key), check=check, expire=EXPIRE)
    url, listed = _discovered(place, key, get)
    try:
        return get(url, check=check, expire=EXPIRE)
    except SourceUnavailable as exc:
        if listed or exc.problem != "HTTP 404":
            raise
        raise SourceUnavailable(f"MOF BoP {key}.csv not found; set {SETTING} to its URL",
                                NAME, exc.problem) from None


def file_links(html: bytes, page_url: str) -> dict[str, str]:
    """``{"6pi-1": url, ...}``: the 6pi CSV files a page links to, made absolute."""
    found = {}
    for href in _HREF.findall(html):
        url = urljoin(page_url, href.decode("utf-8", "replace").strip())
        name = urlsplit(url).path.rsplit("/", 1)[-1].lower()
        if (match := _FILE.fullmatch(name)) and match.group(1) not in found:
            found[match.group(1)] = url
    return found


def _discovered(page_url: str, key: str, get) -> tuple[str, bool]:
    """The file's URL as the page lists it, and whether it did (else the known folder)."""
    try:
        page = get(page_url, check=lambda body: _page_check(body, page_url), expire=PAGE_EXPIRE)
    except (SourceUnavailable, LayoutChanged) as exc:
        log.info("MOF BoP page %s not read (%s); trying %s", page_url, exc, URLS[key])
        return URLS[key], False
    listed = file_links(page, page_url).get(key)
    return (listed, True) if listed else (URLS[key], False)


def _page_check(body: bytes, page_url: str) -> None:
    if not file_links(body, page_url):
        raise LayoutChanged("MOF BoP page: no 6pi-1.csv or 6pi-2.csv link")


def _in_folder(place: str, key: str) -> str:
    """``key``'s file next to a given file URL, or inside a given folder URL."""
    base = place.rsplit("/", 1)[0] if place.lower().endswith(".csv") else place.rstrip("/")
    return f"{base}/{key}.csv"

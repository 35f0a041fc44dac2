"""JPX's index and archive pages: the value files they list, within limits.

A page is read for its links only, and only so far: the first :data:`MAX_HREFS` links, those on
the page's own host, at most :data:`MAX_FILES_PER_PAGE` value files (a year of weeks is about
52). A page listing more is refused by its check, so it never reaches the cache; whoever forged
it cannot make jpflows fetch thousands of files.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from itertools import islice
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

from addin.errors import LayoutChanged
from addin.sources.jpx_files import (LEGACY_MONTHLY, LEGACY_WEEKLY, NEW_MONTHLY, NEW_WEEKLY,
                                     month_end, ymd)

MAX_HREFS = 5_000
MAX_FILES_PER_PAGE = 400

_HREF = re.compile(rb"""href\s*=\s*["']([^"'#]+)""", re.IGNORECASE)


class FileLink(NamedTuple):
    """A value file found on a page; sorts by period, so the newest file comes last."""

    period: date  # period end; for a legacy weekly name the earliest end week N can have
    name: str
    url: str
    key: str  # "" weekly, "monthly"


def file_period(name: str) -> tuple[str, date] | None:
    """``(key, period end)`` from a value file's name; ``None`` for any other file."""
    if (match := LEGACY_WEEKLY.search(name)) and 1 <= int(match.group(2)) <= 12:
        year, month, week = (int(group) for group in match.groups())
        return "", date(2000 + year, month, 1) + timedelta(days=7 * (week - 1))
    if (match := NEW_WEEKLY.search(name)) and (end := ymd(match.group(2))):
        return "", end
    match = LEGACY_MONTHLY.search(name) or NEW_MONTHLY.search(name)
    if match and 1 <= int(match.group(2)) <= 12:
        year = int(match.group(1))
        return "monthly", month_end(year + 2000 if year < 100 else year, int(match.group(2)))
    return None


def link_of(url: str) -> FileLink | None:
    """The value file at ``url``, or ``None`` when its name is not a value file's."""
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    found = file_period(name)
    return FileLink(found[1], name, url, found[0]) if found else None


def hrefs(html: bytes, page_url: str) -> list[str]:
    """The first :data:`MAX_HREFS` links of a page that stay on its host, as absolute URLs."""
    host = urlsplit(page_url).netloc
    found = []
    for match in islice(_HREF.finditer(html), MAX_HREFS):
        url = urljoin(page_url, match.group(1).decode("utf-8", "replace").strip())
        if urlsplit(url).netloc == host and url.startswith(("https://", "http://")):
            found.append(url)
    return found


def discover(html: bytes, page_url: str) -> list[FileLink]:
    """Value-file links (weekly and monthly, volume files and PDFs left out) on a page."""
    links = {}
    for url in hrefs(html, page_url):
        if (link := link_of(url)) is not None:
            links[url] = link
    return sorted(links.values())


def archive_links(html: bytes, page_url: str, stem: str) -> list[str]:
    """The pages ``<stem>NN.html`` a page links to, in name order (newest year first)."""
    pattern = re.compile(re.escape(stem) + r"\d+\.html$")
    return sorted({url for url in hrefs(html, page_url) if pattern.search(url)})


def page_checker(page_url: str):
    """The check of an index or archive page: some value files, and not too many."""
    name = page_url.rsplit("/", 1)[-1]

    def check(body: bytes) -> None:
        found = discover(body, page_url)
        if not found:
            raise LayoutChanged(f"JPX {name}: no value file links")
        if len(found) > MAX_FILES_PER_PAGE:
            raise LayoutChanged(f"JPX {name}: {len(found):,} file links (at most "
                                f"{MAX_FILES_PER_PAGE})")

    return check

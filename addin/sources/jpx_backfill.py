"""Fetching JPX's value files: the index page, the archive pages when needed, the files in parallel.

The index page lists the newest weeks and links the yearly archive pages. Files already held (a
getter that keeps each file's check result offers ``held()``) make the archive walk unnecessary
unless the index page no longer joins them (then the walk goes back to the newest file held) or a
Refresh asks again for files skipped before. Each file found is handed to a pool of workers at
once, while the walk goes on; the transport holds JPX to its requests in flight, so more workers
than slots keep every slot busy while some workers parse. The newest file is fetched last (it
is the file ``JP_INFO`` names) and must succeed; an older one that fails is left out and logged.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta
from typing import Callable, NamedTuple

from addin.errors import LayoutChanged, SourceUnavailable
from addin.sources.jpx_pages import FileLink, discover, link_of, page_checker

log = logging.getLogger("addin.sources.jpx")


class Plan(NamedTuple):
    """What one download of one JPX key asks for, and how."""

    key: str  # "" weekly, "monthly"
    index_url: str
    archives: Callable[[bytes], list[str]]  # the archive pages an index page names, newest first
    years: int
    per_year: int
    step: timedelta  # one period and a day of slack: the index page joins what is held
    headers: dict
    expires: dict  # "index", "archive", "newest", "published"
    checker: Callable[[str], Callable]
    workers: int


class Backfill:
    """One download: :meth:`run` returns ``((file name, bytes or kept result), ...)``."""

    def __init__(self, plan: Plan, get) -> None:
        self.plan, self.get = plan, get
        self.fetch = getattr(get, "parsed", get)
        self.held = {link.name: link for url in getattr(get, "held", tuple)()
                     if (link := link_of(url)) and link.key == plan.key}
        self.found: dict[str, FileLink] = {}  # by name: a file on two pages is fetched once
        self.futures: dict[str, Future] = {}
        self.pool = ThreadPoolExecutor(plan.workers, thread_name_prefix="jpx")

    def run(self) -> tuple[tuple[str, object], ...]:
        try:
            html = self._page(self.plan.index_url, "index")
            listed = self._links(html, self.plan.index_url)
            self.found = {link.name: link for link in [*self.held.values(), *listed]}
            self._start()
            stop = self._walk_until(listed)
            if stop is not None:
                self._walk(self.plan.archives(html), stop)
            return self._collect(self._recent())
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def _page(self, url: str, kind: str) -> bytes:
        return self.get(url, check=page_checker(url), headers=self.plan.headers,
                        expire=self.plan.expires[kind])

    def _links(self, html: bytes, url: str) -> list[FileLink]:
        return [link for link in discover(html, url) if link.key == self.plan.key]

    def _walk_until(self, listed: list[FileLink]) -> date | None:
        """How far back the archives must be walked; ``None`` when the held files suffice."""
        if getattr(self.get, "refreshing", False) or not self.held or not listed:
            return date.min  # a first backfill, or a Refresh asking again for skipped files
        newest_held = max(self.held.values()).period
        if min(listed).period <= newest_held + self.plan.step:
            return None  # the index page joins the history already held
        return newest_held

    def _walk(self, pages: list[str], stop: date) -> None:
        """Add the files of the archive pages, newest year first, until the backfill is covered
        or a page reaches back to ``stop``."""
        for page_url in pages[: self.plan.years + 1]:
            try:
                page = self._page(page_url, "archive")
            except SourceUnavailable as error:
                # Past the oldest archive page JPX keeps (404), or a page without value links.
                log.info("JPX archive walk stops at %s: %s", page_url, error)
                return
            on_page = self._links(page, page_url)
            self.found.update((link.name, link) for link in on_page if link.name not in self.found)
            self._start()
            if on_page and (max(on_page).period < self._cutoff() or min(on_page).period <= stop):
                return

    def _start(self) -> None:
        """Hand the files found so far to the workers: within the backfill, newest first, the
        newest of all kept for last, held ones left to :meth:`_collect`, at most the allowance."""
        cutoff, newest = self._cutoff(), max(self.found.values(), default=None)
        for link in sorted(self.found.values(), reverse=True):
            if len(self.futures) >= self._allowance():
                return
            if link.period >= cutoff and link is not newest and link.name not in self.futures \
                    and link.name not in self.held:
                self.futures[link.name] = self.pool.submit(self._file, link)

    def _recent(self) -> list[FileLink]:
        """The links within the backfill, at most the allowance (the newest kept)."""
        if not self.found:
            raise LayoutChanged(f"JPX: no {self.plan.key or 'weekly'} value file links on the "
                                "index pages")
        cutoff = self._cutoff()
        recent = sorted(link for link in self.found.values() if link.period >= cutoff)
        if len(recent) > self._allowance():
            log.warning("JPX lists %d %s files; only the newest %d are read", len(recent),
                        self.plan.key or "weekly", self._allowance())
        return recent[-self._allowance():]

    def _collect(self, links: list[FileLink]) -> tuple[tuple[str, object], ...]:
        *older, newest = links
        found = [self._outcome(link) for link in older]
        # Fetched last, so the newest file is the last one read (what JP_INFO shows).
        found.append((newest.name, self._file(newest, "newest")))
        return tuple(file for file in found if file is not None)

    def _outcome(self, link: FileLink) -> tuple[str, object] | None:
        future = self.futures.get(link.name)
        try:
            return link.name, future.result() if future is not None else self._file(link)
        except (LayoutChanged, SourceUnavailable) as error:
            # One odd or missing file deep in the backfill must not cost the other nine years;
            # it is not cached, so a Refresh asks for it again.
            log.warning("JPX file %s skipped: %s", link.name, error)
            return None

    def _file(self, link: FileLink, kind: str = "published"):
        return self.fetch(link.url, check=self.plan.checker(link.name), headers=self.plan.headers,
                          expire=self.plan.expires[kind])

    def _cutoff(self) -> date:
        newest = max(self.found.values(), default=None)
        return date.min if newest is None else \
            newest.period - timedelta(days=round(365.25 * self.plan.years))

    def _allowance(self) -> int:
        return self.plan.per_year * (self.plan.years + 1)

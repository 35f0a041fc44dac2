"""What a source declares: one plain object per publisher, read by everything above it.

A :class:`Source` says who publishes, which files it reads (URL templates with their expiry and
request headers), how keys follow from a date range when a publisher splits its data by year, the
series and flows it provides (id, unit, frequency, origins), how ``jpflows doctor`` probes it, and
the credit line its terms ask for. Its ``download`` does the I/O through an injected getter and its
``parse`` turns the bytes into a clean frame; nobody else knows the publisher's format or URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, timedelta
from typing import Any, Callable, Mapping

import pandas as pd

from addin.errors import BadArgument
from addin.polite import DEFAULT as POLITE, Limits

DAILY, WEEKLY, MONTHLY = "daily", "weekly", "monthly"
MAX_AGE_DAYS = {DAILY: 7, WEEKLY: 14, MONTHLY: 62}
# How old the latest observation may be before "latest" is flagged stale: a daily series misses a
# week at most over holidays; a flow period is published days (weekly) or about six weeks
# (monthly balance of payments) after it ends, and stays the latest until the next one.
OVERDUE_DAYS = {DAILY: 7, WEEKLY: 21, MONTHLY: 80}

# Plausible ranges, declared with each series and flow (``plausible``): a value outside is a
# changed layout (a yield in basis points, a -999 sentinel, yen where billions were meant), never
# a number to serve. Wide on purpose: they catch units and sentinels, not market moves.
RATE_RANGE = (-5.0, 25.0)  # yields and rates in percent (US 10Y peaked at 15.8 in 1981)

# How a series chooses among its origins.
FIRST = "first"  # the first origin, in declared order, that covers the dates and answers
FRESHEST = "freshest"  # for "latest", whichever origin holds the newest observation


@dataclass(frozen=True)
class Shape:
    """How large a text file of a source may be before it is parsed (see :mod:`addin.shape`).

    A CSV within the download cap can still expand past any memory when parsed: 64 MiB of
    ``1,`` is 33 million cells, and parsers hold each as an object. Real publisher files stay far
    below the limits (the largest, MOF's JGB history, is about 1 MB and 200,000 cells); at the
    limits every parser stays under 256 MB.
    """

    max_bytes: int = 16 * 1024 * 1024
    max_cells: int = 750_000
    max_line: int = 65_536  # bytes in one line


@dataclass(frozen=True)
class File:
    """One file (or URL template) a source reads.

    ``url`` may hold ``{placeholders}`` filled from the key; ``expire`` is how long a downloaded
    copy counts as fresh (``-1``: published once and never changed).
    """

    url: str
    expire: timedelta | int
    description: str = ""
    note: str = ""  # what a user should know when a number comes from this file (JP_INFO)

    def matches(self, url: str) -> bool:
        """Whether ``url`` is this file (its ``{placeholders}`` and ``<parts>`` match anything)."""
        pattern = re.escape(self.url.split("?")[0])
        pattern = re.sub(r"\\\{[^}]*\\\}|<[^>]*>", ".+", pattern)
        return re.fullmatch(pattern, url.split("?")[0]) is not None


@dataclass(frozen=True)
class Yearly:
    """Keys of a source that publishes one file per calendar year (the key is the year).

    With no start date ("latest") the keys are this year and last, so that early January still
    sees December.
    """

    first_year: int

    def keys(self, start: date | None, end: date | None, today: date) -> tuple[str, ...]:
        last = min(end.year if end is not None else today.year, today.year)
        first = start.year if start is not None else last - 1
        return tuple(str(year) for year in range(max(first, self.first_year), last + 1))

    def first_date(self) -> date:
        return date(self.first_year, 1, 1)

    @staticmethod
    def year(key, publisher: str) -> str:
        """A key as the four-digit year it must be.

        Raises:
            BadArgument: anything else, naming ``publisher``.
        """
        year = str(key).strip()
        if not re.fullmatch(r"\d{4}", year):
            raise BadArgument(f"{publisher} year {key!r}: expected four digits like '2025'")
        return year


@dataclass(frozen=True)
class Origin:
    """One place a series can be read from: a source, the key it downloads, a column of its frame.

    ``key`` ``None`` means the keys follow from the dates (the source's :class:`Yearly`).
    ``since`` limits the origin to dates from then on; ``max_files`` to windows needing at most
    that many files (decades of a yearly source are better read from one long file elsewhere);
    ``recent_days`` to windows starting within that many days before today (a publisher that
    keeps only the last few years online).
    """

    source: str
    key: str | None
    column: Any
    since: date | None = None
    max_files: int | None = None
    recent_days: int | None = None


@dataclass(frozen=True)
class SeriesSpec:
    """A price, yield or rate series a user can name."""

    id: str
    description: str
    unit: str
    frequency: str
    origins: tuple[Origin, ...]
    currency: str | None = None
    note: str = ""
    rule: str = FIRST
    plausible: tuple[float, float] | None = None  # (lowest, highest) a real value can be

    @property
    def max_age_days(self) -> int:
        return MAX_AGE_DAYS[self.frequency]

    @property
    def overdue_days(self) -> int:
        return OVERDUE_DAYS[self.frequency]


@dataclass(frozen=True)
class FlowSpec:
    """A flow series: one investor's buying and selling in one source's frame.

    ``source``, ``key`` and ``investor`` name where it is read; ``origins`` (each an
    :class:`Origin` whose column is the investor name in that source's frame) adds further places,
    tried in order when the first is down or changed, as a series' origins are.
    """

    id: str
    description: str
    source: str
    key: str
    investor: str
    frequency: str
    default_market: str = "All"
    markets: tuple[str, ...] = ("All",)
    plausible: tuple[float, float] | None = None  # of every measure, in JPY bn
    origins: tuple[Origin, ...] = ()

    @cached_property
    def all_origins(self) -> tuple[Origin, ...]:
        """Every place the flow is read from, in order: the declared one first."""
        first = Origin(self.source, self.key, self.investor)
        return (first, *(origin for origin in self.origins if origin != first))

    @property
    def overdue_days(self) -> int:
        return OVERDUE_DAYS[self.frequency]


@dataclass(frozen=True)
class Credential:
    """An API key a source needs, named by its setting and never shown to anyone.

    The key travels only in the request: as the header ``header``, or as the query parameter
    ``query`` added when the request is sent (so cache keys, logs and messages never hold it).
    ``how`` tells a user where to get one, ``cost`` what it costs.
    """

    setting: str
    header: str = ""
    query: str = ""
    how: str = ""
    cost: str = ""


Getter = Callable[..., bytes]


class _FirstRequest(Exception):
    """Stops a download at its first request: only the URL is wanted."""


@dataclass(eq=False)
class Source:
    """A publisher, declared: everything the rest of jpflows knows about it comes from here.

    Attributes:
        id: Registry id (``"mof_jgb"``).
        name: Label shown to users (``"MOF JGB"``).
        home: The publisher's page for the data, for people.
        download: ``download(key, get) -> raw``, all I/O, through the injected getter.
        parse: ``parse(raw) -> DataFrame``, pure.
        files: The files or URL templates it reads, with their expiry.
        headers: Request headers every download of this source sends (JPX wants a browser's).
        yearly: How keys follow from a date range, for a source split by year.
        headline: Keys refreshed before anything was asked (a function of today for yearly ones).
        series: The series ids it provides.
        flows: The flow ids it provides.
        raw_prefix: The id prefix of raw series (``"FRED"`` for ``FRED:<id>``), with
            ``raw_series(rest)`` building their spec.
        raw_flows: ``raw_flows(id) -> FlowSpec | None`` for ids beyond the declared ones.
        discovered: ``discovered(key, investors) -> flows`` named in a loaded file (for search).
        probe: The key whose first request ``jpflows doctor`` sends (``None``: not probed).
        attribution: The credit line the publisher's terms ask for.
        where: ``where(key) -> str``, what to show as the file read when nothing was downloaded
            (a local file); by default the first URL a download of the key asks.
        limits: How many requests at once, and how many a second, its hosts accept.
        shape: How large its text files may be before they are parsed; ``None`` for a source
            whose files are not text (binary workbooks bring their own limits).
        credential: The API key its requests carry (``None``: none needed).
        setting: A setting (environment variable or ``jpflows.toml`` key) whose value, when
            set, ``download`` receives as ``setting=`` (a file location a user overrides).
    """

    id: str
    name: str
    home: str
    download: Callable[[str, Getter], Any]
    parse: Callable[[Any], pd.DataFrame]
    files: tuple[File, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    yearly: Yearly | None = None
    headline: tuple[str, ...] | Callable[[date], tuple[str, ...]] = ()
    series: tuple[SeriesSpec, ...] = ()
    flows: tuple[FlowSpec, ...] = ()
    raw_prefix: str = ""
    raw_series: Callable[[str], SeriesSpec | None] | None = None
    raw_flows: Callable[[str], FlowSpec | None] | None = None
    discovered: Callable[[str, Any], tuple[FlowSpec, ...]] | None = None
    probe: str | Callable[[date], str] | None = None
    attribution: str = ""
    where: Callable[[str], str] | None = None
    limits: Limits = POLITE
    shape: Shape | None = Shape()
    credential: Credential | None = None
    setting: str = ""

    def headline_keys(self, today: date) -> tuple[str, ...]:
        """The keys behind the headline monitor, refreshed before anything was asked."""
        return self.headline(today) if callable(self.headline) else tuple(self.headline)

    def hosts(self) -> set[str]:
        """The hosts its files live on."""
        return {file.url.split("/")[2] for file in self.files if "://" in file.url}

    def file_for(self, url: str) -> File | None:
        """The declared file ``url`` is an instance of, if any."""
        return next((file for file in self.files if file.matches(url)), None)

    def location(self, key: str) -> str:
        """Where the data of ``key`` is read from, to show a user."""
        if self.where is not None:
            return self.where(key)
        first = self.first_request(key)
        return first[0] if first else self.home

    def probe_key(self, today: date) -> str | None:
        """The key ``jpflows doctor`` asks for (``None``: the source is not probed)."""
        return self.probe(today) if callable(self.probe) else self.probe

    def first_request(self, key: str) -> tuple[str, dict[str, str]] | None:
        """The URL and headers a download of ``key`` sends first, without sending anything."""
        asked: list[tuple[str, dict[str, str]]] = []

        def get(url, *, headers=None, **_):
            asked.append((url, {**self.headers, **(headers or {})}))
            raise _FirstRequest

        try:
            self.download(key, get)
        except _FirstRequest:
            pass
        except Exception:  # a key the source refuses has no request to report
            return None
        return asked[0] if asked else None

    def keys_for(self, origin: Origin, start: date | None, end: date | None,
                 today: date) -> tuple[str, ...]:
        """The keys an origin reads for ``[start, end]``."""
        if origin.key is not None:
            return (origin.key,)
        if self.yearly is None:
            raise ValueError(f"source {self.id} has no yearly keys")
        return self.yearly.keys(start, end, today)

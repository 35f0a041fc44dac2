"""Getting bytes over the network, and nothing else: session, retries, mirror, size cap, deadline.

:func:`build_session` configures one ``requests.Session`` (TLS verification on, capped retries
that honour ``Retry-After``). :class:`Transport` asks a URL, rewritten by ``JPFLOWS_MIRROR``, and
streams the body so that an oversized or endless answer is refused while it arrives; each attempt's
headers and body must arrive within ``JPFLOWS_TIMEOUT`` (:mod:`addin.deadline`). What to keep,
when to ask and what to serve when a download fails is the cache policy's business
(:mod:`addin.http`), not this module's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import urljoin

import requests
import urllib3.exceptions
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from addin.config import Config
from addin.deadline import Watch, WatchedAdapter, watching
from addin.redirects import MAX_REDIRECTS, REDIRECTS, refusal
from addin.polite import Politeness
from addin.errors import TIMED_OUT, UNREACHABLE

USER_AGENT = "jpflows/0.1 (+python-requests)"
MAX_RETRY_WAIT = 10.0
_CHUNK = 64 * 1024


class DownloadFailed(Exception):
    """A request that gave no usable answer; ``problem`` says why in a user's words."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass(frozen=True)
class Answer:
    """What a publisher sent back: status, headers and (for a 200 or a 4xx) the whole body."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


class _CappedRetry(Retry):
    """Honour ``Retry-After`` but never make a spreadsheet wait minutes for it."""

    def __init__(self, *args, max_wait: float = MAX_RETRY_WAIT, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_wait = max_wait

    def new(self, **kwargs) -> "_CappedRetry":
        retry = super().new(**kwargs)
        retry.max_wait = self.max_wait
        return retry

    def get_retry_after(self, response):
        wait = super().get_retry_after(response)
        return None if wait is None else min(wait, self.max_wait)


def rewrite(url: str, mirror: tuple[tuple[str, str], ...]) -> str:
    """Apply ``JPFLOWS_MIRROR``: replace a matching origin, keep path and query."""
    for origin, replacement in mirror:
        if url == origin or url.startswith(origin + "/") or url.startswith(origin + "?"):
            return replacement + url[len(origin):]
    return url


def build_session(config: Config) -> requests.Session:
    """The process's session: capped retries, our User-Agent, TLS verification on."""
    session = requests.Session()
    # A read timeout is not retried: each retry would add a whole timeout to the user's wait.
    retry = _CappedRetry(total=3, connect=2, read=False, status=3, backoff_factor=0.5,
                         status_forcelist=(429, 500, 502, 503, 504),
                         allowed_methods=frozenset({"GET"}), respect_retry_after_header=True,
                         raise_on_status=False, max_wait=min(MAX_RETRY_WAIT, config.timeout))
    adapter = WatchedAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.verify = True
    return session


class Transport:
    """GETs through one session, mirrored, streamed under a size cap and a deadline."""

    def __init__(self, config: Config, session: requests.Session | None = None,
                 politeness: Politeness | None = None) -> None:
        self.config = config
        self.session = session or build_session(config)
        self.politeness = politeness or Politeness()

    def real_url(self, url: str) -> str:
        """Where a publisher URL is actually asked (``JPFLOWS_MIRROR`` applied)."""
        return rewrite(url, self.config.mirror)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> Answer:
        """Ask the publisher (or its mirror) for ``url``.

        A 200 carries its body; so does a 4xx, which may explain the refusal (the BOJ API answers
        errors in JSON). Any other status comes back without reading the body.

        Raises:
            DownloadFailed: no answer (refused, timed out, TLS), or a body too large or too slow.
        """
        real = self.real_url(url)
        with watching(self.config.timeout) as watch:
            try:
                with self.politeness.slot(real):
                    return self._follow(url, real, headers, watch)
            except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                raise DownloadFailed(TIMED_OUT if watch.expired else describe(exc)) from None

    def _follow(self, url: str, real: str, headers, watch: Watch) -> Answer:
        """Ask ``real``, following only the redirects :func:`~addin.redirects.refusal` allows."""
        here = real
        mirrors = tuple(replacement for _, replacement in self.config.mirror)
        for _ in range(MAX_REDIRECTS + 1):
            answer = self._get(here, headers, watch)
            if answer.status not in REDIRECTS:
                return answer
            target = urljoin(here, answer.headers.get("Location", ""))
            problem = refusal(target, url, here, mirrors)
            if problem is not None:
                raise DownloadFailed(problem)
            here = target
        raise DownloadFailed("too many redirects")

    def _get(self, real: str, headers, watch: Watch) -> Answer:
        response = self.session.get(real, headers=headers or {}, stream=True,
                                    timeout=self.config.timeout, allow_redirects=False)
        with response:
            status = response.status_code
            if status == 429:  # the publisher asked for a pause: keep every thread off it
                self.politeness.back_off(real, _retry_after(response, self.config.timeout))
            if status != 200 and not 400 <= status < 500:
                return Answer(status, response.headers, b"")
            with watch.armed():
                return Answer(status, response.headers, self._body(response, watch))

    def _body(self, response: requests.Response, watch: Watch) -> bytes:
        """The whole (decoded) body, read one network read at a time against the deadline."""
        limit = self.config.max_response_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise DownloadFailed(f"larger than {limit:,} bytes")
        chunks, size = [], 0
        while True:
            if watch.over():
                raise DownloadFailed(TIMED_OUT)
            chunk = response.raw.read1(_CHUNK, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise DownloadFailed(f"larger than {limit:,} bytes")
            chunks.append(chunk)
        if watch.expired:  # the shut socket ended the body early: it is not complete
            raise DownloadFailed(TIMED_OUT)
        return b"".join(chunks)


def _retry_after(response: requests.Response, cap: float) -> float:
    """Seconds a 429 asks to wait (``Retry-After`` in seconds), never more than ``cap``."""
    text = response.headers.get("Retry-After", "")
    return min(float(text), cap) if text.strip().isdigit() else min(1.0, cap)


def describe(exc: Exception) -> str:
    """What went wrong with a request, in a user's words."""
    cause = exc.args[0] if exc.args else None
    if isinstance(exc, (requests.Timeout, ReadTimeoutError)) or isinstance(cause, ReadTimeoutError):
        return TIMED_OUT
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError,
                        requests.exceptions.ContentDecodingError,
                        urllib3.exceptions.ProtocolError, urllib3.exceptions.DecodeError)):
        return "download cut short"
    if isinstance(exc, (requests.exceptions.SSLError, urllib3.exceptions.SSLError)):
        return "TLS certificate check failed"
    if isinstance(exc, requests.ConnectionError):
        return UNREACHABLE
    return type(exc).__name__

"""API keys on the wire, and nowhere else.

A source that needs a key declares a :class:`~addin.sources.base.Credential` (the setting that
holds it, and whether it travels as a header or a query parameter). :class:`KeyAuth` is attached
to the transport's ``requests.Session`` once: it adds each key to the requests bound for its
source's hosts (as :data:`JPFLOWS_MIRROR` rewrote them) at the moment they are sent. URLs the
cache, the records, ``JP_INFO`` and the logs see never carry a key, and :class:`Redact` blanks a
key in any log line a library writes about the wire request.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase

from addin.config import Config
from addin.transport import rewrite

MASK = "***"


@dataclass(frozen=True)
class _Rule:
    prefixes: tuple[str, ...]  # scheme://host[/path] the requests start with, mirror applied
    header: str
    query: str
    value: str


class KeyAuth(AuthBase):
    """Adds every configured key to the requests bound for its source's hosts.

    The rules are worked out at the first request, so building a session imports no source.
    """

    def __init__(self, make_rules: Callable[[], tuple[_Rule, ...]]) -> None:
        self._make_rules = make_rules
        self._rules: tuple[_Rule, ...] | None = None
        self._lock = threading.Lock()

    @property
    def rules(self) -> tuple[_Rule, ...]:
        if self._rules is None:
            with self._lock:
                if self._rules is None:
                    self._rules = self._make_rules()
                    _quiet(tuple(rule.value for rule in self._rules))
        return self._rules

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        for rule in self.rules:
            if any(_under(request.url, prefix) for prefix in rule.prefixes):
                if rule.header:
                    request.headers[rule.header] = rule.value
                if rule.query:
                    request.prepare_url(request.url, {rule.query: rule.value})
        return request


class Redact(logging.Filter):
    """Replaces any configured key in a log record's text by ``***``."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if any(secret in text for secret in self.secrets):
            for secret in self.secrets:
                text = text.replace(secret, MASK)
            record.msg, record.args = text, None
        return True


def _under(url: str, prefix: str) -> bool:
    return url == prefix or url.startswith(prefix + "/") or url.startswith(prefix + "?")


def rules(config: Config, sources) -> tuple[_Rule, ...]:
    """One rule per source whose key is set: its hosts (mirrored as the transport will send)."""
    found = []
    for source in sources:
        wanted = source.credential
        value = config.key(wanted.setting) if wanted else None
        if not value:
            continue
        origins = {f"{urlsplit(f.url).scheme}://{host}" for f in source.files
                   for host in [urlsplit(f.url).hostname] if host}
        prefixes = tuple(sorted({rewrite(o, config.mirror) for o in origins}))
        found.append(_Rule(prefixes, wanted.header, wanted.query, value))
    return tuple(found)


def attach(session: requests.Session, config: Config, sources: Callable[[], list]) -> None:
    """Give ``session`` the keys ``config`` holds for the declared ``sources()``."""
    if config.keys:
        session.auth = KeyAuth(lambda: rules(config, sources()))


_LIBRARY_LOGGERS = ("urllib3", "urllib3.connectionpool", "urllib3.util.retry",
                    "urllib3.poolmanager", "requests")


def _quiet(secrets: tuple[str, ...]) -> None:
    """Keep ``secrets`` out of what the HTTP libraries log about the requests they send."""
    if not secrets:
        return
    for name in _LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, Redact) and f.secrets == secrets for f in logger.filters):
            logger.addFilter(Redact(secrets))

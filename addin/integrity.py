"""What a cached entry must be before it is served, and the seal that proves who wrote it.

Anything read back from a cache is untrusted input: a row garbled by a crash, a value a teammate's
script wrote into the team's Redis, a copy of one file stored under another file's key. So an
entry is served only when it has the shape of a stored download (status 200, a non-empty body of
bytes no larger than the download cap, headers of text, creation and expiry times) and claims the
URL it was asked for. With ``JPFLOWS_CACHE_SECRET`` set, every entry also carries a seal, an
HMAC-SHA256 over the key, the URL, the times, the headers and the body; an entry without a valid
seal was written by someone who does not hold the secret and is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timezone

from addin.cachelib import CachedResponse

SEAL_HEADER = "X-Jpflows-Seal"
_VERSION = b"jpflows-cache-1"


def problem(response, key: str, cap: int, key_of) -> str | None:
    """Why ``response`` (as read from a cache under ``key``) cannot be served, or ``None``.

    ``key_of(url)`` is the cache key of a URL: the copy must claim a URL with that key (the cache
    stores the URL with its query normalised, so the texts themselves may differ).
    """
    if not isinstance(response, CachedResponse):
        return f"not a stored download ({type(response).__name__})"
    body = response._content  # the attribute itself: .content may decode or guess
    if response.status_code != 200 or not isinstance(body, bytes) or not body:
        return "not a complete download"
    if len(body) > cap:
        return f"larger than {cap:,} bytes"
    if not isinstance(response.url, str) or key_of(response.url) != key:
        return "stored under another file's key"
    if not _times_ok(response) or not _headers_ok(response.headers):
        return "damaged times or headers"
    return None


def _times_ok(response) -> bool:
    return isinstance(response.created_at, datetime) and (
        response.expires is None or isinstance(response.expires, datetime))


def _headers_ok(headers) -> bool:
    try:
        return all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
    except (AttributeError, TypeError):
        return False


class Seal:
    """Seals and verifies entries under a team secret (no secret: every entry passes)."""

    def __init__(self, secret: str) -> None:
        self._key = secret.encode("utf-8") if secret else b""

    def __bool__(self) -> bool:
        return bool(self._key)

    def close(self, key: str, response) -> None:
        """Put the seal of ``response`` (stored under cache ``key``) into its headers."""
        if self._key:
            response.headers[SEAL_HEADER] = self._tag(key, response)

    def problem(self, key: str, response) -> str | None:
        """Why the seal of ``response`` does not prove it was written with the secret, or None."""
        if not self._key:
            return None
        given = response.headers.get(SEAL_HEADER, "")
        if not isinstance(given, str) or not hmac.compare_digest(given, self._tag(key, response)):
            return "not sealed with JPFLOWS_CACHE_SECRET"
        return None

    def note(self, record: dict) -> dict:
        """A small record (an outcome) with its seal."""
        if not self._key:
            return record
        return {**record, "seal": self._mac(_canonical(record))}

    def note_problem(self, record) -> str | None:
        """Why a small record is not one written with the secret (or not a record), or None."""
        if not isinstance(record, dict):
            return "not a record"
        if not self._key:
            return None
        bare = {k: v for k, v in record.items() if k != "seal"}
        given = record.get("seal")
        if not isinstance(given, str) or not hmac.compare_digest(given, self._mac(_canonical(bare))):
            return "not sealed with JPFLOWS_CACHE_SECRET"
        return None

    def _tag(self, key: str, response) -> str:
        headers = sorted((k.lower(), v) for k, v in response.headers.items()
                         if k.lower() != SEAL_HEADER.lower())
        parts = [_VERSION, key.encode(), str(response.url).encode(), _stamp(response.created_at),
                 _stamp(response.expires), hashlib.sha256(response._content or b"").digest(),
                 json.dumps(headers).encode()]
        return self._mac(b"\0".join(parts))

    def _mac(self, message: bytes) -> str:
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


def _stamp(when: datetime | None) -> bytes:
    """A time as microseconds since the epoch, the same however a backend gives it back."""
    if when is None:
        return b"-"
    aware = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return str(round(aware.timestamp() * 1_000_000)).encode()


def _canonical(record: dict) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":")).encode()

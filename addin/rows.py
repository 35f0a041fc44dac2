"""Reading one stored entry: its raw text first, sized up, and only then decoded.

An entry is JSON: one object whose bulk is the body in base64. Decoding garbage of the same size
costs far more: 80 MB of ``[1,1,1,...]`` written into a team's Redis took 80 s and 460 MB to
decode, on every read. So the raw value is looked at before it is decoded: no larger than the
largest download could make it, an object, and with only as many commas and brackets as a
stored download has (a few dozen). Anything else counts as missing. The entry is read from the
responses table itself: requests-cache's redirect table would let a forged alias point one key
at another file's copy.
"""

from __future__ import annotations

import logging
import re

from addin.cachelib import SQLiteDict, is_redis

from addin.readonly import ReadOnlyTable

log = logging.getLogger("addin.http")

_HEAD = 65536
MAX_STRUCTURE = 1000  # commas, braces and brackets in a stored download's JSON: a few dozen
_KEY = re.compile(r"[0-9a-f]{1,128}")


def read(responses, key: str, cap: int):
    """The decoded entry under ``key`` (anything at all, for the caller to validate), or None."""
    if isinstance(responses, ReadOnlyTable) and responses.written(key) is not None:
        return responses.written(key)
    if is_redis(responses) or isinstance(responses, (SQLiteDict, ReadOnlyTable)):
        raw = _raw(responses, key, cap)
        if raw is None:
            return None
        problem = problem_of(raw, cap)
        if problem is not None:
            log.warning("cache: an entry refused before decoding (%s)", problem)
            return None
        return _decode(responses, key, raw)
    try:
        return responses[key]  # in memory: objects, not text
    except KeyError:
        return None


def problem_of(raw, cap: int) -> str | None:
    """Why a raw value cannot be a stored download, or ``None``."""
    limit = cap * 4 // 3 + 65536  # the largest body in base64, with its fields
    if len(raw) > limit:
        return f"{len(raw):,} bytes, more than any download makes"
    marks = ",{[" if isinstance(raw, str) else (b",", b"{", b"[")  # counted in place: no copy
    if not raw[:64].lstrip().startswith(marks[1]):
        return "not a JSON object"
    structure = sum(raw.count(mark) for mark in marks)
    if structure > MAX_STRUCTURE:
        return f"{structure:,} commas and brackets, not a stored download"
    return None


def _raw(responses, key: str, cap: int):
    if is_redis(responses):
        name = f"{responses.namespace}:{key}"
        size = responses.connection.strlen(name)  # asked first: a huge value is never read
        if not size:
            return None
        if size > cap * 4 // 3 + 65536:
            log.warning("cache: an entry of %s bytes refused unread", f"{size:,}")
            return None
        if size > _HEAD:  # garbage usually shows in its first 64 KiB: not worth reading on
            head = responses.connection.getrange(name, 0, _HEAD - 1)
            if problem_of(head, cap) is not None:
                return head
        return responses.connection.get(name)
    if not _KEY.fullmatch(key):  # cache keys are hex digests; anything else is not ours
        return None
    if isinstance(responses, ReadOnlyTable):
        rows = responses.raw(key)
    else:
        with responses.connection() as db:
            # requests-cache reads the same way (a placeholder misbehaves across threads).
            rows = db.execute(f"SELECT value FROM {responses.table_name} WHERE key='{key}'"
                              ).fetchall()
    return rows[0][0] if rows else None


def _decode(responses, key: str, raw):
    if isinstance(responses, ReadOnlyTable):
        return responses.decode(raw)
    return responses.deserialize(key, raw)

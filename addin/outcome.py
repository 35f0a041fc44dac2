"""What one Refresh step really achieved for one source key: OK, stale (and why), or failed.

A step is OK only when every file it read came fresh from the publisher (a download or a 304).
When a file could not be downloaded and its last good copy was served, or the new download did
not parse and the last good frame stays in use, the step is *stale*, with the reason; when nothing
could be served at all it *failed*. The reason names the file when the key reads more than one.
"""

from __future__ import annotations

OK = "OK"
STALE = "stale"
FAILED = "failed"
OFFLINE = "offline (JPFLOWS_OFFLINE), publishers not asked"


def judge(records, error=None, failed: bool = False, offline: bool = False) -> str:
    """The outcome text of one step.

    Args:
        records: The fetch records of the files the step asked for (``None`` for one not asked).
        error: The engine's error of the step, if it had one.
        failed: Whether the step ended with nothing to serve.
        offline: Whether the publishers were not to be asked at all.
    """
    if failed:
        return f"{FAILED}: {error}"
    if error is not None:
        return f"{STALE}: {error}"
    if offline:
        return f"{STALE}: {OFFLINE}"
    known = [record for record in records if record is not None]
    bad = [record for record in known if record.stale or record.fetched_at is None]
    if not bad:
        return OK
    first = bad[0]
    reason = first.error or "served from the cache"
    if len(known) > 1:
        reason = f"{_file(first.url)}: {reason}"
    more = f" (and {len(bad) - 1} more files)" if len(bad) > 1 else ""
    return f"{STALE}: {reason}{more}"


def _file(url: str) -> str:
    """The last part of a URL's path (with its query), to name a file in a short text."""
    return url.rstrip("/").rsplit("/", 1)[-1][:60]

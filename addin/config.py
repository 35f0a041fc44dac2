"""Settings, read once from the environment (or ``jpflows.toml``) into a frozen dataclass.

Nothing reads the environment at import time: :func:`Config.from_env` is called when the engine is
first used, and the resulting object is passed down.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
import re
from urllib.parse import urlsplit

from addin.errors import BadArgument

APP = "jpflows"
CSV_PREFIX = "JPFLOWS_CSV_"
_TRUE = {"1", "true", "yes", "on"}
_SECRET_QUERY = re.compile(r"((?:^|&)(?:password|passwd|pwd|token|secret)=)[^&]*", re.IGNORECASE)


@dataclass(frozen=True)
class Config:
    """Everything the engine needs to know about its surroundings."""

    cache_dir: Path
    cache: str = "sqlite"
    offline: bool = False
    timeout: float = 20.0
    mirror: tuple[tuple[str, str], ...] = ()
    csv_files: Mapping[str, str] = field(default_factory=dict)
    max_response_bytes: int = 64 * 1024 * 1024
    recheck_seconds: float = 60.0
    cache_secret: str = field(default="", repr=False)  # seals shared-cache entries (HMAC)
    cache_timeout: float = 0.5  # a Redis socket's timeout: short, and apart from the HTTP one
    errors: str = "text"  # what a failed Excel function shows: "text" or Excel's "errors"
    # API keys (JPFLOWS_*_KEY) and file locations (JPFLOWS_*_URL) the sources declare; the keys
    # are left out of repr and travel only inside requests (see addin.credentials).
    keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    settings: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Config":
        """Build the settings from ``environ`` (default ``os.environ``) over ``jpflows.toml``."""
        env = {**_toml_settings(), **(os.environ if environ is None else environ)}
        return cls(
            cache_dir=Path(env.get("JPFLOWS_CACHE_DIR") or _default_cache_dir()),
            cache=env.get("JPFLOWS_CACHE", "sqlite").strip() or "sqlite",
            offline=env.get("JPFLOWS_OFFLINE", "0").strip().lower() in _TRUE,
            timeout=_positive_float(env.get("JPFLOWS_TIMEOUT", "20"), "JPFLOWS_TIMEOUT"),
            mirror=parse_mirror(env.get("JPFLOWS_MIRROR", "")),
            csv_files={k[len(CSV_PREFIX):].upper(): v for k, v in env.items()
                       if k.startswith(CSV_PREFIX) and v.strip()},
            cache_secret=env.get("JPFLOWS_CACHE_SECRET", ""),
            cache_timeout=_positive_float(env.get("JPFLOWS_CACHE_TIMEOUT", "0.5"),
                                          "JPFLOWS_CACHE_TIMEOUT"),
            errors=_errors_mode(env.get("JPFLOWS_ERRORS", "text")),
            keys=_named(env, "_KEY"),
            settings=_named(env, "_URL"),
        )

    def key(self, setting: str) -> str | None:
        """The API key set for ``setting`` (``"JPFLOWS_STOOQ_KEY"``), or ``None``."""
        return self.keys.get(setting)

    def __repr__(self) -> str:
        # The default repr would print a Redis password into any log or traceback that shows it.
        return (f"Config(cache_dir={str(self.cache_dir)!r}, cache={redact_url(self.cache)!r}, "
                f"offline={self.offline}, timeout={self.timeout}, "
                f"mirror={tuple((o, redact_url(r)) for o, r in self.mirror)!r})")

    @property
    def cache_label(self) -> str:
        """Where the cache lives, safe to show: a Redis URL loses its password."""
        if self.cache.startswith(("redis://", "rediss://")):
            return redact_url(self.cache)
        return str(self.cache_dir / "http_cache.sqlite")


def _named(env: Mapping[str, str], suffix: str) -> dict[str, str]:
    """``JPFLOWS_*<suffix>`` settings that hold a value, surrounding spaces removed."""
    return {k: v.strip() for k, v in env.items()
            if k.startswith("JPFLOWS_") and k.endswith(suffix) and str(v).strip()}


def parse_mirror(text: str) -> tuple[tuple[str, str], ...]:
    """Parse ``origin=replacement;...``; both sides must be http(s) URLs."""
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        origin, sep, replacement = item.partition("=")
        if not sep:
            raise BadArgument(f"JPFLOWS_MIRROR entry {item!r} is not origin=replacement")
        for url in (origin, replacement):
            parts = urlsplit(url.strip())
            if parts.scheme not in ("http", "https") or not parts.hostname:
                shown = redact_url(url.strip())[:30]
                raise BadArgument(f"JPFLOWS_MIRROR: {shown!r} is not an http(s) URL")
        pairs.append((origin.strip().rstrip("/"), replacement.strip().rstrip("/")))
    return tuple(pairs)


def redact_url(url: str) -> str:
    """``redis://user:secret@host`` -> ``redis://user:***@host``; ``?password=`` too."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # a malformed URL (bad port, bracket) may hide anything: show none of it
        return "(unreadable URL)"
    netloc = parts.netloc
    if password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = user.split(":", 1)[0] + ":***@" + host
    query = _SECRET_QUERY.sub(r"\1***", parts.query)
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    return parts._replace(netloc=netloc, query=query).geturl()


def _positive_float(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise BadArgument(f"{name}={text!r} is not a number of seconds") from None
    if not 0 < value < math.inf:  # also refuses nan, which compares false with everything
        raise BadArgument(f"{name} must be a positive number of seconds, got {text[:12]}")
    return value


def _errors_mode(text: str) -> str:
    mode = text.strip().lower() or "text"
    if mode not in ("text", "errors"):
        raise BadArgument(f'JPFLOWS_ERRORS must be "text" or "errors", got {text[:12]!r}')
    return mode


def _default_cache_dir() -> str:
    import platformdirs

    return platformdirs.user_cache_dir(APP, appauthor=False)


def config_file() -> Path:
    """The optional ``jpflows.toml`` in the user's config directory."""
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "jpflows.toml"


def _toml_settings() -> dict[str, str]:
    """Settings from ``jpflows.toml`` (keys as the environment variables), if the file exists."""
    path = config_file()
    if not path.is_file():
        return {}
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return {str(k).upper(): str(v) for k, v in data.items()}

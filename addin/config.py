"""Settings, read once from the environment (or ``jpflows.toml``) into a frozen dataclass.

Nothing reads the environment at import time: :func:`Config.from_env` is called when the engine is
first used, and the resulting object is passed down.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from addin.errors import BadArgument

APP = "jpflows"
CSV_PREFIX = "JPFLOWS_CSV_"
_TRUE = {"1", "true", "yes", "on"}


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
        )

    @property
    def cache_label(self) -> str:
        """Where the cache lives, safe to show: a Redis URL loses its password."""
        if self.cache.startswith(("redis://", "rediss://")):
            return redact_url(self.cache)
        return str(self.cache_dir / "http_cache.sqlite")


def parse_mirror(text: str) -> tuple[tuple[str, str], ...]:
    """Parse ``origin=replacement;...``; both sides must be http(s) URLs."""
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        origin, sep, replacement = item.partition("=")
        if not sep:
            raise BadArgument(f"JPFLOWS_MIRROR entry {item!r} is not origin=replacement")
        for url in (origin, replacement):
            if urlsplit(url.strip()).scheme not in ("http", "https"):
                raise BadArgument(f"JPFLOWS_MIRROR: {url.strip()!r} is not an http(s) URL")
        pairs.append((origin.strip().rstrip("/"), replacement.strip().rstrip("/")))
    return tuple(pairs)


def redact_url(url: str) -> str:
    """``redis://user:secret@host`` -> ``redis://user:***@host``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _positive_float(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise BadArgument(f"{name}={text!r} is not a number of seconds") from None
    if value <= 0:
        raise BadArgument(f"{name} must be positive, got {text}")
    return value


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

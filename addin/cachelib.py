"""requests-cache as jpflows uses it: imported once, without the backends it never uses.

Every module of the cache layer takes requests-cache's names from here, so whichever of them is
imported first, the library loads the lean way (:func:`addin.imports.without`). Redis, when a team
configures it, is imported by :func:`redis_backend` under its own name.
"""

from __future__ import annotations

import importlib
import sys

from addin.imports import without

_UNUSED = ("requests_cache.backends.redis", "requests_cache.backends.mongodb",
           "requests_cache.backends.gridfs", "requests_cache.backends.dynamodb",
           "requests_cache.backends.filesystem", "yaml", "bson", "ujson", "orjson", "msgpack",
           "itsdangerous", "tomlkit", "cbor2")
with without(_UNUSED):
    import requests_cache
    from requests_cache import CachedResponse
    from requests_cache.backends.base import DictStorage
    from requests_cache.backends.sqlite import SQLiteDict
    from requests_cache.models import CachedRequest
    from requests_cache.serializers import json_serializer

__all__ = ["CachedRequest", "CachedResponse", "DictStorage", "SQLiteDict", "json_serializer",
           "is_redis", "redis_backend", "requests_cache"]


def redis_backend():
    """requests-cache's Redis backend module (imports the redis client)."""
    return importlib.import_module("requests_cache.backends.redis")


def is_redis(thing) -> bool:
    """Whether ``thing`` is a Redis cache or table; nothing is one before a team configures
    Redis (``requests_cache.RedisCache`` itself is then only a placeholder)."""
    module = sys.modules.get("requests_cache.backends.redis")
    return module is not None and isinstance(thing, (module.RedisCache, module.RedisDict))

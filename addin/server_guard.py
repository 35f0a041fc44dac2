"""What a request must pass before the desk server works for it: origin, token, size, rate.

One ASGI middleware, inside the CORS layer (so a refusal still carries the CORS headers a
browser needs to read it). Every refusal is a small JSON body ``{"error": "..."}`` that says what
was wrong and what is allowed.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from dataclasses import dataclass

PROTECTED = "/v1/"
MAX_CLIENTS = 10_000  # rate buckets kept; the oldest are forgotten beyond this


@dataclass(frozen=True)
class Rules:
    """The limits, from :class:`addin.server.ServerSettings`."""

    origins: tuple[str, ...]
    token: str | None
    max_body: int
    rate: float  # requests per second per client and worker; 0 = no limit
    burst: int
    worker: str = ""  # sent as X-Jpflows-Worker: which process answered


class Refused(Exception):
    """A request that is answered with ``status`` and a message, never run."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class RateLimiter:
    """A token bucket per client address: ``burst`` at once, then ``rate`` per second."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._guard = threading.Lock()

    def admit(self, client: str) -> float:
        """0 when the request may run, else the seconds until it would."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self._guard:
            tokens, then = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            if len(self._buckets) >= MAX_CLIENTS:
                self._buckets.pop(next(iter(self._buckets)))
            self._buckets[client] = (max(tokens - 1, 0.0), now)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate


class Guard:
    """ASGI middleware applying :class:`Rules` to every ``/v1/`` request."""

    def __init__(self, app, rules: Rules):
        self.app, self.rules = app, rules
        self.limiter = RateLimiter(rules.rate, rules.burst)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(PROTECTED):
            return await self.app(scope, receive, send)
        send = self._signed(send)
        try:
            self._check(scope)
        except Refused as refusal:
            return await answer(send, refusal.status, refusal.message, refusal.headers)
        try:
            await self.app(scope, self._capped(receive), send)
        except Refused as refusal:  # the body outgrew the limit while it was read
            await answer(send, refusal.status, refusal.message, refusal.headers)

    def _check(self, scope) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        origin = headers.get("origin")
        if origin is not None and origin not in self.rules.origins and not _same_origin(
                origin, scope, headers):
            raise Refused(403, f"origin {origin[:60]} is not allowed; "
                               "the desk adds it to JPFLOWS_CORS_ORIGINS")
        if self.rules.token is not None and not _bearer_ok(headers, self.rules.token):
            raise Refused(401, "a bearer token is required (Authorization: Bearer ...); "
                               "set JPFLOWS_SERVER_TOKEN on the client",
                          {"WWW-Authenticate": "Bearer"})
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.rules.max_body:
            raise Refused(413, f"request body over {self.rules.max_body:,} bytes")
        wait = self.limiter.admit((scope.get("client") or ("?",))[0])
        if wait:
            raise Refused(429, f"more than {self.rules.rate:g} requests per second; slow down",
                          {"Retry-After": str(max(1, round(wait)))})

    def _signed(self, send):
        header = (b"x-jpflows-worker", self.rules.worker.encode("latin-1"))

        async def signed(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        return signed

    def _capped(self, receive):
        """``receive`` that refuses a body growing past the limit (no Content-Length needed)."""
        size = 0

        async def capped():
            nonlocal size
            message = await receive()
            size += len(message.get("body", b""))
            if size > self.rules.max_body:
                raise Refused(413, f"request body over {self.rules.max_body:,} bytes")
            return message

        return capped


async def answer(send, status: int, message: str, headers: dict[str, str] | None = None) -> None:
    """Send ``{"error": message}`` with ``status``."""
    body = json.dumps({"error": message}).encode("utf-8")
    extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())] + extra})
    await send({"type": "http.response.body", "body": body})


def _bearer_ok(headers: dict[str, str], token: str) -> bool:
    scheme, _, given = headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                               token.encode())


def _same_origin(origin: str, scope, headers: dict[str, str]) -> bool:
    """The server's own pages (``/docs``) may call it whatever the allow-list says."""
    return origin == f"{scope.get('scheme', 'http')}://{headers.get('host', '')}"

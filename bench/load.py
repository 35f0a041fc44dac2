"""Many concurrent clients against a desk server: requests, errors and latency percentiles.

Each client is one keep-alive HTTP/1.1 connection driven by asyncio, so hundreds of them cost
the measuring process little. A client sends its calls one after another until the time is up;
an answer counts as an error when the status is not 200, the value is an ``#N/A`` text, or it
differs from the value expected for that call.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

Call = tuple[str, list]  # (function name, arguments)
_MISSING = object()


@dataclass
class LoadResult:
    """What a load run saw."""

    clients: int
    seconds: float
    requests: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    first_error: str = ""

    def percentile(self, share: float) -> float:
        """Latency in ms below which ``share`` (0..1) of the answers came."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        return (f"{self.clients} clients, {self.seconds:.0f} s: {self.requests:,} requests "
                f"({self.per_second:,.0f}/s), {self.errors} errors, latency p50 "
                f"{self.percentile(0.5):.1f} ms, p95 {self.percentile(0.95):.1f} ms, "
                f"p99 {self.percentile(0.99):.1f} ms")

    def fail(self, reason: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or reason[:200]


def run(base: str, calls: list[Call], clients: int, seconds: float,
        expected: list | None = None, headers: dict[str, str] | None = None) -> LoadResult:
    """Drive ``clients`` connections for ``seconds``; client i starts at call i."""
    return asyncio.run(_run(base, calls, clients, seconds, expected, headers or {}))


async def _run(base, calls, clients, seconds, expected, headers) -> LoadResult:
    parts = urlsplit(base)
    requests = [_request(parts.hostname, parts.port, name, args, headers) for name, args in calls]
    result = LoadResult(clients, seconds)
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_client(parts.hostname, parts.port, requests, expected, i, deadline,
                                   result) for i in range(clients)))
    result.seconds = time.perf_counter() - started
    return result


def _request(host: str, port: int, name: str, args: list, headers: dict[str, str]) -> bytes:
    body = json.dumps({"args": args}).encode()
    lines = [f"POST /v1/call/{name} HTTP/1.1", f"Host: {host}:{port}",
             "Content-Type: application/json", f"Content-Length: {len(body)}",
             *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _client(host, port, requests, expected, first: int, deadline: float,
                  result: LoadResult) -> None:
    connection = None
    i = first
    while time.perf_counter() < deadline:
        try:
            connection = connection or await asyncio.open_connection(host, port)
            started = time.perf_counter()
            status, body = await _exchange(*connection, requests[i % len(requests)])
            result.latencies_ms.append((time.perf_counter() - started) * 1e3)
            result.requests += 1
            _judge(result, status, body, expected[i % len(expected)] if expected else _MISSING)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            result.requests += 1
            result.fail(f"{type(exc).__name__}: {exc}")
            connection = await _close(connection)
        i += 1
    await _close(connection)


async def _exchange(reader, writer, request: bytes) -> tuple[int, bytes]:
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = next(int(line.split(":", 1)[1]) for line in lines[1:]
                  if line.lower().startswith("content-length:"))
    return status, await reader.readexactly(length)


def _judge(result: LoadResult, status: int, body: bytes, expected) -> None:
    if status != 200:
        return result.fail(f"HTTP {status}: {body[:120]!r}")
    value = json.loads(body)["value"]
    if isinstance(value, str) and value.startswith("#N/A"):
        return result.fail(value)
    if expected is not _MISSING and value != expected:
        return result.fail(f"answered {value!r}, expected {expected!r}")
    return None


async def _close(connection) -> None:
    if connection is not None:
        connection[1].close()
    return None


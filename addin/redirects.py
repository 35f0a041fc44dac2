"""Which redirects a download may follow: within the server asked, or to the publisher over HTTPS.

A publisher moving a file within its own site is normal. A redirect to another host is how a
forged file would reach the cache under the publisher's name; one to a private, loopback or
link-local address is how a download would reach a metadata service or a local Redis; one to
plain HTTP gives the file to anyone on the path. So a redirect is followed only to the server that
was asked (the publisher itself, or the configured mirror, which may well be on a private
network), to another configured mirror, or to the publisher's own host over HTTPS when that host
is a public address.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})


def refusal(target: str, asked: str, here: str, mirrors: tuple[str, ...] = ()) -> str | None:
    """Why a redirect from ``here`` to ``target`` is not followed, or ``None`` when it may be.

    Args:
        target: The absolute URL the redirect points to.
        asked: The publisher URL the download is for (before ``JPFLOWS_MIRROR``).
        here: The URL that answered with the redirect.
        mirrors: The configured mirror replacements, trusted like the server asked.
    """
    try:
        parts = urlsplit(target)
        parts.port  # noqa: B018  (a malformed port raises here, not later)
    except ValueError:
        return "redirected to an unreadable address"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "redirected to a non-web address"
    if any(_origin(parts) == _origin(urlsplit(trusted)) for trusted in (here, *mirrors)):
        return None
    host = parts.hostname
    if _private(host):
        return f"redirected to a private address ({host[:40]})"
    if parts.scheme == "https" and host == urlsplit(asked).hostname:
        return None
    return f"redirected to another host ({host[:40]})"


def _origin(parts: SplitResult) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def _private(host: str) -> bool:
    """Whether ``host`` is, or resolves to, an address that is not on the public internet."""
    try:
        return _not_public(ipaddress.ip_address(host))
    except ValueError:
        pass
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):  # unresolvable: the request itself will say so
        return False
    return any(_not_public(ipaddress.ip_address(info[4][0].split("%")[0])) for info in found)


def _not_public(address) -> bool:
    return (address.is_private or address.is_loopback or address.is_link_local
            or address.is_reserved or address.is_multicast or address.is_unspecified)

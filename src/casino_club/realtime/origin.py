"""Which Origins may open the realtime socket: the app's own (scheme, host, port) always, plus the configured list."""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def _key(scheme: str, netloc: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the default port filled in; None when the authority does not parse."""
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or scheme not in DEFAULT_PORTS or parts.username is not None or parts.path:
        return None
    return scheme, parts.hostname.lower(), port if port is not None else DEFAULT_PORTS[scheme]


def same_origin(origin: str, ws_scheme: str, host: str | None) -> bool:
    """Whether the browser's Origin is the very origin the socket was opened on (scheme + Host header).

    `ws_scheme` and `host` already carry a trusted proxy's X-Forwarded-Proto/-Host (ops/proxy.py).
    """
    if not host:
        return False
    scheme, sep, netloc = origin.partition("://")
    if not sep:
        return False  # "null" (sandboxed frames, file://) is never our own origin
    mine = _key("https" if ws_scheme in ("wss", "https") else "http", host)
    theirs = _key(scheme.lower(), netloc)
    return mine is not None and mine == theirs


def origin_allowed(origin: str | None, ws_scheme: str, host: str | None, allowed: list[str],
                   allow_missing: bool) -> bool:
    """Same-origin always; otherwise an exact entry of the configured list (or `*`)."""
    if origin is None:
        return allow_missing
    return same_origin(origin, ws_scheme, host) or origin in allowed or "*" in allowed

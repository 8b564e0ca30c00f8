"""A readable device label for a session's User-Agent ("Chrome on Linux"), parsed by ua-parser."""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse

# Headless and embedded builds are the same browser to a player reading their sessions list.
_ALIASES = {"HeadlessChrome": "Chrome", "Chrome Mobile WebView": "Chrome Mobile",
            "Mobile Safari UI/WKWebView": "Mobile Safari"}


@lru_cache(maxsize=1024)
def device_label(user_agent: str | None) -> str | None:
    """'Browser on OS' (either part alone when the other is unknown); None when nothing is recognised."""
    if not user_agent:
        return None
    result = parse(user_agent[:512])
    browser = result.user_agent.family if result.user_agent and result.user_agent.family != "Other" else None
    os = result.os.family if result.os and result.os.family != "Other" else None
    if browser:
        browser = _ALIASES.get(browser, browser)
    if browser and os:
        return f"{browser} on {os}"
    return browser or os

"""Helpers for the security checks: the operation list from the app's own OpenAPI, request builders."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

# Every operation reachable without a token. A new public endpoint must be added here deliberately.
PUBLIC = {
    ("GET", "/health"), ("GET", "/ready"),
    ("POST", "/api/auth/signup"), ("POST", "/api/auth/login"), ("POST", "/api/auth/refresh"),
    ("POST", "/api/fairness/verify"),  # recomputes an outcome from inputs the caller supplies
    ("GET", "/api/games/gacha/config"),  # the published odds
    ("GET", "/api/games/slot/paytable"),  # the published paytable
    ("POST", "/api/shop/webhook/payment"),  # authenticated by its HMAC signature, not a token
}


@dataclass(frozen=True)
class Operation:
    """One documented operation."""

    method: str
    path: str
    params: dict[str, str]  # path parameter -> JSON type

    def url(self) -> str:
        """The path with plausible values for its parameters."""
        def fill(match: re.Match[str]) -> str:
            kind = self.params.get(match.group(1), "string")
            return "1" if kind == "integer" else "RC-0000000000"
        return re.sub(r"\{([^}]+)\}", fill, self.path)


def operations(app: Any) -> list[Operation]:
    """Every HTTP operation in the app's OpenAPI document."""
    out = []
    for path, item in app.openapi()["paths"].items():
        for method, op in item.items():
            if method.upper() not in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                continue
            params = {p["name"]: p.get("schema", {}).get("type", "string")
                      for p in op.get("parameters", []) if p.get("in") == "path"}
            out.append(Operation(method.upper(), path, params))
    return out


async def call(client: httpx.AsyncClient, op: Operation, headers: dict[str, str] | None = None) -> httpx.Response:
    """Send an operation with an empty JSON body for writes."""
    kwargs: dict[str, Any] = {"headers": {**(headers or {})}}
    if op.method in {"POST", "PUT", "PATCH"}:
        kwargs["json"] = {}
        kwargs["headers"]["Idempotency-Key"] = "sec-check-key"
    return await client.request(op.method, op.url(), **kwargs)


def code_of(response: httpx.Response) -> str | None:
    """The error envelope's code."""
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None

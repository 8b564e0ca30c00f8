"""Injection strings in every text field of every JSON body: never a 500, stored and returned verbatim (JSON is
inert; escaping is the renderer's job), and the web UI renders them inertly (autoescape, CSP, no innerHTML)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from casino_club.kit.runtime import Runtime
from casino_club.seed import feature_seeders
from tests.support.api import Player, login, signup

PAYLOADS = [
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\"; DROP TABLE users; --",
    "<img src=x onerror=alert(1)>",
    "{{7*7}}${7*7}",
    "😀 한국어 \u202etxt",
]
ESCAPED_FORMS = ("&lt;script", "&#39; OR", "&quot;;", "&lt;img", "\\u003cscript")
WEB = Path(__file__).resolve().parents[2] / "src" / "casino_club" / "web"


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            return _resolve(options[0], components) if options else {"type": "null"}
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0], components)
    return schema


def build(schema: dict[str, Any], components: dict[str, Any], text: str, depth: int = 0) -> Any:
    """A body that satisfies the schema's shape, with `text` in every free-text string field."""
    schema = _resolve(schema, components)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        return {name: build(sub, components, text, depth + 1) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [build(schema.get("items", {}), components, text, depth + 1)] * max(1, schema.get("minItems", 0))
    if kind == "integer":
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1 if "exclusiveMinimum" in schema else 1)
        return max(int(low), 1) if schema.get("maximum", 10**9) >= 1 else int(low)
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return "2030-01-01T00:00:00Z"
        if fmt == "date":
            return "2030-01-01"
        value = text[: schema.get("maxLength", len(text))]
        return value.ljust(schema.get("minLength", 0), "x")
    return None


async def test_injection_strings_in_every_text_field_never_500(rt: Runtime, client: httpx.AsyncClient,
                                                                admin: Player, proved: Callable[..., None]) -> None:
    async with rt.transaction() as session:
        for seeder in feature_seeders():
            await seeder(session)
    player = await signup(client)
    victim = await signup(client)
    spec = client._transport.app.openapi()  # type: ignore[attr-defined]
    components = spec.get("components", {}).get("schemas", {})
    statuses: Counter[int] = Counter()
    verbatim = 0
    for path, item in spec["paths"].items():
        for method, op in item.items():
            body_schema = (op.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema")
            if not body_schema or path in ("/api/auth/logout", "/api/auth/logout-all"):
                continue
            who = admin if path.startswith("/api/admin") else player
            url = re.sub(r"\{user_id\}", str(victim.user_id), path)
            url = re.sub(r"\{[^}]*(id)\}", "1", url)
            url = re.sub(r"\{[^}]+\}", "RC-0000000000", url)
            for payload in PAYLOADS:
                body = build(body_schema, components, payload)
                if path == "/api/auth/me" and method == "put":
                    body = {"nickname": payload}  # a password change would end the fuzzing session
                response = await who._write(method.upper(), url, body, True)
                statuses[response.status_code] += 1
                assert response.status_code < 500, f"{method.upper()} {path} with {payload!r}: {response.text[:300]}"
                text = response.text
                for escaped in ESCAPED_FORMS:
                    assert escaped not in text, f"{path}: the API escaped instead of storing verbatim: {text[:200]}"
                if 200 <= response.status_code < 300 and payload[:20] in text:
                    verbatim += 1
    proved("injection in every JSON text field", requests=sum(statuses.values()), payloads=len(PAYLOADS),
           status_2xx=sum(n for s, n in statuses.items() if s < 300),
           status_4xx=sum(n for s, n in statuses.items() if 400 <= s < 500), status_5xx=0,
           echoed_verbatim=verbatim)


async def test_injection_strings_round_trip_verbatim(client: httpx.AsyncClient, admin: Player,
                                                     proved: Callable[..., None]) -> None:
    round_trips = 0
    bidi = await client.post("/api/auth/signup", json={"site_id": "bidi_user", "nickname": "ab\u202ecd",
                                                        "password": "password123"})
    assert bidi.status_code == 422, "a right-to-left override in a nickname would let names spoof others"
    for i, payload in enumerate(p for p in PAYLOADS if "\u202e" not in p):
        nickname = f"{payload[:46]}{i:02d}"
        player = await signup(client, nickname=nickname)
        assert (await player.get("/api/auth/me")).json()["nickname"] == nickname
        edited = f"{i:02d}{payload[:46]}"
        assert (await player.put("/api/auth/me", json={"nickname": edited})).json()["nickname"] == edited
        assert (await player.get("/api/auth/me")).json()["nickname"] == edited
        grant = await admin.post(f"/api/admin/users/{player.user_id}/gold/grant", json={"amount": 1, "reason": payload})
        assert grant.status_code == 200 and grant.json()["reason"] == payload.strip()
        audit = (await admin.get(f"/api/admin/audit?target_id={player.user_id}&action=gold.grant")).json()
        assert any(entry["after"].get("reason") == payload.strip() for entry in audit["items"])
        round_trips += 4
    # SQL in the login id or password is just a wrong login.
    for payload in ("' OR 1=1 --", "admin'--", "\" OR \"\"=\""):
        response = await login(client, payload, payload)
        assert response.status_code == 401, response.text
    proved("verbatim round trips", nickname_signup_edit_grant_audit=round_trips, sql_login_attempts_401=3,
           bidi_override_refused=1)


async def test_web_ui_renders_data_inertly(client: httpx.AsyncClient, proved: Callable[..., None]) -> None:
    from casino_club.web.router import templates

    assert templates.env.autoescape is True or templates.env.autoescape("page.html"), "Jinja autoescape is off"
    unsafe_templates = [p.name for p in (WEB / "templates").rglob("*.html") if "|safe" in p.read_text().replace(" ", "")
                        or "autoescape false" in p.read_text()]
    assert not unsafe_templates, unsafe_templates
    sinks = re.compile(r"\.innerHTML\s*[+]?=|insertAdjacentHTML|outerHTML\s*=|document\.write|\beval\(|new Function\(")
    scripts = list((WEB / "static").rglob("*.js"))
    offenders = [f"{p.name}:{n}" for p in scripts for n, line in enumerate(p.read_text().splitlines(), 1)
                 if sinks.search(line) and not line.lstrip().startswith("//")]
    assert not offenders, f"HTML-injection sinks in the UI scripts: {offenders}"
    reflected = await client.get("/admin/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert reflected.status_code == 404 and "<script>alert(1)" not in reflected.text
    page = await client.get("/profile")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", page.text), "inline script on a page"
    proved("web UI inert rendering", templates=len(list((WEB / "templates").rglob("*.html"))), scripts=len(scripts),
           html_sinks=0, reflected_404_escaped=1)

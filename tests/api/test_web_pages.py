"""The page routes: every page renders in the chosen language, static files are served safely."""

from __future__ import annotations

import re

import httpx

from casino_club.web.router import ADMIN_SECTIONS, PAGES

INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=", re.IGNORECASE)


async def test_every_page_renders_without_inline_code(client: httpx.AsyncClient) -> None:
    for path in [*PAGES, *(f"/admin/{s}" for s in ADMIN_SECTIONS)]:
        r = await client.get(path)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html")
        assert 'id="app"' in r.text and 'src="/static/js/app.js"' in r.text
        assert not INLINE.findall(r.text), path


async def test_korean_by_default_english_from_cookie(client: httpx.AsyncClient) -> None:
    ko = await client.get("/login")
    assert '<html lang="ko">' in ko.text and "로그인" in ko.text
    en = await client.get("/login", cookies={"lang": "en"})
    assert '<html lang="en">' in en.text and "Log in" in en.text


async def test_static_files_and_traversal(client: httpx.AsyncClient) -> None:
    js = await client.get("/static/js/app.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert (await client.get("/static/i18n/en.json")).json()["nav.home"] == "Home"
    assert (await client.get("/static/../router.py")).status_code == 404
    assert (await client.get("/static/%2e%2e/router.py")).status_code == 404
    assert (await client.get("/static/nope.css")).status_code == 404


async def test_unknown_admin_section_and_redirect(client: httpx.AsyncClient) -> None:
    assert (await client.get("/admin/nope")).status_code == 404
    r = await client.get("/admin")
    assert r.status_code == 307 and r.headers["location"] == "/admin/users"


async def test_unknown_urls_get_the_styled_page_and_api_urls_keep_json(client: httpx.AsyncClient) -> None:
    for path in ("/no-such-page", "/games/nope", "/admin/nope"):
        r = await client.get(path, cookies={"lang": "en"})
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html"), path
        assert 'data-testid="not-found"' in r.text and "Page not found" in r.text
        assert not INLINE.findall(r.text)
    ko = await client.get("/no-such-page")
    assert "페이지를 찾을 수 없습니다" in ko.text
    for method, path in (("GET", "/api/nope"), ("POST", "/no-such-page"), ("GET", "/static/nope.css")):
        r = await client.request(method, path)
        assert r.status_code in (404, 405), path
        assert r.headers["content-type"].startswith("application/json"), path
        assert r.json()["error"]["code"] in ("NOT_FOUND", "METHOD_NOT_ALLOWED"), r.text


async def test_favicon(client: httpx.AsyncClient) -> None:
    r = await client.get("/favicon.ico")
    assert r.status_code == 301 and r.headers["location"] == "/static/img/favicon.svg"
    icon = await client.get("/static/img/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert 'href="/static/img/favicon.svg"' in (await client.get("/login")).text

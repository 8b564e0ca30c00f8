"""Browser pages: Jinja2 templates rendered in the player's language, plus the static CSS/JS/i18n files.

Pages carry no data: every number comes from the API, fetched by the ES modules in `static/js/` (the
fairness page alone embeds the published rule tables, for its offline verifier).
"""

from __future__ import annotations

import inspect
import json
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException

from casino_club.games.published import published_rules_json
from casino_club.kit.http_errors import request_lang

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=HERE / "templates")
static_files = StaticFiles(directory=STATIC_DIR)

# path -> (page: template `<page>.html` + module `static/js/pages/<page>.js`, title key, needs login)
PAGES: dict[str, tuple[str, str, bool]] = {
    "/": ("home", "nav.home", True),
    "/login": ("login", "auth.login", False),
    "/signup": ("signup", "auth.signup", False),
    "/games": ("games", "nav.games", True),
    "/games/slot": ("slot", "game.slot", True),
    "/games/rps": ("rps", "game.rps", True),
    "/games/gacha": ("gacha", "game.gacha", True),
    "/games/crash": ("crash", "game.crash", True),
    "/shop": ("shop", "nav.shop", True),
    "/inventory": ("inventory", "nav.inventory", True),
    "/profile": ("profile", "nav.profile", True),
    "/events": ("events", "nav.events", True),
    "/fairness": ("fairness", "nav.fairness", True),
    "/notifications": ("notifications", "nav.notifications", True),
}
ADMIN_SECTIONS = ("users", "products", "limited", "promos", "transactions", "events", "missions",
                  "notifications", "invites", "audit", "economy")


@cache
def dictionary(lang: str) -> dict[str, str]:
    """The UI strings of one language (the same JSON files the browser loads)."""
    strings: dict[str, str] = json.loads((STATIC_DIR / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
    return strings


def _render(request: Request, template: str, page: str, title_key: str, guest: bool,
            extra: dict[str, Any] | None = None) -> Response:
    lang = request_lang(request)
    strings = dictionary(lang)

    def t(key: str) -> str:
        return strings.get(key, key)

    settings = request.app.state.settings
    context = {"lang": lang, "t": t, "page": page, "title_key": title_key, "guest": guest,
               "min_bet": settings.min_bet, "max_bet": settings.max_bet, **(extra or {})}
    response = templates.TemplateResponse(request, template, context)
    # The strict CSP (script-src 'self', no inline code or style attributes) comes from
    # ops.security.SecurityHeadersMiddleware; these pages are written to satisfy it.
    response.headers["Cache-Control"] = "no-store"
    return response


def _page_extra(page: str) -> dict[str, Any]:
    # The fairness page carries the rule tables, so its verifier needs no server call (also saved offline).
    return {"rules_json": published_rules_json()} if page == "fairness" else {}


def _page_route(path: str, page: str, title_key: str, needs_login: bool) -> None:
    async def handler(request: Request) -> Response:
        return _render(request, f"{page}.html", page, title_key, guest=not needs_login, extra=_page_extra(page))

    handler.__name__ = f"page_{page}"
    router.add_api_route(path, handler, methods=["GET"], response_class=HTMLResponse)


for _path, (_page, _title, _login) in PAGES.items():
    _page_route(_path, _page, _title, _login)


@router.get("/fairness/verifier.html", response_class=HTMLResponse)
async def offline_verifier(request: Request) -> Response:
    """fair-verify.js + the rule tables in one HTML file to save and open from disk (a download, not a page)."""
    source = (STATIC_DIR / "js" / "fair-verify.js").read_text(encoding="utf-8")
    if "</script" in source.lower():  # pragma: no cover - would end the inline module early
        raise RuntimeError("fair-verify.js must not contain </script")
    response = templates.TemplateResponse(request, "fairness_offline.html", {
        # Markup: our own static module, inlined as code (the template marks nothing safe itself).
        "lang": request_lang(request), "module_source": Markup(source), "rules_json": published_rules_json()})
    response.headers["Content-Disposition"] = 'attachment; filename="casino-club-verifier.html"'
    return response


@router.get("/admin", response_class=HTMLResponse)
async def admin_home() -> Response:
    """The console opens on the users section."""
    return RedirectResponse("/admin/users", status_code=307)


@router.get("/admin/{section}", response_class=HTMLResponse)
async def admin_page(section: str, request: Request) -> Response:
    """One section of the admin console (the API enforces the admin role; the page only hides)."""
    if section not in ADMIN_SECTIONS:
        return not_found_page(request)
    return _render(request, "admin.html", "admin", f"admin.{section}", guest=False,
                   extra={"section": section, "sections": ADMIN_SECTIONS})


@router.get("/static/{path:path}")
async def static(path: str, request: Request) -> Response:
    """CSS, ES modules, i18n dictionaries and images (StaticFiles guards against path traversal)."""
    response = await static_files.get_response(path, request.scope)
    response.headers.setdefault("Cache-Control", "no-cache")
    return response


@router.get("/favicon.ico")
async def favicon() -> Response:
    """Browsers ask for /favicon.ico on their own: point them at the SVG icon."""
    return RedirectResponse("/static/img/favicon.svg", status_code=301)


def not_found_page(request: Request) -> Response:
    """The styled 404 page (a guest page: it renders the same signed in or not)."""
    response = _render(request, "notfound.html", "notfound", "common.notFound", guest=True)
    response.status_code = 404
    return response


def _wants_page(request: Request) -> bool:
    # API and asset URLs keep their JSON errors; anything else a browser navigates to gets a page.
    path = request.url.path
    return request.method in ("GET", "HEAD") and not path.startswith(("/api/", "/static/")) and path != "/api"


def install_not_found_page(app: FastAPI) -> None:
    """Route unknown non-API URLs to the HTML not-found page; everything else keeps the JSON handler."""
    json_handler = app.exception_handlers[StarletteHTTPException]

    async def handler(request: Request, exc: Exception) -> Response:
        if isinstance(exc, StarletteHTTPException) and exc.status_code == 404 and _wants_page(request):
            return not_found_page(request)
        response = json_handler(request, exc)
        return await response if inspect.isawaitable(response) else response

    app.add_exception_handler(StarletteHTTPException, handler)

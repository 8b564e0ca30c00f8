"""Deterministic OpenAPI export (the committed openapi.json is compared against it in tests)."""

from __future__ import annotations

import json

from casino_club.app import create_app
from casino_club.config import Settings


def render_openapi() -> str:
    """The app's OpenAPI document as stable, pretty JSON."""
    settings = Settings(env="development", database_url="sqlite+aiosqlite:///:memory:", redis_url=None,
                        _env_file=None)
    app = create_app(settings, run_jobs=False)
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

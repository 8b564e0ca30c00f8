"""The committed openapi.json must equal the live schema (run `make openapi` after API changes)."""

from __future__ import annotations

import json
from pathlib import Path

from casino_club.openapi_export import render_openapi

ROOT = Path(__file__).resolve().parents[2]


def test_committed_openapi_matches_live_schema() -> None:
    committed = json.loads((ROOT / "openapi.json").read_text())
    live = json.loads(render_openapi())
    added = sorted(set(live["paths"]) - set(committed["paths"]))
    removed = sorted(set(committed["paths"]) - set(live["paths"]))
    assert committed == live, f"openapi.json is stale (added {added}, removed {removed}): run `make openapi`"

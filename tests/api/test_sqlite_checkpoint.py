"""SQLite: the write-ahead log reaches the database file through the background checkpoint, never in a COMMIT.

In WAL mode SQLite writes the main database file only when it checkpoints, so the file's bytes show
whether a checkpoint ran. With the job's interval short the file changes soon after writes; with it
effectively off the file stays as it was, however many group commits went through (SQLite's own
per-commit checkpoint is pushed out to a safety threshold the test stays far below).
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from casino_club.config import Settings
from tests.support.api import signup


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture(params=[0.05, 3600.0], ids=["job-every-50ms", "job-idle"])
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, object]:
    return {"sqlite_checkpoint_interval_s": request.param}


def _file_digest(settings: Settings) -> str:
    path = Path(make_url(settings.database_url).database or "")
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_written_pages_reach_the_database_file_only_through_the_background_checkpoint(
        client: httpx.AsyncClient, settings: Settings) -> None:
    player = await signup(client)
    await asyncio.sleep(0.3)  # start-up writes settle (checkpointed already when the job runs often)
    before = _file_digest(settings)
    spins = await asyncio.gather(*[player.post("/api/games/slot/spin", json={"bet": 10}) for _ in range(20)])
    assert all(r.status_code == 200 for r in spins), [r.text for r in spins if r.status_code != 200][:2]
    await asyncio.sleep(0.3)
    changed = _file_digest(settings) != before
    assert changed == (settings.sqlite_checkpoint_interval_s < 1)

"""`casino-club clean-seed`: refuses without confirmation, resets seed accounts through the ledger."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from casino_club.auth.models import User
from casino_club.config import DEFAULT_SEED_PASSWORD
from casino_club.games.models import GameRound, GameStats
from casino_club.kit.runtime import Runtime
from casino_club.ops.clean_seed import clean_seed, owned_tables
from casino_club.seed import run_seed
from casino_club.wallet.models import Transfer
from casino_club.wallet.service import balance_of
from tests.support.api import key, login
from tests.support.servers import ROOT, Server, server_env


def cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `python -m casino_club ARGS`."""
    return subprocess.run([sys.executable, "-m", "casino_club", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_refuses_without_confirm(tmp_path: Path) -> None:
    env = server_env(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    result = cli(["clean-seed"], env)
    assert result.returncode == 2
    assert "CONFIRM=YES" in result.stderr
    assert not (tmp_path / "c.db").exists()  # refused before touching anything


def test_refuses_in_production_without_allow_prod(tmp_path: Path) -> None:
    env = server_env(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}", env="production", confirm="")
    env["CONFIRM"] = "YES"
    result = cli(["clean-seed"], env)
    assert result.returncode == 2
    assert "ALLOW_PROD=1" in result.stderr
    assert not (tmp_path / "c.db").exists()


def test_resets_after_play_and_ledger_stays_clean(tmp_path: Path) -> None:
    db = tmp_path / "casino.db"
    env = server_env(f"sqlite+aiosqlite:///{db}")
    server = Server(env, log_path=tmp_path / "server.log").start(extra_args=["--seed"])
    try:
        with httpx.Client(base_url=server.url, timeout=15) as c:
            tokens = c.post("/api/auth/login", json={"site_id": "user001", "password": DEFAULT_SEED_PASSWORD})
            assert tokens.status_code == 200, tokens.text
            auth = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
            for _ in range(6):
                played = c.post("/api/games/slot/spin", json={"bet": 100}, headers={**auth, "Idempotency-Key": key()})
                assert played.status_code == 200, played.text
            assert c.get("/api/games/history", headers=auth).json()["items"]
            played_gold = c.get("/api/users/balance", headers=auth).json()
            assert played_gold["xp"] > 0
            admin_before = _admin_balance(env)

            result = cli(["clean-seed"], {**env, "CONFIRM": "YES"})
            assert result.returncode == 0, result.stderr
            assert "reset 5 seed accounts" in result.stdout

            balance = c.get("/api/users/balance", headers=auth).json()
            assert (balance["gold"], balance["level"], balance["xp"]) == (1000, 1, 0)
            assert c.get("/api/games/history", headers=auth).json()["items"] == []
            assert c.get("/api/actions/recent", headers=auth).json()["items"] == []
            play_key = key()
            for _ in range(3):  # 503 + Retry-After is transient SQLite lock contention: retry with the same key
                again = c.post("/api/games/rps/play", json={"bet": 10, "choice": "rock"},
                               headers={**auth, "Idempotency-Key": play_key})
                if again.status_code != 503:
                    break
                time.sleep(float(again.headers.get("Retry-After", "1")))
            # The account still plays after the reset (on failure, show the server's error lines).
            assert again.status_code == 200, again.text + _errors(tmp_path / "server.log")
    finally:
        server.stop()
    verified = cli(["ledger", "verify"], env)  # the operator's own check, as docs/operations.md says
    assert verified.returncode == 0, verified.stdout + verified.stderr
    report = json.loads(verified.stdout)
    # The reset moved exactly the player's winnings or losses through the admin account (the ledger).
    assert report["ok"] is True
    assert report["system_balances"]["system:admin"] - admin_before == played_gold["gold"] - 1000


def _admin_balance(env: dict[str, str]) -> int:
    verified = cli(["ledger", "verify"], env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    return int(json.loads(verified.stdout)["system_balances"]["system:admin"])


def _errors(log: Path) -> str:
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return "\n" + "\n".join(line[:2000] for line in lines if '"level": "error"' in line or "Error" in line)[-6000:]


def test_owned_tables_cover_feature_tables_children_first() -> None:
    names = [t.name for t, _ in owned_tables([1])]
    for expected in ("game_rounds", "game_stats", "inventory", "user_actions", "outbox_events",
                     "fairness_seed_pairs"):
        assert expected in names
    for kept in ("users", "accounts", "transfers", "auth_sessions", "audit_logs"):
        assert kept not in names
    # game_rounds references fairness_seed_pairs (RESTRICT): it must be emptied first.
    assert names.index("game_rounds") < names.index("fairness_seed_pairs")
    if "crash_rounds" in names:
        assert names.index("crash_rounds") < names.index("game_rounds")


async def test_clean_seed_in_process(rt: Runtime, client: httpx.AsyncClient) -> None:
    """Both backends: play, reset, then balances come back to 1,000 through ADMIN transfers only."""
    await run_seed(rt)
    tokens = (await login(client, "user002", DEFAULT_SEED_PASSWORD)).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    for _ in range(4):
        r = await client.post("/api/games/rps/play", json={"bet": 50, "choice": "paper"},
                              headers={**auth, "Idempotency-Key": key()})
        assert r.status_code == 200, r.text
    report = await clean_seed(rt)
    uid = report.users["user002"]
    assert report.deleted["game_rounds"] >= 4
    async with rt.sessionmaker() as session:
        assert await balance_of(session, uid) == 1000
        user = await session.get(User, uid)
        assert user is not None and user.xp == 0 and user.level == 1
        assert (await session.execute(select(func.count()).select_from(GameRound)
                                      .where(GameRound.user_id == uid))).scalar_one() == 0
        assert (await session.execute(select(func.count()).select_from(GameStats)
                                      .where(GameStats.user_id == uid))).scalar_one() == 0
        reasons = set((await session.execute(select(Transfer.reason).where(Transfer.reason == "clean_seed")))
                      .scalars())
        assert reasons <= {"clean_seed"}
    assert (await clean_seed(rt)).gold_moves["user002"] == 0  # idempotent


@pytest.fixture(autouse=True)
def _no_dotenv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONFIRM", raising=False)

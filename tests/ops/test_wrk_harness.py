"""The wrk bench's load scripts do what its numbers assume: a token per connection, a fresh key per request."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pytest
from bench.open_loop import run_open_loop
from bench.wrk_kinds import HEALTH, Kind, Players, open_loop_maker, statements_total
from bench.wrk_run import Conn, run_wrk

from tests.support.servers import Server, server_env

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk not installed (Debian package wrk)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One SQLite `casino-club serve` process with enough gold for a second of spins."""
    tmp = tmp_path_factory.mktemp("wrk")
    env = server_env(f"sqlite+aiosqlite:///{tmp}/wrk.db", None, starting_gold="10000000",
                     write_rate_limit="100000000")
    started = Server(env, log_path=tmp / "server.log").start(timeout=90)
    try:
        yield started
    finally:
        started.stop()


def _players(base: str, n: int, tag: str) -> Players:
    tokens, ids = [], []
    for i in range(n):
        r = httpx.post(base + "/api/auth/signup", json={"site_id": f"wrk{tag}{i}", "nickname": f"wrk{tag}{i}",
                                                         "password": "password123"})
        assert r.status_code == 201, r.text
        tokens.append(r.json()["access_token"])
        ids.append(r.json()["user"]["id"])
    return Players(tokens, ids, admin_token="")


def _rounds(base: str, token: str, game: str) -> int:
    stats = httpx.get(base + "/api/games/stats/me", headers={"Authorization": f"Bearer {token}"}).json()
    return int(stats["games"].get(game, {}).get("rounds", 0))


def test_every_wrk_request_is_a_new_round_of_its_connections_player(server: Server) -> None:
    players = _players(server.url, 3, "s")
    spin = Kind("slot_spin", "write", "POST", "/api/games/slot/spin", '{"bet":10}')
    before = statements_total(server.url)
    run = run_wrk(server.url, players.conns(spin, 3), connections=3, seconds=1, method="POST")
    assert run.statuses.get("200", 0) == run.requests > 10, run.statuses
    per_player = [_rounds(server.url, t, "slot") for t in players.tokens]
    # A repeated Idempotency-Key would replay instead of spinning, a shared token would leave a player idle;
    # each connection's last request may be served after wrk stopped counting.
    assert run.requests <= sum(per_player) <= run.requests + 3 and min(per_player) > 0, per_player
    assert statements_total(server.url) > before  # the server counts SQL statements (auth at least)
    assert 0 < run.p50_ms <= run.p99_ms


def test_crash_mode_cashes_out_the_round_each_bet_opened(server: Server) -> None:
    players = _players(server.url, 2, "c")
    crash = Kind("crash", "write", "POST", "/api/games/crash/bet", '{"bet":10}', mode="crash")
    run = run_wrk(server.url, players.conns(crash, 2), connections=2, seconds=1, method="POST", mode="crash")
    bets, cashouts = run.statuses.get("bet:200", 0), run.ok(frozenset({"cashout:200", "cashout:409"}))
    assert bets > 2 and bets - 2 <= cashouts <= bets, run.statuses  # each connection alternates bet / cash-out
    # Cashed-out rounds are settled (in the stats); a connection's last bet may still be open.
    assert cashouts <= sum(_rounds(server.url, t, "crash") for t in players.tokens) <= bets


def test_open_loop_sends_at_the_fixed_rate(server: Server) -> None:
    players = _players(server.url, 2, "o")
    make, seen = open_loop_maker(HEALTH, players)
    res = run_open_loop(server.url, rate=40, seconds=1, make=make, seen=seen)
    assert res.sent == 40 and res.statuses == {"200": 40}
    assert 0.9 <= res.seconds <= 1.5 and len(res.latencies_ms) == 40
    with pytest.raises(ValueError):
        run_open_loop("http://localhost:1", rate=1, seconds=1, make=make)


def test_conns_give_each_connection_its_own_player() -> None:
    players = Players(["t1", "t2"], [11, 12], admin_token="adm")
    grant = Kind("grant", "write", "POST", "/api/admin/users/{uid}/gold/grant", "{}", admin=True)
    assert players.conns(grant, 3) == [Conn("adm", "/api/admin/users/11/gold/grant", "{}"),
                                       Conn("adm", "/api/admin/users/12/gold/grant", "{}"),
                                       Conn("adm", "/api/admin/users/11/gold/grant", "{}")]
    assert [c.token for c in players.conns(Kind("b", "read", "GET", "/x"), 2)] == ["t1", "t2"]

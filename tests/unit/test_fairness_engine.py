"""Unit tests for the provably fair HMAC stream (casino_club.fairness.engine)."""

from __future__ import annotations

import hashlib
import hmac
import pathlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import casino_club
from casino_club.fairness.engine import (
    FLOATS_PER_DIGEST,
    MAX_FLOATS,
    hash_seed,
    new_client_seed,
    new_server_seed,
    outcome_floats,
    uniform_index,
    weighted_index,
)

# Known answers computed with OpenSSL, independently of Python:
#   printf 'client-seed:42:0' | openssl dgst -sha256 -hmac 'server-seed'
KAT_ROUND_0 = "ab2fb4142e5fe96143096dc6e4e18edbc4e795cf90ef944a7df58f0ae65f9531"
KAT_ROUND_1 = "6a936e007cf4eb6dc929e27c9872d19f713e4e98fa180c28bb393fd467995e7c"


def _words(hex_digest: str) -> list[float]:
    raw = bytes.fromhex(hex_digest)
    return [int.from_bytes(raw[i : i + 4], "big") / 2**32 for i in range(0, 32, 4)]


def test_known_answer_vector_spans_two_digests() -> None:
    floats = outcome_floats("server-seed", "client-seed", 42, 10)
    assert floats == _words(KAT_ROUND_0) + _words(KAT_ROUND_1)[:2]
    assert floats[0] == 0xAB2FB414 / 2**32
    assert floats[8] == 0x6A936E00 / 2**32


def test_hash_seed_is_sha256_hex() -> None:
    assert hash_seed("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert hash_seed("한글") == hashlib.sha256("한글".encode()).hexdigest()


def test_new_seeds_are_random_hex() -> None:
    seeds = {new_server_seed() for _ in range(20)}
    assert len(seeds) == 20
    assert all(re.fullmatch(r"[0-9a-f]{64}", s) for s in seeds)
    client = new_client_seed()
    assert re.fullmatch(r"[0-9a-f]{8,32}", client)
    assert client != new_client_seed()


def test_inputs_change_the_stream() -> None:
    base = outcome_floats("s", "c", 0, 8)
    assert outcome_floats("s", "c", 1, 8) != base
    assert outcome_floats("s", "c2", 0, 8) != base
    assert outcome_floats("s2", "c", 0, 8) != base
    # "c:1" + ":0" vs "c" + ":1:0" style ambiguity cannot collide because the nonce is an int field.
    assert outcome_floats("s", "c:1", 0, 8) != outcome_floats("s", "c", 1, 8)


def test_count_zero_and_limits() -> None:
    assert outcome_floats("s", "c", 0, 0) == []
    assert len(outcome_floats("s", "c", 0, MAX_FLOATS)) == MAX_FLOATS
    with pytest.raises(ValueError):
        outcome_floats("s", "c", 0, MAX_FLOATS + 1)
    with pytest.raises(ValueError):
        outcome_floats("s", "c", -1, 1)
    with pytest.raises(ValueError):
        outcome_floats("s", "c", 0, -1)


@settings(max_examples=150, deadline=None)
@given(
    server_seed=st.text(min_size=1, max_size=80),
    client_seed=st.text(max_size=40),
    nonce=st.integers(min_value=0, max_value=2**63),
    count=st.integers(min_value=0, max_value=3 * FLOATS_PER_DIGEST + 1),
)
def test_floats_in_unit_interval_and_deterministic(
    server_seed: str, client_seed: str, nonce: int, count: int
) -> None:
    floats = outcome_floats(server_seed, client_seed, nonce, count)
    assert len(floats) == count
    assert all(0.0 <= u < 1.0 for u in floats)
    assert floats == outcome_floats(server_seed, client_seed, nonce, count)
    # A longer request extends, never changes, a shorter one (play and verify may ask different counts).
    assert outcome_floats(server_seed, client_seed, nonce, count + 5)[:count] == floats
    # Independent recomputation straight from hmac.
    key = server_seed.encode()
    expected: list[float] = []
    for rnd in range((count + 7) // 8):
        expected += _words(hmac.new(key, f"{client_seed}:{nonce}:{rnd}".encode(), hashlib.sha256).hexdigest())
    assert floats == expected[:count]


def test_uniform_index_edges() -> None:
    assert uniform_index(0.0, 3) == 0
    assert uniform_index((2**32 - 1) / 2**32, 3) == 2
    assert uniform_index(0.9999999999999999, 100) == 99  # largest double below 1 stays in range
    assert uniform_index(0.5, 1) == 0
    for bad_u in (-0.1, 1.0, float("nan")):
        with pytest.raises(ValueError):
            uniform_index(bad_u, 3)
    with pytest.raises(ValueError):
        uniform_index(0.5, 0)


def test_weighted_index_boundaries_are_exact() -> None:
    weights = [30, 25, 20, 15, 8, 2]
    cumulative = [0, 30, 55, 75, 90, 98, 100]
    for i in range(len(weights)):
        # Lattice floats k / 2**32 of index i are exactly those with cum[i] <= 100k / 2**32 < cum[i+1].
        first_k = -(-cumulative[i] * 2**32 // 100)
        last_k = -(-cumulative[i + 1] * 2**32 // 100) - 1
        assert weighted_index(first_k / 2**32, weights) == i
        assert weighted_index(last_k / 2**32, weights) == i
        if i:
            assert weighted_index((first_k - 1) / 2**32, weights) == i - 1
    with pytest.raises(ValueError):
        weighted_index(0.5, [])
    with pytest.raises(ValueError):
        weighted_index(0.5, [1, -1])


def test_zero_weight_is_never_picked() -> None:
    assert {weighted_index(k / 1000, [1, 0, 1]) for k in range(1000)} == {0, 2}


def test_no_random_module_in_outcome_code() -> None:
    root = pathlib.Path(casino_club.__file__).parent
    sources = list((root / "fairness").rglob("*.py")) + list((root / "games").rglob("*.py"))
    assert sources
    pattern = re.compile(r"^\s*(import random\b|from random import)", re.MULTILINE)
    offenders = [str(p) for p in sources if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


# ---------------------------------------------------------------- verify (recompute from inputs alone)
def test_recompute_matches_the_rules() -> None:
    from casino_club.games.rules import crash, gacha, rps, slot
    from casino_club.games.verify_cli import recompute

    seed, client = "revealed-seed", "my-client-seed"
    out = recompute("slot", seed, client, 7, {"bet": 100})
    floats = outcome_floats(seed, client, 7, 4)  # three reels + the payout rounding float
    spin = slot.spin(floats)
    assert out["outcome"] == slot.outcome_dict(spin) and out["payout"] == slot.payout(100, spin, floats[3])
    assert out["server_seed_hash"] == hash_seed(seed)

    out = recompute("rps", seed, client, 8, {"bet": 10, "choice": "paper"})
    assert out["outcome"]["house"] == rps.house_move(outcome_floats(seed, client, 8, 1)[0])

    out = recompute("gacha", seed, client, 9, {"count": 10, "pity": 85})
    pulled = gacha.pull(outcome_floats(seed, client, 9, 20), 10, 85)
    assert [i["id"] for i in out["outcome"]["items"]] == [i.id for i in pulled.items]
    assert (
        out["cost"] == 4500
        and out["outcome"]["new_pulls_since_legendary"] == pulled.new_pulls_since_legendary
    )

    out = recompute("crash", seed, client, 10, {"bet": 100, "auto_cashout": 1.5})
    point = crash.crash_point_x100(outcome_floats(seed, client, 10, 1)[0])
    assert out["outcome"]["crash_point_x100"] == point
    assert out["payout"] == (150 if point >= 150 else 0)
    assert recompute("crash", seed, client, 10, {"auto_cashout_x100": 150})["payout"] == out["payout"]
    assert recompute("crash", seed, client, 10, {})["payout"] is None
    # A manual cash-out is recomputable from its multiplier: m x stake fair-rounded, if before the crash.
    manual = recompute("crash", seed, client, 10, {"bet": 7, "cashout_multiplier": 1.0})
    u_point, u_round = outcome_floats(seed, client, 10, 2)
    assert manual["payout"] == crash.settle_manual(7, 1.0, crash.exact_point(u_point), u_round)


def test_recompute_checks_the_commitment_and_inputs() -> None:
    from casino_club.games.rules import InvalidGameInput
    from casino_club.games.verify_cli import recompute

    good = recompute("slot", "s", "c", 0, {"server_seed_hash": hash_seed("s")})
    assert good["hash_matches"] is True
    assert recompute("slot", "s", "c", 0, {"server_seed_hash": hash_seed("other")})["hash_matches"] is False
    for args in (
        ("poker", "s", "c", 0, {}),
        ("slot", "", "c", 0, {}),
        ("slot", "s", "c", -1, {}),
        ("rps", "s", "c", 0, {"choice": "lizard"}),
        ("gacha", "s", "c", 0, {"count": 3}),
        ("crash", "s", "c", 0, {"auto_cashout": 0.5}),
        ("slot", "s", "c", 0, {"bet": "100"}),
    ):
        with pytest.raises(InvalidGameInput):
            recompute(*args)


def test_verify_cli_prints_json() -> None:
    import json

    import typer
    from typer.testing import CliRunner

    from casino_club.games.verify_cli import verify

    app = typer.Typer()
    app.command()(verify)
    app.command("noop")(lambda: None)  # two commands so typer keeps the sub-command name
    runner = CliRunner()
    result = runner.invoke(app, ["verify", "rps", "s", "c", "3", "--choice", "rock", "--bet", "10"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["game"] == "rps" and data["nonce"] == 3 and data["params"]["choice"] == "rock"
    bad = runner.invoke(app, ["verify", "rps", "s", "c", "3", "--choice", "lizard"])
    assert bad.exit_code == 2
